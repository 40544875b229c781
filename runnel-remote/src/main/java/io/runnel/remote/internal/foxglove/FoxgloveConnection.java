package io.runnel.remote.internal.foxglove;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runnel.RecordKey;
import io.runnel.buffer.Reader;
import io.runnel.remote.Role;
import io.runnel.remote.internal.ProtocolHost;
import io.runnel.remote.internal.ProtocolHost.Caller;
import io.runnel.remote.internal.Reason;
import io.runnel.remote.internal.foxglove.FoxgloveServer.Channel;
import io.runnel.remote.internal.foxglove.FoxgloveServer.Service;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.StatusCode;

/**
 * One Foxglove connection: Jetty's listener (frames in order, one at a time) and its writer, a
 * virtual thread that sends control messages (a bounded queue; full means the client does not read:
 * closed) before message data (a bounded queue of {@code watchQueue} values; full means the value
 * is dropped and counted, and the client is told in a status message at most once a second). A send
 * that takes longer than {@code sendTimeout} closes the connection. Subscription feeds read the
 * record like any outside reader and never wait.
 */
public final class FoxgloveConnection implements Session.Listener.AutoDemanding {
  private static final byte OP_MESSAGE_DATA = 0x01;
  private static final byte OP_SERVICE_CALL_RESPONSE = 0x03;
  private static final byte CLIENT_OP_MESSAGE_DATA = 0x01;
  private static final byte CLIENT_OP_SERVICE_CALL = 0x02;
  private static final long REPORT_EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);

  /** One outbound control message: text, or binary (a service call response). */
  private record Out(String text, ByteBuffer binary) {}

  /** One value to send on a subscription. */
  private record Data(Feed feed, long logTimeNanos, Object value) {}

  private final FoxgloveServer server;
  private final ProtocolHost host;
  private final Caller who;
  private final String remote;
  private final BooleanSupplier rate;
  private final ArrayBlockingQueue<Out> control;
  private final ArrayBlockingQueue<Data> data;
  private final Map<Long, Feed> subscriptions = new ConcurrentHashMap<>();
  private final Map<Long, Channel> clientChannels = new ConcurrentHashMap<>();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition work = lock.newCondition();
  private final AtomicBoolean ended = new AtomicBoolean();
  private final LongAdder missed = new LongAdder();
  private final long idleNanos;
  private final long pingNanos;
  private boolean signalled;
  private long reportedMissed; // writer thread only
  private long lastReport; // writer thread only
  private volatile Session ws;
  private volatile boolean opened;
  private volatile boolean closing;
  private volatile long lastHeard = System.nanoTime();
  private volatile long lastPing = System.nanoTime();
  private Thread writer;

  FoxgloveConnection(FoxgloveServer server, Caller who, String remote) {
    this.server = server;
    this.host = server.host();
    this.who = who;
    this.remote = remote;
    this.rate = host.rateLimiter();
    this.control = new ArrayBlockingQueue<>(Math.max(16, host.config().limits().outboundQueue()));
    this.data = new ArrayBlockingQueue<>(host.config().limits().watchQueue());
    this.idleNanos = host.config().limits().idleTimeout().toNanos();
    this.pingNanos = Math.max(TimeUnit.SECONDS.toNanos(1), idleNanos / 3);
  }

  boolean wasOpened() {
    return opened;
  }

  private boolean mayWrite() {
    return who.role() == Role.WRITE && !server.services().isEmpty();
  }

  // ------------------------------------------------------------------ Jetty's side

  @Override
  public void onWebSocketOpen(Session session) {
    this.ws = session;
    opened = true;
    if (ended.get()) {
      session.disconnect(); // released already: the handshake took longer than authTimeout
      return;
    }
    writer = Thread.ofVirtual().name("runnel-remote-out-foxglove").start(this::writeLoop);
    server.opened(this);
    ObjectNode info = FoxgloveServer.object();
    info.put("op", "serverInfo");
    info.put("name", "runnel " + host.pipelineName());
    ArrayNode caps = info.putArray("capabilities");
    if (mayWrite()) {
      caps.add("clientPublish");
      caps.add("services");
      info.putArray("supportedEncodings").add("json");
    }
    ObjectNode meta = info.putObject("metadata");
    meta.put("pipeline", host.pipelineName());
    meta.put("node", host.config().node());
    meta.put("server", host.version());
    meta.put("client", who.client());
    meta.put("role", who.role().word());
    info.put("sessionId", server.sessionId());
    queue(host.write(info));
    advertise(server.liveChannels());
    if (mayWrite()) {
      ObjectNode as = FoxgloveServer.object();
      as.put("op", "advertiseServices");
      ArrayNode sl = as.putArray("services");
      for (Service s : server.services().values()) {
        ObjectNode o = sl.addObject();
        o.put("id", s.id());
        o.put("name", s.key() + "/set");
        o.put("type", "runnel/Set");
        ObjectNode rq = o.putObject("request");
        rq.put("encoding", "json");
        rq.put("schemaName", s.channel().typeName());
        rq.put("schemaEncoding", "jsonschema");
        rq.put("schema", s.channel().schema());
        ObjectNode rs = o.putObject("response");
        rs.put("encoding", "json");
        rs.put("schemaName", "runnel/SetResult");
        rs.put("schemaEncoding", "jsonschema");
        rs.put("schema", SET_RESULT_SCHEMA);
        // older clients read these instead of request/response
        o.put("requestSchema", s.channel().schema());
        o.put("responseSchema", SET_RESULT_SCHEMA);
      }
      queue(host.write(as));
    }
  }

  private static final String SET_RESULT_SCHEMA =
      "{\"type\":\"object\",\"properties\":{\"key\":{\"type\":\"string\"},"
          + "\"accepted\":{\"type\":\"boolean\"}},\"required\":[\"key\",\"accepted\"]}";

  @Override
  public void onWebSocketText(String message) {
    lastHeard = System.nanoTime();
    if (closing || ended.get()) {
      return;
    }
    String op = null;
    try {
      if (!rate.getAsBoolean()) {
        refuse(
            Reason.RATE_LIMITED,
            "more than "
                + host.config().limits().requestsPerSecond()
                + " messages a second: message ignored");
        return;
      }
      JsonNode n;
      try {
        n = host.parse(message);
      } catch (JsonProcessingException e) {
        refuse(Reason.PARSE_ERROR, "not JSON: " + firstLine(e.getOriginalMessage()));
        return;
      }
      if (n == null || !n.isObject() || FoxgloveServer.textOf(n.get("op")) == null) {
        refuse(Reason.INVALID_REQUEST, "a message must be a JSON object with a string 'op'");
        return;
      }
      op = n.get("op").asText();
      host.request("foxglove " + known(op));
      switch (op) {
        case "subscribe" -> subscribe(n);
        case "unsubscribe" -> unsubscribe(n);
        case "advertise" -> clientAdvertise(n);
        case "unadvertise" -> clientUnadvertise(n);
        default -> refuse(Reason.UNKNOWN_METHOD, "op '" + op + "' is not supported by this server");
      }
    } catch (RuntimeException e) {
      host.internalError(remote, "foxglove " + op, e);
      status(2, "internal server error (logged on the server)");
    }
  }

  private static String known(String op) {
    return switch (op) {
      case "subscribe", "unsubscribe", "advertise", "unadvertise" -> op;
      default -> "unknown";
    };
  }

  @Override
  public void onWebSocketBinary(ByteBuffer payload, org.eclipse.jetty.websocket.api.Callback cb) {
    lastHeard = System.nanoTime();
    try {
      if (closing || ended.get()) {
        return;
      }
      if (!rate.getAsBoolean()) {
        refuse(
            Reason.RATE_LIMITED,
            "more than "
                + host.config().limits().requestsPerSecond()
                + " messages a second: message ignored");
        return;
      }
      ByteBuffer b = payload.slice().order(ByteOrder.LITTLE_ENDIAN);
      if (b.remaining() < 1) {
        refuse(Reason.INVALID_REQUEST, "empty binary message");
        return;
      }
      byte op = b.get();
      switch (op) {
        case CLIENT_OP_SERVICE_CALL -> {
          host.request("foxglove callService");
          serviceCall(b);
        }
        case CLIENT_OP_MESSAGE_DATA -> {
          host.request("foxglove publish");
          publish(b);
        }
        default -> refuse(Reason.INVALID_REQUEST, "unknown binary opcode " + (op & 0xff));
      }
    } catch (RuntimeException e) {
      host.internalError(remote, "foxglove binary", e);
      status(2, "internal server error (logged on the server)");
    } finally {
      cb.succeed();
    }
  }

  @Override
  public void onWebSocketPong(ByteBuffer payload) {
    lastHeard = System.nanoTime();
  }

  @Override
  public void onWebSocketPing(ByteBuffer payload) {
    lastHeard = System.nanoTime();
  }

  @Override
  public void onWebSocketError(Throwable cause) {
    if (cause instanceof org.eclipse.jetty.websocket.api.exceptions.MessageTooLargeException) {
      host.rejected(Reason.MESSAGE_TOO_BIG, remote, "foxglove: " + cause.getMessage(), true);
    }
  }

  @Override
  public void onWebSocketClose(int statusCode, String reason) {
    ended();
  }

  // ------------------------------------------------------------------ subscriptions

  private void subscribe(JsonNode n) {
    JsonNode subs = n.get("subscriptions");
    if (subs == null || !subs.isArray()) {
      refuse(Reason.INVALID_PARAMS, "subscribe needs an array 'subscriptions'");
      return;
    }
    int max = host.config().limits().maxSubscriptions();
    for (JsonNode s : subs) {
      long id = uint32(s.get("id"));
      long channelId = uint32(s.get("channelId"));
      if (id < 0 || channelId < 0) {
        refuse(Reason.INVALID_PARAMS, "a subscription needs integer 'id' and 'channelId' (uint32)");
        continue;
      }
      Channel c = server.channel((int) channelId);
      if (c == null || channelId > Integer.MAX_VALUE || server.isEnded(c)) {
        refuse(Reason.NOT_FOUND, "no channel " + channelId);
        continue;
      }
      if (subscriptions.containsKey(id)) {
        refuse(Reason.INVALID_PARAMS, "subscription id " + id + " is in use on this connection");
        continue;
      }
      if (subscriptions.values().stream().anyMatch(f -> f.channel == c)) {
        refuse(
            Reason.INVALID_PARAMS,
            "channel " + channelId + " (" + c.key() + ") is subscribed already");
        continue;
      }
      if (subscriptions.size() >= max) {
        refuse(
            Reason.LIMIT_EXCEEDED,
            "this connection has " + max + " subscriptions already (maxSubscriptions)");
        continue;
      }
      Reader<Object> reader = host.runnel().subscribe(Object.class, RecordKey.of(c.key()));
      Feed f = new Feed(id, c, reader);
      subscriptions.put(id, f);
      host.watches(1);
      f.start();
      if (ended.get()) {
        removeSubscription(id);
      }
    }
  }

  private void unsubscribe(JsonNode n) {
    JsonNode ids = n.get("subscriptionIds");
    if (ids == null || !ids.isArray()) {
      refuse(Reason.INVALID_PARAMS, "unsubscribe needs an array 'subscriptionIds'");
      return;
    }
    for (JsonNode i : ids) {
      long id = uint32(i);
      if (id < 0 || removeSubscription(id) == null) {
        refuse(Reason.NOT_FOUND, "no subscription " + i + " on this connection");
      }
    }
  }

  private Feed removeSubscription(long id) {
    Feed f = subscriptions.remove(id);
    if (f != null) {
      f.stop();
      host.watches(-1);
    }
    return f;
  }

  /** Offers {@code list} as channels (at open, and for records added at run time). */
  void advertise(List<Channel> list) {
    ObjectNode adv = FoxgloveServer.object();
    adv.put("op", "advertise");
    ArrayNode arr = adv.putArray("channels");
    for (Channel c : list) {
      ObjectNode o = arr.addObject();
      o.put("id", c.id());
      o.put("topic", c.key());
      o.put("encoding", "json");
      o.put("schemaName", c.typeName());
      o.put("schema", c.schema());
      o.put("schemaEncoding", "jsonschema");
    }
    queue(host.write(adv));
  }

  /** A record ended: its channel goes away (called for every connection by the server). */
  void unadvertise(Channel c) {
    for (Feed f : List.copyOf(subscriptions.values())) {
      if (f.channel == c) {
        removeSubscription(f.id);
      }
    }
    ObjectNode u = FoxgloveServer.object();
    u.put("op", "unadvertise");
    u.putArray("channelIds").add(c.id());
    queue(host.write(u));
  }

  /** One subscription's reader: a virtual thread that never waits for room. */
  private final class Feed implements Runnable {
    final long id;
    final Channel channel;
    final Reader<Object> reader;
    volatile boolean stopped;
    Thread thread;

    Feed(long id, Channel channel, Reader<Object> reader) {
      this.id = id;
      this.channel = channel;
      this.reader = reader;
    }

    void start() {
      thread = Thread.ofVirtual().name("runnel-remote-foxglove-" + channel.key()).start(this);
    }

    void stop() {
      stopped = true;
      reader.close();
      Thread t = thread;
      if (t != null) {
        t.interrupt();
      }
    }

    @Override
    public void run() {
      try {
        while (!stopped) {
          Object v;
          try {
            v = reader.recv(java.time.Duration.ofMillis(250));
          } catch (io.runnel.buffer.LaggedException e) {
            missed(e.missed());
            continue;
          } catch (io.runnel.buffer.EndOfStreamException e) {
            if (!stopped) {
              server.channelEnded(channel);
            }
            return;
          }
          if (v != null && !stopped) {
            if (data.offer(new Data(this, nowNanos(), v))) {
              signal();
            } else {
              missed(1);
            }
          }
        }
      } catch (InterruptedException e) {
        // unsubscribed or the connection closed
      } finally {
        reader.close();
      }
    }
  }

  private void missed(long n) {
    missed.add(n);
    host.missed(n);
    signal();
  }

  static long nowNanos() {
    Instant t = Instant.now();
    return t.getEpochSecond() * 1_000_000_000L + t.getNano();
  }

  // ------------------------------------------------------------------ set: services, publishing

  private void serviceCall(ByteBuffer b) {
    if (b.remaining() < 12) {
      refuse(Reason.INVALID_REQUEST, "a service call request needs service id, call id, encoding");
      return;
    }
    long serviceId = Integer.toUnsignedLong(b.getInt());
    long callId = Integer.toUnsignedLong(b.getInt());
    long encLen = Integer.toUnsignedLong(b.getInt());
    if (encLen > b.remaining()) {
      callFailure(serviceId, callId, "invalid_request: the encoding length exceeds the message");
      return;
    }
    byte[] enc = new byte[(int) encLen];
    b.get(enc);
    String encoding = new String(enc, StandardCharsets.UTF_8);
    Service s = mayWrite() ? server.services().get((int) serviceId) : null;
    if (s == null || serviceId > Integer.MAX_VALUE) {
      String why =
          who.role() != Role.WRITE
              ? "forbidden: client '" + who.client() + "' has a read token; set needs a write token"
              : "not_found: no service " + serviceId;
      host.rejected(
          who.role() != Role.WRITE ? Reason.FORBIDDEN : Reason.NOT_FOUND, remote, why, false);
      callFailure(serviceId, callId, why);
      return;
    }
    if (!encoding.equals("json")) {
      host.rejected(Reason.INVALID_PARAMS, remote, "service call encoding " + encoding, false);
      callFailure(
          serviceId, callId, "invalid_params: encoding must be json, got '" + encoding + "'");
      return;
    }
    String error = set(s.key(), b);
    if (error != null) {
      callFailure(serviceId, callId, error);
      return;
    }
    ObjectNode result = FoxgloveServer.object().put("key", s.key()).put("accepted", true);
    byte[] body = host.bytes(result);
    byte[] e = "json".getBytes(StandardCharsets.UTF_8);
    ByteBuffer out =
        ByteBuffer.allocate(1 + 4 + 4 + 4 + e.length + body.length).order(ByteOrder.LITTLE_ENDIAN);
    out.put(OP_SERVICE_CALL_RESPONSE).putInt((int) serviceId).putInt((int) callId);
    out.putInt(e.length).put(e).put(body).flip();
    queue(new Out(null, out));
  }

  /** Decodes and sets; null when accepted, else the reason (counted by {@code Writes}). */
  private String set(String key, ByteBuffer b) {
    byte[] json = new byte[b.remaining()];
    b.get(json);
    JsonNode value;
    try {
      value = host.parse(json, 0, json.length);
    } catch (JsonProcessingException e) {
      String why = "decode_failed: not JSON: " + firstLine(e.getOriginalMessage());
      host.rejected(Reason.DECODE_FAILED, remote, why, false);
      return why;
    }
    if (value == null) {
      host.rejected(Reason.DECODE_FAILED, remote, "empty payload", false);
      return "decode_failed: empty payload";
    }
    return host.set(who, remote, key, value);
  }

  private void callFailure(long serviceId, long callId, String message) {
    ObjectNode f = FoxgloveServer.object();
    f.put("op", "serviceCallFailure");
    f.put("serviceId", serviceId);
    f.put("callId", callId);
    f.put("message", message);
    queue(host.write(f));
  }

  private void clientAdvertise(JsonNode n) {
    if (!mayWrite()) {
      refuse(
          Reason.FORBIDDEN,
          who.role() != Role.WRITE
              ? "client publishing needs a write token"
              : "this server has no writable record");
      return;
    }
    JsonNode chans = n.get("channels");
    if (chans == null || !chans.isArray()) {
      refuse(Reason.INVALID_PARAMS, "advertise needs an array 'channels'");
      return;
    }
    for (JsonNode c : chans) {
      long id = uint32(c.get("id"));
      String topic = FoxgloveServer.textOf(c.get("topic"));
      String encoding = FoxgloveServer.textOf(c.get("encoding"));
      if (id < 0 || topic == null) {
        refuse(Reason.INVALID_PARAMS, "a client channel needs an integer 'id' and a 'topic'");
        continue;
      }
      if (!"json".equals(encoding)) {
        refuse(Reason.INVALID_PARAMS, "client channel " + id + ": encoding must be json");
        continue;
      }
      Channel target = server.channel(topic);
      if (target == null || !host.writable(topic)) {
        refuse(
            Reason.FORBIDDEN,
            "client channel "
                + id
                + ": topic '"
                + topic
                + "' is not a record on this server's write allow-list");
        continue;
      }
      clientChannels.put(id, target);
    }
  }

  private void clientUnadvertise(JsonNode n) {
    JsonNode ids = n.get("channelIds");
    if (ids == null || !ids.isArray()) {
      refuse(Reason.INVALID_PARAMS, "unadvertise needs an array 'channelIds'");
      return;
    }
    for (JsonNode i : ids) {
      if (clientChannels.remove(uint32(i)) == null) {
        refuse(Reason.NOT_FOUND, "no client channel " + i);
      }
    }
  }

  private void publish(ByteBuffer b) {
    if (b.remaining() < 4) {
      refuse(Reason.INVALID_REQUEST, "client message data needs a channel id");
      return;
    }
    long channelId = Integer.toUnsignedLong(b.getInt());
    Channel target = clientChannels.get(channelId);
    if (target == null) {
      refuse(Reason.NOT_FOUND, "no client channel " + channelId + " (advertise it first)");
      return;
    }
    String error = set(target.key(), b);
    if (error != null) {
      status(2, "publish on '" + target.key() + "' refused: " + error);
    }
  }

  // ------------------------------------------------------------------ outbound

  private void refuse(Reason reason, String message) {
    host.rejected(reason, remote, "foxglove: " + message, false);
    status(2, reason.word() + ": " + message);
  }

  private void status(int level, String message) {
    ObjectNode s = FoxgloveServer.object();
    s.put("op", "status");
    s.put("level", level);
    s.put("message", message);
    queue(host.write(s));
  }

  private void queue(String text) {
    queue(new Out(text, null));
  }

  private void queue(Out out) {
    if (ended.get() || closing) {
      return;
    }
    if (!control.offer(out)) {
      host.rejected(
          Reason.SLOW_CLIENT,
          remote,
          "foxglove: the control queue is full (" + control.size() + ")",
          true);
      abort();
      return;
    }
    signal();
  }

  private void signal() {
    lock.lock();
    try {
      signalled = true;
      work.signal();
    } finally {
      lock.unlock();
    }
  }

  private void writeLoop() {
    try {
      while (!ended.get()) {
        Out o;
        while ((o = control.poll()) != null) {
          send(o);
        }
        reportMissed();
        boolean any = false;
        for (int i = 0; i < 64; i++) {
          Data d = data.poll();
          if (d == null) {
            break;
          }
          if (d.feed.stopped || subscriptions.get(d.feed.id) != d.feed) {
            continue; // unsubscribed meanwhile: a message must match an active subscription
          }
          any = true;
          byte[] payload = host.bytes(host.render(d.value));
          ByteBuffer b =
              ByteBuffer.allocate(1 + 4 + 8 + payload.length).order(ByteOrder.LITTLE_ENDIAN);
          b.put(OP_MESSAGE_DATA).putInt((int) d.feed.id).putLong(d.logTimeNanos).put(payload);
          b.flip();
          send(new Out(null, b));
          host.delivered(1);
          if (!control.isEmpty()) {
            break;
          }
        }
        if (!any) {
          awaitWork();
        }
      }
    } catch (InterruptedException e) {
      // closing
    } catch (SendFailed e) {
      // the connection is gone or was closed for not reading
    } finally {
      ended();
    }
  }

  private void reportMissed() {
    long m = missed.sum();
    long now = System.nanoTime();
    if (m > reportedMissed && now - lastReport >= REPORT_EVERY_NANOS) {
      long n = m - reportedMissed;
      reportedMissed = m;
      lastReport = now;
      ObjectNode s = FoxgloveServer.object();
      s.put("op", "status");
      s.put("level", 1);
      s.put(
          "message",
          "slow client: "
              + n
              + " message(s) dropped since the last report, "
              + m
              + " in all on this connection");
      s.put("id", "runnel.missed");
      try {
        send(new Out(host.write(s), null));
      } catch (SendFailed e) {
        throw e;
      }
    }
  }

  private static final class SendFailed extends RuntimeException {
    SendFailed(String m) {
      super(m, null, false, false);
    }
  }

  private void send(Out o) {
    Session s = ws;
    if (s == null || !s.isOpen()) {
      throw new SendFailed("closed");
    }
    Callback.Completable done = new Callback.Completable();
    if (o.text() != null) {
      s.sendText(o.text(), done);
    } else {
      s.sendBinary(o.binary(), done);
    }
    long timeout = host.config().limits().sendTimeout().toNanos();
    try {
      done.get(timeout, TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      host.rejected(
          Reason.SLOW_CLIENT,
          remote,
          "foxglove: a message waited more than "
              + host.config().limits().sendTimeout()
              + " to be read",
          true);
      abort();
      throw new SendFailed("slow");
    } catch (ExecutionException e) {
      throw new SendFailed("failed");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SendFailed("interrupted");
    }
  }

  private void awaitWork() throws InterruptedException {
    lock.lock();
    try {
      if (!signalled && control.isEmpty() && data.isEmpty() && !ended.get()) {
        work.await(1, TimeUnit.SECONDS);
      }
      signalled = false;
    } finally {
      lock.unlock();
    }
  }

  // ------------------------------------------------------------------ housekeeping, closing

  /** Called once a second by the server: keep-alive pings, and the idle limit. */
  void tick(long now) {
    Session s = ws;
    if (s == null || closing || ended.get()) {
      return;
    }
    if (now - lastHeard > idleNanos) {
      host.rejected(
          Reason.AUTH_TIMEOUT,
          remote,
          "foxglove: nothing heard for " + host.config().limits().idleTimeout(),
          false);
      close(StatusCode.POLICY_VIOLATION, "idle: nothing heard within the idle timeout");
      return;
    }
    if (now - lastPing > pingNanos) {
      lastPing = now;
      s.sendPing(ByteBuffer.allocate(0), Callback.NOOP);
    }
  }

  /** Closes with a close frame; a client that does not answer is cut off 2 s later. */
  void close(int code, String reason) {
    Session s = ws;
    closing = true;
    if (s != null) {
      s.close(code, reason, Callback.NOOP);
      host.schedule(s::disconnect, java.time.Duration.ofSeconds(2));
    } else {
      ended();
    }
  }

  private void abort() {
    closing = true;
    Session s = ws;
    if (s != null) {
      s.disconnect();
    }
  }

  /** Releases everything once: the slot, the subscriptions, the writer. */
  void ended() {
    if (!ended.compareAndSet(false, true)) {
      return;
    }
    server.closed(this);
    for (Long id : new ArrayList<>(subscriptions.keySet())) {
      removeSubscription(id);
    }
    data.clear();
    control.clear();
    signal();
    Session s = ws;
    if (s != null && s.isOpen()) {
      s.disconnect();
    }
    host.release();
  }

  private static long uint32(JsonNode n) {
    if (n == null || !n.isIntegralNumber() || !n.canConvertToLong()) {
      return -1;
    }
    long v = n.asLong();
    return v < 0 || v > 0xFFFF_FFFFL ? -1 : v;
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
