package io.runnel.remote.internal.foxglove;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runnel.buffer.EndOfStreamException;
import io.runnel.buffer.LaggedException;
import io.runnel.buffer.Reader;
import io.runnel.inspect.GraphChange;
import io.runnel.inspect.GraphSnapshot;
import io.runnel.inspect.RecordInfo;
import io.runnel.remote.internal.ProtocolHost;
import io.runnel.remote.internal.ProtocolHost.Caller;
import io.runnel.remote.internal.Reason;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.websocket.server.ServerUpgradeRequest;
import org.eclipse.jetty.websocket.server.ServerUpgradeResponse;

/**
 * The Foxglove WebSocket protocol ({@code foxglove.websocket.v1}) on the remote server's listener,
 * at {@link #PATH}: one channel per record (topic = record key, JSON messages, JSON Schema from the
 * record type), live values as message data, and {@code set} on writable records as services and as
 * client publishing. See {@code docs/REMOTE.md} ("Foxglove") and decision 018.
 *
 * <p>The protocol has no authentication of its own: the upgrade request must carry a token, in an
 * {@code Authorization: Bearer} header or (as a browser cannot set headers) a {@code token} query
 * parameter, which is accepted only over TLS or from loopback.
 */
public final class FoxgloveServer {
  /** The path of the Foxglove endpoint. */
  public static final String PATH = "/foxglove";

  /** The subprotocol a client must offer. */
  public static final String SUBPROTOCOL = "foxglove.websocket.v1";

  static final System.Logger LOG = System.getLogger("io.runnel.remote");

  /** A record offered as a channel. */
  record Channel(int id, String key, String typeName, Class<?> type, String schema) {}

  /** A writable record offered as a service. */
  record Service(int id, String key, Channel channel) {}

  private final ProtocolHost host;
  private final String sessionId = UUID.randomUUID().toString();
  // Channels change with the graph (records added and removed at run time): written by the
  // constructor and the graph feed, read by every connection's thread.
  private final Map<Integer, Channel> channels = new java.util.concurrent.ConcurrentSkipListMap<>();
  private final Map<String, Channel> byKey = new ConcurrentHashMap<>();
  private final Map<Integer, Service> services = new LinkedHashMap<>();

  /** Ids of the channels whose record ended (closed or removed): never advertised again. */
  private final Set<Integer> ended = ConcurrentHashMap.newKeySet();

  private final java.util.concurrent.atomic.AtomicInteger nextChannelId =
      new java.util.concurrent.atomic.AtomicInteger(1);
  private final Thread graphFeed;
  private final Set<FoxgloveConnection> connections = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  /** Channels for every record of the pipeline, in graph order; ids stay fixed for the server. */
  public FoxgloveServer(ProtocolHost host) {
    this.host = host;
    // subscribed before the channels are listed, so no change falls between the two
    Reader<GraphChange> changes = host.runnel().graphChanges();
    for (RecordInfo ri : host.runnel().inspect().records()) {
      addChannel(ri);
    }
    int sid = 1;
    for (Channel c : channels.values()) {
      if (host.writable(c.key())) {
        Service s = new Service(sid++, c.key(), c);
        services.put(s.id(), s);
      }
    }
    graphFeed =
        Thread.ofVirtual().name("runnel-remote-foxglove-graph").start(() -> followGraph(changes));
    tick();
  }

  /** A channel for the record {@code ri}, unless it has a live one or no longer exists. */
  private Channel addChannel(RecordInfo ri) {
    String key = ri.key();
    Channel have = byKey.get(key);
    if (have != null && !ended.contains(have.id())) {
      return null;
    }
    Optional<Class<?>> type = host.runnel().recordType(key);
    if (type.isEmpty()) {
      return null;
    }
    Channel c =
        new Channel(
            nextChannelId.getAndIncrement(),
            key,
            ri.type(),
            type.get(),
            host.write(FoxgloveSchema.of(host.schema(type.get()))));
    channels.put(c.id(), c);
    byKey.put(key, c);
    return c;
  }

  /**
   * Follows the graph's changes: a removed record's channel is unadvertised on every connection, an
   * added record gets a new channel (a new id, also for a key that existed before) advertised on
   * every connection. A change missed by lagging is made up from a fresh snapshot.
   */
  private void followGraph(Reader<GraphChange> changes) {
    try {
      while (!closed) {
        GraphChange change;
        try {
          change = changes.recv(Duration.ofMillis(500));
        } catch (LaggedException e) {
          resync();
          continue;
        }
        if (change == null) {
          continue;
        }
        for (String key : change.removed()) {
          Channel c = byKey.get(key);
          if (c != null) {
            channelEnded(c);
          }
        }
        if (!change.added().isEmpty()) {
          GraphSnapshot now = host.runnel().inspect(); // once per change, not per record
          List<Channel> added = new ArrayList<>();
          for (String key : change.added()) {
            now.record(key).map(this::addChannel).ifPresent(added::add);
          }
          if (!added.isEmpty()) {
            for (FoxgloveConnection conn : connections) {
              conn.advertise(added);
            }
          }
        }
      }
    } catch (EndOfStreamException e) {
      // the pipeline closed: its records end, and tick() unadvertises them
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      host.internalError("-", "foxglove graph feed", e);
    } finally {
      changes.close();
    }
  }

  /** After missed changes: ends the channels of records gone, adds those of records new. */
  private void resync() {
    List<RecordInfo> records = host.runnel().inspect().records();
    Set<String> now = new HashSet<>();
    records.forEach(r -> now.add(r.key()));
    for (Channel c : List.copyOf(byKey.values())) {
      if (!now.contains(c.key())) {
        channelEnded(c);
      }
    }
    List<Channel> added = new ArrayList<>();
    for (RecordInfo ri : records) {
      Channel c = addChannel(ri);
      if (c != null) {
        added.add(c);
      }
    }
    if (!added.isEmpty()) {
      for (FoxgloveConnection conn : connections) {
        conn.advertise(added);
      }
    }
  }

  ProtocolHost host() {
    return host;
  }

  String sessionId() {
    return sessionId;
  }

  /** The channels not ended yet. */
  List<Channel> liveChannels() {
    List<Channel> out = new ArrayList<>();
    for (Channel c : channels.values()) {
      if (!ended.contains(c.id())) {
        out.add(c);
      }
    }
    return out;
  }

  Channel channel(int id) {
    return channels.get(id);
  }

  Channel channel(String key) {
    return byKey.get(key);
  }

  Map<Integer, Service> services() {
    return services;
  }

  /**
   * The upgrade of a request to {@link #PATH}: the subprotocol, the token, the connection limit;
   * 400 / 401 / 503 when refused (counted, logged).
   *
   * @return the connection's listener, or null (the response was written)
   */
  public Object upgrade(ServerUpgradeRequest req, ServerUpgradeResponse resp, Callback cb) {
    SocketAddress peer = req.getConnectionMetaData().getRemoteSocketAddress();
    String remote = String.valueOf(peer);
    if (closed) {
      Response.writeError(req, resp, cb, 503, "the server is shutting down");
      return null;
    }
    if (!req.hasSubProtocol(SUBPROTOCOL)) {
      host.rejected(
          Reason.INVALID_REQUEST, remote, "foxglove upgrade without the subprotocol", true);
      Response.writeError(
          req, resp, cb, 400, "offer the WebSocket subprotocol " + SUBPROTOCOL + " on " + PATH);
      return null;
    }
    Caller who;
    String auth = req.getHeaders().get(HttpHeader.AUTHORIZATION);
    String queryToken = queryToken(req);
    if (auth != null) {
      who =
          auth.regionMatches(true, 0, "Bearer ", 0, 7)
              ? host.authenticate(auth.substring(7).strip())
              : null;
    } else if (queryToken != null) {
      if (!req.isSecure() && !isLoopback(peer)) {
        return unauthorized(
            req,
            resp,
            cb,
            remote,
            "a token in the URL is accepted only over TLS (wss://) or from loopback");
      }
      who = host.authenticate(queryToken);
    } else {
      return unauthorized(
          req,
          resp,
          cb,
          remote,
          "a token is required: header 'Authorization: Bearer <token>' or ?token=<token>");
    }
    if (who == null) {
      return unauthorized(req, resp, cb, remote, "wrong token");
    }
    if (!host.admit(remote)) {
      Response.writeError(req, resp, cb, 503, "too many connections");
      return null;
    }
    resp.setAcceptedSubProtocol(SUBPROTOCOL);
    host.request("foxglove connect");
    FoxgloveConnection c = new FoxgloveConnection(this, who, remote);
    // an admitted upgrade that Jetty never opens (a failed handshake) must not keep its slot
    host.schedule(
        () -> {
          if (!c.wasOpened()) {
            c.ended();
          }
        },
        host.config().limits().authTimeout());
    return c;
  }

  private Object unauthorized(
      Request req, Response resp, Callback cb, String remote, String message) {
    host.rejected(Reason.UNAUTHENTICATED, remote, "foxglove: " + message, true);
    resp.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer");
    Response.writeError(req, resp, cb, 401, message);
    return null;
  }

  private static String queryToken(Request req) {
    if (req.getHttpURI().getQuery() == null) {
      return null;
    }
    Fields f = Request.extractQueryParameters(req);
    Fields.Field t = f.get("token");
    return t == null ? null : t.getValue();
  }

  private static boolean isLoopback(SocketAddress a) {
    return a instanceof InetSocketAddress i
        && i.getAddress() != null
        && i.getAddress().isLoopbackAddress();
  }

  void opened(FoxgloveConnection c) {
    connections.add(c);
    if (closed) {
      c.close(1001, "the server is shutting down");
    }
  }

  void closed(FoxgloveConnection c) {
    connections.remove(c);
  }

  /** A record ended (closed or removed): every connection unadvertises its channel, once. */
  void channelEnded(Channel c) {
    if (ended.add(c.id())) {
      byKey.remove(c.key(), c);
      for (FoxgloveConnection conn : connections) {
        conn.unadvertise(c);
      }
    }
  }

  boolean isEnded(Channel c) {
    return ended.contains(c.id());
  }

  /** Once a second: pings, idle connections, records that ended without a subscriber noticing. */
  private void tick() {
    if (closed) {
      return;
    }
    try {
      if (!connections.isEmpty() && !byKey.isEmpty()) {
        Set<String> closedNow = new HashSet<>();
        for (RecordInfo ri : host.runnel().inspect().records()) {
          if (ri.closed()) {
            closedNow.add(ri.key());
          }
        }
        for (String key : closedNow) {
          Channel c = byKey.get(key);
          if (c != null) {
            channelEnded(c);
          }
        }
      }
      long now = System.nanoTime();
      for (FoxgloveConnection c : connections) {
        c.tick(now);
      }
    } catch (RuntimeException e) {
      host.internalError("-", "foxglove tick", e);
    }
    host.schedule(this::tick, Duration.ofSeconds(1));
  }

  /** Closes every Foxglove connection (going away); later upgrades get 503. */
  public void close() {
    closed = true;
    graphFeed.interrupt();
    for (FoxgloveConnection c : connections) {
      c.close(1001, "the server is shutting down");
    }
  }

  static ObjectNode object() {
    return JsonNodeFactory.instance.objectNode();
  }

  static String textOf(JsonNode n) {
    return n == null || !n.isTextual() ? null : n.asText();
  }
}
