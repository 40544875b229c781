package io.runnel.remote.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One connection's protocol state, whatever the transport: it receives text messages ({@link
 * #onMessage}, called by the transport's reading thread, one at a time) and emits text messages
 * through its {@link Outbox}. It checks the JSON-RPC envelope, authentication, the request rate,
 * and dispatches to {@link Methods}; it owns the connection's subscriptions.
 */
final class Session {
  private static final Set<String> ENVELOPE = Set.of("jsonrpc", "id", "method", "params");

  private final ServerRuntime server;
  private final Transport transport;
  private final Outbox outbox;
  private final TokenBucket bucket;
  private final Map<Long, Subscription> subscriptions = new ConcurrentHashMap<>();
  private final AtomicBoolean ended = new AtomicBoolean();
  private volatile Principal principal;
  private volatile boolean helloDone;
  private volatile String client;
  private long nextSub = 1;
  private volatile ScheduledFuture<?> authTimer;

  Session(ServerRuntime server, Transport transport) {
    this.server = server;
    this.transport = transport;
    this.bucket = new TokenBucket(server.config().limits().requestsPerSecond());
    this.outbox = new Outbox(transport, server.config().limits().outboundQueue(), this::ended);
  }

  /** Starts the writer; {@code headerPrincipal} authenticated the upgrade request, or null. */
  void open(Principal headerPrincipal) {
    this.principal = headerPrincipal;
    if (headerPrincipal != null) {
      client = headerPrincipal.client();
    }
    outbox.start("runnel-remote-out-" + transport.kind());
    if (headerPrincipal == null) {
      authTimer =
          server.schedule(
              () -> {
                if (principal == null) {
                  terminate(
                      Reason.AUTH_TIMEOUT,
                      "no valid hello within " + server.config().limits().authTimeout());
                }
              },
              server.config().limits().authTimeout());
    }
  }

  Principal principal() {
    return principal;
  }

  String remote() {
    return transport.remote();
  }

  Transport transport() {
    return transport;
  }

  Outbox outbox() {
    return outbox;
  }

  /** One message from the client. */
  void onMessage(String text) {
    if (outbox.isClosing()) {
      return;
    }
    JsonNode id = NullNode.instance;
    String method = null;
    try {
      JsonNode n;
      try {
        n = Json.MAPPER.readTree(text);
      } catch (JsonProcessingException e) {
        throw new RpcException(
            Reason.PARSE_ERROR, "not JSON: " + firstLine(e.getOriginalMessage()));
      }
      if (n == null || n.isArray()) {
        throw new RpcException(
            Reason.INVALID_REQUEST,
            n == null ? "empty message" : "batches (JSON arrays) are not supported");
      }
      if (!n.isObject()) {
        throw new RpcException(Reason.INVALID_REQUEST, "a request must be a JSON object");
      }
      JsonNode rawId = n.get("id");
      if (rawId != null && (rawId.isTextual() || rawId.isIntegralNumber())) {
        id = rawId;
      }
      // every message costs a token, malformed or not (parsing is bounded by maxMessageBytes)
      if (!bucket.tryAcquire()) {
        throw new RpcException(
            Reason.RATE_LIMITED,
            "more than " + server.config().limits().requestsPerSecond() + " requests a second",
            Map.of("limit", server.config().limits().requestsPerSecond()));
      }
      for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
        String f = it.next();
        if (!ENVELOPE.contains(f)) {
          throw new RpcException(
              Reason.INVALID_REQUEST, "unknown member '" + f + "' in the request");
        }
      }
      JsonNode v = n.get("jsonrpc");
      if (v == null || !v.isTextual() || !v.asText().equals("2.0")) {
        throw new RpcException(Reason.INVALID_REQUEST, "jsonrpc must be \"2.0\"");
      }
      if (rawId == null) {
        throw new RpcException(
            Reason.INVALID_REQUEST, "a request needs an id (clients send no notifications)");
      }
      if (id.isNull()) {
        throw new RpcException(Reason.INVALID_REQUEST, "id must be a string or an integer");
      }
      JsonNode m = n.get("method");
      if (m == null || !m.isTextual()) {
        throw new RpcException(Reason.INVALID_REQUEST, "method must be a string");
      }
      method = m.asText();
      JsonNode params = n.get("params");
      if (params != null && !params.isNull() && !params.isObject()) {
        throw RpcException.invalidParam("params", "params must be an object");
      }
      server.counters().request(Methods.NAMES.contains(method) ? method : "unknown");
      ObjectNode p = params == null || params.isNull() ? null : (ObjectNode) params;
      if (method.equals("hello")) {
        respond(id, hello(p));
        return;
      }
      if (principal == null) {
        throw new RpcException(
            Reason.UNAUTHENTICATED, "send hello with a token first", Map.of("method", method));
      }
      Methods.Reply r = server.methods().call(this, method, p);
      respond(id, r.result());
      if (r.after() != null) {
        r.after().run();
      }
    } catch (RpcException e) {
      refuse(id, e);
      if (e.reason() == Reason.UNAUTHENTICATED && "hello".equals(method)) {
        server.counters().connectionsRejected.increment();
        outbox.finish(null, Reason.UNAUTHENTICATED, "wrong or missing token");
      }
    } catch (RuntimeException e) {
      server.logInternal(transport.remote(), method, e);
      refuse(id, new RpcException(Reason.INTERNAL, "internal server error (logged on the server)"));
    }
  }

  /** A message that is not UTF-8. */
  void onUndecodable() {
    if (!outbox.isClosing()) {
      refuse(NullNode.instance, new RpcException(Reason.PARSE_ERROR, "the message is not UTF-8"));
    }
  }

  /** A binary frame: the protocol is text only. */
  void onBinary() {
    if (!outbox.isClosing()) {
      refuse(
          NullNode.instance,
          new RpcException(
              Reason.INVALID_REQUEST, "binary frames are not supported: send JSON in text frames"));
    }
  }

  private JsonNode hello(ObjectNode params) throws RpcException {
    Params p = Params.of(params, Set.of("protocol", "token", "client"));
    int protocol = p.requiredInt("protocol");
    String token = p.optString("token");
    String name = p.optString("client");
    if (protocol < 1) {
      throw RpcException.invalidParam("protocol", "protocol must be at least 1, got " + protocol);
    }
    if (protocol > io.runnel.remote.RemoteServer.PROTOCOL) {
      throw new RpcException(
          Reason.INVALID_PARAMS,
          "protocol " + protocol + " is newer than this server's",
          Map.of(
              "param", "protocol", "supported", List.of(io.runnel.remote.RemoteServer.PROTOCOL)));
    }
    if (helloDone) {
      throw new RpcException(
          Reason.INVALID_REQUEST, "hello was already accepted on this connection");
    }
    Principal who = principal;
    if (token != null) {
      who = server.tokens().authenticate(token);
      if (who == null) {
        throw new RpcException(Reason.UNAUTHENTICATED, "wrong token");
      }
    } else if (who == null) {
      throw new RpcException(Reason.UNAUTHENTICATED, "hello needs a token");
    }
    principal = who;
    helloDone = true;
    client = name == null ? who.client() : name;
    ScheduledFuture<?> t = authTimer;
    if (t != null) {
      t.cancel(false);
    }
    return server.methods().helloResult(who, client);
  }

  /** The client's own name (from hello), else its token's. */
  String client() {
    return client;
  }

  // ------------------------------------------------------------------ subscriptions

  Subscription newSubscription(List<String> keys, int queue) throws RpcException {
    int max = server.config().limits().maxSubscriptions();
    if (subscriptions.size() >= max) {
      throw new RpcException(
          Reason.LIMIT_EXCEEDED,
          "this connection has " + max + " subscriptions already (maxSubscriptions)",
          Map.of("limit", "maxSubscriptions", "max", max));
    }
    long id;
    synchronized (this) {
      id = nextSub++;
    }
    return new Subscription(id, keys, queue, server.counters(), outbox);
  }

  /** Registers a started subscription with the writer. */
  void activate(Subscription sub) {
    if (ended.get()) {
      sub.close();
      return;
    }
    subscriptions.put(sub.id, sub);
    server.counters().watchesOpen.incrementAndGet();
    outbox.add(sub);
    if (ended.get() && subscriptions.remove(sub.id) != null) {
      server.counters().watchesOpen.decrementAndGet();
      sub.close();
    }
  }

  Subscription removeSubscription(long id) {
    Subscription s = subscriptions.remove(id);
    if (s != null) {
      outbox.remove(s);
      s.close();
      server.counters().watchesOpen.decrementAndGet();
    }
    return s;
  }

  // ------------------------------------------------------------------ answers and closing

  private void respond(JsonNode id, JsonNode result) {
    ObjectNode r = Json.object();
    r.put("jsonrpc", "2.0");
    r.set("id", id);
    r.set("result", result);
    queue(Json.write(r));
  }

  private void refuse(JsonNode id, RpcException e) {
    server.rejected(e.reason(), transport.remote(), e.getMessage());
    queue(Json.write(error(id, e.reason(), e.getMessage(), e.data())));
  }

  static ObjectNode error(JsonNode id, Reason reason, String message, Map<String, Object> data) {
    ObjectNode r = Json.object();
    r.put("jsonrpc", "2.0");
    r.set("id", id);
    ObjectNode err = r.putObject("error");
    err.put("code", reason.code());
    err.put("message", message);
    ObjectNode d = err.putObject("data");
    d.put("reason", reason.word());
    data.forEach((k, v) -> d.set(k, Json.tree(v)));
    return r;
  }

  private void queue(String message) {
    if (!outbox.respond(message)) {
      slowClient("the response queue is full (" + server.config().limits().outboundQueue() + ")");
    }
  }

  /** Closes a client that does not read: nothing can be said to it any more. */
  void slowClient(String why) {
    if (ended.get()) {
      return;
    }
    server.rejected(Reason.SLOW_CLIENT, transport.remote(), why);
    server.counters().connectionsRejected.increment();
    outbox.stop();
    transport.abort();
    ended();
  }

  /** Closes the connection for {@code reason}, telling the client first (counted). */
  void terminate(Reason reason, String message) {
    if (ended.get() || outbox.isClosing()) {
      return;
    }
    server.rejected(reason, transport.remote(), message);
    server.counters().connectionsRejected.increment();
    outbox.finish(Json.write(error(NullNode.instance, reason, message, Map.of())), reason, message);
  }

  /** Closes because the server shuts down (not counted as a rejection). */
  void shutdown() {
    if (!ended.get()) {
      outbox.finish(
          Json.write(
              error(NullNode.instance, Reason.SHUTDOWN, "the server is shutting down", Map.of())),
          Reason.SHUTDOWN,
          "the server is shutting down");
    }
  }

  /** The transport closed, or the writer ended: releases everything once. */
  void ended() {
    if (!ended.compareAndSet(false, true)) {
      return;
    }
    ScheduledFuture<?> t = authTimer;
    if (t != null) {
      t.cancel(false);
    }
    outbox.stop();
    transport.abort();
    for (Long id : List.copyOf(subscriptions.keySet())) {
      removeSubscription(id);
    }
    server.unregister(this);
  }

  boolean outboxClosing() {
    return outbox.isClosing();
  }

  boolean isEnded() {
    return ended.get();
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
