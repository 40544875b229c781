package io.runnel.remote.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runnel.RecordKey;
import io.runnel.buffer.Reader;
import io.runnel.inspect.Edge;
import io.runnel.inspect.GraphSnapshot;
import io.runnel.inspect.RecordInfo;
import io.runnel.inspect.TaskInfo;
import io.runnel.remote.RemoteServer;
import io.runnel.remote.internal.ServerConfig.Limits;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The protocol's methods (docs/REMOTE.md, "Methods"), transport-agnostic: each takes the calling
 * {@link Session} and its checked {@link Params} and returns a result, or throws {@link
 * RpcException}.
 */
final class Methods {
  /** Every method, in the order {@code unknown_method} lists them. */
  static final List<String> NAMES =
      List.of(
          "hello", "records", "get", "graph", "inspect", "stats", "watch", "unwatch", "query",
          "set");

  /** A result, and what to do once it is queued (start a watch's feeds after its response). */
  record Reply(JsonNode result, Runnable after) {
    static Reply of(JsonNode result) {
      return new Reply(result, null);
    }
  }

  private final ServerRuntime server;

  Methods(ServerRuntime server) {
    this.server = server;
  }

  Reply call(Session s, String method, ObjectNode params) throws RpcException {
    return switch (method) {
      case "records" -> Reply.of(records(Params.of(params, Set.of())));
      case "get" -> Reply.of(get(Params.of(params, Set.of("key"))));
      case "graph" -> Reply.of(graph(Params.of(params, Set.of("format"))));
      case "inspect" -> Reply.of(inspect(Params.of(params, Set.of())));
      case "stats" -> Reply.of(stats(Params.of(params, Set.of())));
      case "watch" -> watch(s, Params.of(params, Set.of("keys", "queue", "since", "maxRate")));
      case "unwatch" -> Reply.of(unwatch(s, Params.of(params, Set.of("sub"))));
      case "query" ->
          Reply.of(query(Params.of(params, Set.of("key", "from", "to", "afterSeq", "limit"))));
      case "set" -> Reply.of(set(s, Params.of(params, Set.of("key", "value"))));
      default -> throw unknown(method);
    };
  }

  static RpcException unknown(String method) {
    return new RpcException(
        Reason.UNKNOWN_METHOD,
        "no method '" + method + "'; methods: " + String.join(", ", NAMES),
        Map.of("methods", NAMES));
  }

  // ------------------------------------------------------------------ hello

  /** The result of a successful {@code hello}. */
  ObjectNode helloResult(Principal who, String client) {
    ServerConfig c = server.config();
    ObjectNode r = Json.object();
    r.put("protocol", RemoteServer.PROTOCOL);
    r.put("node", c.node());
    r.put("pipeline", server.pipelineName());
    r.put("server", server.version());
    ArrayNode caps = r.putArray("capabilities");
    caps.add("watch");
    caps.add("graph.changes");
    if (server.writes().any()) {
      caps.add("set");
    }
    if (server.history() != null) {
      caps.add("query");
      caps.add("history");
    }
    if (c.httpEndpoints().stream().anyMatch(e -> e.path().equals("/metrics"))) {
      caps.add("metrics");
    }
    r.put("role", who.role().word());
    r.put("client", client);
    Limits l = c.limits();
    ObjectNode lim = r.putObject("limits");
    lim.put("maxMessageBytes", l.maxMessageBytes());
    lim.put("maxSubscriptions", l.maxSubscriptions());
    lim.put("requestsPerSecond", l.requestsPerSecond());
    lim.put("watchQueue", l.watchQueue());
    lim.put("maxPageEntries", l.maxPageEntries());
    lim.put("idleTimeoutMillis", l.idleTimeout().toMillis());
    return r;
  }

  // ------------------------------------------------------------------ read methods

  private JsonNode records(Params p) {
    GraphSnapshot snap = server.runnel().inspect();
    ObjectNode r = Json.object();
    ArrayNode list = r.putArray("records");
    for (RecordInfo ri : snap.records()) {
      ObjectNode o = list.addObject();
      o.put("key", ri.key());
      o.put("name", ri.name());
      o.put("type", ri.type());
      Optional<Class<?>> type = server.runnel().recordType(ri.key());
      o.set("schema", type.map(server.schemas()::of).orElse(null));
      o.put("buffer", ri.buffer());
      o.put("capacity", ri.capacity());
      o.put("origin", ri.origin().name().toLowerCase(java.util.Locale.ROOT));
      o.put("writable", server.writes().writable(ri.key()));
      boolean persisted =
          server.history() != null && server.history().persisted(ri.key(), ri.hookCounters());
      o.put("persisted", persisted);
      if (persisted && server.history().version(ri.key()) > 0) {
        // a versioned type: history entries of older versions are migrated to this one
        o.put("version", server.history().version(ri.key()));
      }
      o.put("producers", ri.producers());
      o.put("consumers", ri.consumers());
      o.put("produced", ri.produced());
      o.put("delivered", ri.delivered());
      o.put("lagged", ri.lagged());
      o.put("dropped", ri.dropped());
      o.put("maxBacklog", ri.maxBacklog());
      o.put("closed", ri.closed());
      o.set("hooks", Json.tree(new java.util.TreeMap<>(ri.hookCounters())));
    }
    return r;
  }

  private JsonNode get(Params p) throws RpcException {
    String key = existingKey(p.string("key"));
    RecordInfo ri =
        server.runnel().inspect().record(key).orElseThrow(() -> RpcException.notFound(key));
    ObjectNode r = Json.object();
    r.put("key", key);
    r.put("present", ri.lastValue() != null);
    r.set("value", ri.lastValue() == null ? null : Subscription.value(ri.lastValue()));
    return r;
  }

  private JsonNode graph(Params p) throws RpcException {
    String format = p.optString("format");
    long version = server.runnel().graphVersion(); // before the snapshot: never newer than it
    GraphSnapshot snap = server.runnel().inspect();
    if (format == null || format.equals("json")) {
      ObjectNode r = Json.object();
      r.put("format", "json");
      r.put("version", version);
      ArrayNode nodes = r.putArray("nodes");
      for (RecordInfo ri : snap.records()) {
        ObjectNode n = nodes.addObject();
        n.put("id", "record:" + ri.key()).put("kind", "record").put("key", ri.key());
        n.put("type", ri.type()).put("buffer", ri.buffer());
        n.put("origin", ri.origin().name().toLowerCase(java.util.Locale.ROOT));
      }
      for (TaskInfo t : snap.tasks()) {
        ObjectNode n = nodes.addObject();
        n.put("id", "task:" + t.id()).put("kind", "task");
        n.put("task", t.kind().name().toLowerCase(java.util.Locale.ROOT));
        n.put("key", t.key()).put("lane", t.lane());
      }
      ArrayNode edges = r.putArray("edges");
      for (Edge e : snap.edges()) {
        edges.addObject().put("from", e.from()).put("to", e.to());
      }
      ArrayNode order = r.putArray("order");
      snap.topologicalOrder().forEach(order::add);
      return r;
    }
    String text =
        switch (format) {
          case "dot" -> snap.toDot();
          case "mermaid" -> snap.toMermaid();
          default ->
              throw RpcException.invalidParam(
                  "format", "format must be json, dot or mermaid, got '" + format + "'");
        };
    ObjectNode r = Json.object();
    r.put("format", format);
    r.put("text", text);
    return r;
  }

  private JsonNode inspect(Params p) {
    GraphSnapshot snap = server.runnel().inspect();
    // last values are the user's objects: render each on its own, so one that Jackson cannot
    // render spoils only its own field
    List<RecordInfo> bare = new ArrayList<>();
    for (RecordInfo r : snap.records()) {
      bare.add(
          new RecordInfo(
              r.key(),
              r.name(),
              r.type(),
              r.origin(),
              r.buffer(),
              r.capacity(),
              r.producers(),
              r.consumers(),
              r.produced(),
              r.delivered(),
              r.lagged(),
              r.maxBacklog(),
              r.wouldLag(),
              r.dropped(),
              r.closed(),
              null,
              r.hookCounters()));
    }
    ObjectNode tree =
        (ObjectNode)
            Json.tree(
                new GraphSnapshot(
                    snap.takenAt(),
                    snap.state(),
                    bare,
                    snap.tasks(),
                    snap.edges(),
                    snap.lanes(),
                    snap.connectors(),
                    snap.topologicalOrder()));
    JsonNode records = tree.get("records");
    for (int i = 0; i < snap.records().size(); i++) {
      Object v = snap.records().get(i).lastValue();
      ((ObjectNode) records.get(i)).set("lastValue", v == null ? null : Subscription.value(v));
    }
    return tree;
  }

  private JsonNode stats(Params p) {
    ObjectNode r = (ObjectNode) Json.tree(server.stats());
    if (server.history() != null) {
      r.set("store", server.history().stats());
    }
    return r;
  }

  // ------------------------------------------------------------------ watch

  /** The largest {@code maxRate} of a watch, values per second per key. */
  static final double MAX_RATE = 10_000;

  private Reply watch(Session s, Params p) throws RpcException {
    List<String> keys = p.stringList("keys");
    for (String k : keys) {
      if (!k.equals(GRAPH_TOPIC)) {
        existingKey(k);
      }
    }
    if (keys.stream().distinct().count() != keys.size()) {
      throw RpcException.invalidParam("keys", "keys must not repeat a key");
    }
    Limits lim = server.config().limits();
    int queue = p.optInt("queue", lim.watchQueue());
    if (queue < 1) {
      throw RpcException.invalidParam("queue", "queue must be positive, got " + queue);
    }
    if (queue > lim.watchQueue()) {
      throw new RpcException(
          Reason.LIMIT_EXCEEDED,
          "queue " + queue + " exceeds this server's watchQueue " + lim.watchQueue(),
          Map.of("limit", "watchQueue", "max", lim.watchQueue()));
    }
    ObjectNode since = p.optObject("since");
    double maxRate = p.optDouble("maxRate", 0);
    if (p.has("maxRate")) {
      if (!(maxRate > 0) || maxRate > MAX_RATE) {
        throw RpcException.invalidParam(
            "maxRate",
            "maxRate must be more than 0 and at most "
                + MAX_RATE
                + " values per second, got "
                + p.raw("maxRate"));
      }
      if (since != null) {
        throw RpcException.invalidParam(
            "maxRate",
            "maxRate conflates live values; a history watch (since) delivers every value");
      }
    }
    if (keys.contains(GRAPH_TOPIC) && (since != null || p.has("maxRate"))) {
      throw RpcException.invalidParam(
          since != null ? "since" : "maxRate",
          GRAPH_TOPIC
              + " delivers every change of the graph as it happens; it takes no since or"
              + " maxRate");
    }
    long fromSeq = 0;
    long fromMicros = Long.MIN_VALUE;
    if (since != null) {
      requireHistory(keys);
      Params sp = Params.of(since, Set.of("seq", "time"));
      if (sp.has("seq") == sp.has("time")) {
        throw RpcException.invalidParam("since", "since needs exactly one of seq or time");
      }
      if (sp.has("seq")) {
        fromSeq = sp.optLong("seq", 0);
        if (fromSeq < 0) {
          throw RpcException.invalidParam("since", "since.seq must not be negative");
        }
      } else {
        fromMicros = History.micros(Params.instant("since", sp.optString("time")));
      }
    }
    Subscription sub = s.newSubscription(keys, queue);
    // live readers subscribe now, so the watch sees every value produced after its response
    Map<String, Reader<Object>> readers = new java.util.LinkedHashMap<>();
    if (since == null) {
      for (String k : keys) {
        @SuppressWarnings("unchecked")
        Reader<Object> reader =
            k.equals(GRAPH_TOPIC)
                ? (Reader<Object>) (Reader<?>) server.runnel().graphChanges()
                : server.runnel().subscribe(Object.class, RecordKey.of(k));
        readers.put(k, reader);
      }
    }
    ObjectNode r = Json.object();
    r.put("sub", sub.id);
    ArrayNode ks = r.putArray("keys");
    keys.forEach(ks::add);
    long seq0 = fromSeq;
    long micros0 = fromMicros;
    return new Reply(
        r,
        () -> {
          for (String k : keys) {
            Reader<Object> reader = readers.get(k);
            if (reader == null) {
              sub.startFeed(
                  k,
                  new HistoryFeed(sub, k, server.history(), server.runnel(), seq0, micros0),
                  null);
            } else {
              sub.startFeed(k, new LiveFeed(sub, k, reader, maxRate, () -> endReason(k)), reader);
            }
          }
          s.activate(sub);
        });
  }

  /**
   * The topic a {@code watch} names to learn of the graph's changes (docs/REMOTE.md): not a record
   * key ({@code $} is not allowed in one), so it never clashes with a record.
   */
  static final String GRAPH_TOPIC = "$graph";

  /**
   * Why a watched record ended: {@code removed} when the graph no longer holds it (or holds a new
   * record of that key, added after the removal), {@code closed} when it ended in place (the
   * pipeline closed, its writer finished).
   */
  private String endReason(String key) {
    if (key.equals(GRAPH_TOPIC)) {
      return "closed";
    }
    return server
        .runnel()
        .inspect()
        .record(key)
        .map(r -> r.closed() ? "closed" : "removed")
        .orElse("removed");
  }

  private JsonNode unwatch(Session s, Params p) throws RpcException {
    long id = p.optLong("sub", -1);
    if (!p.has("sub")) {
      throw RpcException.invalidParam("sub", "parameter 'sub' is required (an integer)");
    }
    Subscription sub = s.removeSubscription(id);
    if (sub == null) {
      throw new RpcException(
          Reason.NOT_FOUND, "no subscription " + id + " on this connection", Map.of("sub", id));
    }
    ObjectNode r = Json.object();
    r.put("sub", id);
    r.put("delivered", sub.delivered());
    r.put("missed", sub.missed());
    r.put("conflated", sub.conflated());
    return r;
  }

  // ------------------------------------------------------------------ query

  private JsonNode query(Params p) throws RpcException {
    String key = existingKey(p.string("key"));
    History h = requireHistory(List.of(key));
    Instant from = p.optInstant("from");
    Instant to = p.optInstant("to");
    long after = p.optLong("afterSeq", -1);
    int max = server.config().limits().maxPageEntries();
    int limit = p.optInt("limit", Math.min(500, max));
    if (limit < 1) {
      throw RpcException.invalidParam("limit", "limit must be positive, got " + limit);
    }
    if (limit > max) {
      throw new RpcException(
          Reason.LIMIT_EXCEEDED,
          "limit " + limit + " exceeds this server's maxPageEntries " + max,
          Map.of("limit", "maxPageEntries", "max", max));
    }
    long fromMicros = from == null ? Long.MIN_VALUE : History.micros(from);
    long toMicros = to == null ? Long.MAX_VALUE : History.micros(to);
    List<History.Entry> entries = h.page(key, after + 1, fromMicros, toMicros, limit + 1);
    ObjectNode r = Json.object();
    r.put("key", key);
    ArrayNode list = r.putArray("entries");
    int n = Math.min(limit, entries.size());
    List<History.Entry> page = new ArrayList<>(entries.subList(0, n));
    for (History.Entry e : page) {
      ObjectNode o = list.addObject();
      o.put("seq", e.seq());
      o.put("time", History.instant(e.timeMicros()).toString());
      if (e.writtenVersion() > 0) {
        o.put("version", e.writtenVersion()); // as written; the value is migrated to `records`'
      }
      o.set("value", Subscription.value(e.value()));
    }
    if (entries.size() > limit) {
      r.put("next", page.get(n - 1).seq());
    } else {
      r.putNull("next");
    }
    return r;
  }

  // ------------------------------------------------------------------ set

  private JsonNode set(Session s, Params p) throws RpcException {
    String key = p.string("key");
    if (p.raw("value") == null) {
      throw RpcException.invalidParam("value", "parameter 'value' is required (the new value)");
    }
    server.writes().set(s.principal(), s.remote(), key, p.raw("value"));
    ObjectNode r = Json.object();
    r.put("key", key);
    r.put("accepted", true);
    return r;
  }

  // ------------------------------------------------------------------ helpers

  private String existingKey(String key) throws RpcException {
    if (server.runnel().recordType(key).isEmpty()) {
      throw RpcException.notFound(key);
    }
    return key;
  }

  private History requireHistory(List<String> keys) throws RpcException {
    History h = server.history();
    if (h == null) {
      throw new RpcException(
          Reason.NO_HISTORY, "this server has no history store", Map.of("key", keys.get(0)));
    }
    for (String k : keys) {
      if (!h.persisted(k)) {
        throw new RpcException(
            Reason.NO_HISTORY, "record '" + k + "' is not persisted", Map.of("key", k));
      }
    }
    return h;
  }
}
