package io.runnel.mqtt;

import com.hivemq.client.mqtt.MqttClientSslConfig;
import com.hivemq.client.mqtt.datatypes.MqttTopic;
import com.hivemq.client.mqtt.datatypes.MqttTopicFilter;
import com.hivemq.client.mqtt.lifecycle.MqttClientReconnector;
import io.runnel.Connector;
import io.runnel.RecordKey;
import io.runnel.Runnel;
import io.runnel.Source;
import io.runnel.TapTask;
import io.runnel.buffer.BufferClosedException;
import io.runnel.buffer.LaggedException;
import io.runnel.buffer.Producer;
import io.runnel.codec.Codec;
import io.runnel.inspect.ConnectorStatus;
import io.runnel.internal.LogLimiter;
import io.runnel.store.HistoryStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * A link between a pipeline and one MQTT broker (MQTT 3.1.1 or 5, optionally TLS and credentials),
 * registered as a {@link Connector}. See the package documentation for the contract; in short:
 *
 * <ul>
 *   <li>{@link #publish} gives a tap task that sends each value of a record to a topic (fixed or
 *       computed per value) through a bounded offline queue: never blocks the pipeline; when full,
 *       the oldest messages are dropped and counted.
 *   <li>{@link #publishHistory} forwards a persisted record from a {@link HistoryStore} at QoS 1
 *       through a durable cursor, advanced only after the broker's PUBACK: nothing is lost across a
 *       broker outage or a restart (at least once).
 *   <li>{@link #subscribe} gives a source that writes a record from a topic filter (wildcards
 *       allowed); a payload that does not decode goes to the dead-letter record.
 *   <li>The connection is retried forever with capped exponential backoff and jitter; subscriptions
 *       are restored after a reconnect; {@link #status()} shows connected, last error, backlog,
 *       retries, dead letters and counters.
 * </ul>
 *
 * <pre>{@code
 * MqttLink mqtt = MqttLink.builder("mqtt").broker("127.0.0.1", 1883).clientId("gateway-7").build();
 * Runnel.builder()
 *     .connector(mqtt)
 *     .configure(Reading.class, Key.INDOOR, r -> r
 *         .source(sensor)
 *         .tapTask("mqtt", mqtt.publish(codec, v -> "sensors/" + v.sensor(), Qos.AT_LEAST_ONCE, false)))
 *     .configure(Command.class, Key.COMMAND, r -> r
 *         .source(mqtt.subscribe("gateway-7/cmd/#", commandCodec, Qos.AT_LEAST_ONCE)))
 *     .build().start();
 * }</pre>
 */
public final class MqttLink implements Connector {

  private static final System.Logger LOG = System.getLogger("io.runnel.mqtt");

  private final String name;
  private final Transport.Settings settings;
  private final Backoff backoff;
  private final int maxInflight;
  private final int inboundQueue;
  private final Duration closeTimeout;
  private final Duration replayWindow;
  private final RecordKey deadLetterKey;

  private final List<Subscription<?>> subscriptions = new CopyOnWriteArrayList<>();
  private final List<HistoryRoute<?>> routes = new CopyOnWriteArrayList<>();
  private final List<Thread> threads = new ArrayList<>();
  private final OutboundQueue outbound;
  private final Semaphore inflight;
  private final java.util.concurrent.atomic.AtomicInteger unacked =
      new java.util.concurrent.atomic.AtomicInteger();

  private final ReentrantLock stateLock = new ReentrantLock();
  private final Condition stateChanged = stateLock.newCondition();
  private volatile Transport transport;
  private volatile boolean started;
  private volatile boolean connected;
  private volatile boolean stopping;
  private volatile boolean closed;
  private volatile long closeDeadline;
  private boolean subscribedOnce;
  private volatile Producer<DeadLetter> deadLetterOut;

  private final LongAdder sent = new LongAdder();
  final LongAdder received = new LongAdder();
  private final LongAdder publishFailures = new LongAdder();
  private final LongAdder encodeFailures = new LongAdder();
  private final LongAdder lagged = new LongAdder();
  private final LongAdder deadLetters = new LongAdder();
  private final LongAdder unrouted = new LongAdder();
  private final LongAdder subscribeFailures = new LongAdder();
  private final LongAdder subscribed = new LongAdder();
  private final AtomicLong retries = new AtomicLong();
  private final AtomicLong connects = new AtomicLong();
  private final AtomicLong sessionLosses = new AtomicLong();
  private volatile String lastError;
  private final LogLimiter logLimit = new LogLimiter(10, TimeUnit.SECONDS.toNanos(10));

  private MqttLink(Builder b) {
    this.name = b.name;
    String clientId = b.clientId != null ? b.clientId : "runnel-" + UUID.randomUUID();
    this.settings =
        new Transport.Settings(
            b.host,
            b.port,
            b.version,
            clientId,
            b.username,
            Transport.utf8(b.password),
            b.ssl,
            b.sessionExpiry.toSeconds(),
            (int) b.keepAlive.toSeconds());
    this.backoff = new Backoff(b.reconnectMin, b.reconnectMax);
    this.maxInflight = b.maxInflight;
    this.inboundQueue = b.inboundQueue;
    this.closeTimeout = b.closeTimeout;
    this.replayWindow = b.replayWindow;
    this.deadLetterKey = b.deadLetters;
    this.outbound = new OutboundQueue(b.offlineQueue);
    this.inflight = new Semaphore(b.maxInflight);
  }

  /** Starts configuring a link; {@code name} identifies it in introspection and logs. */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  @Override
  public String name() {
    return name;
  }

  /** The MQTT client identifier (generated if none was configured). */
  public String clientId() {
    return settings.clientId();
  }

  // ---------------------------------------------------------------------------------- outbound

  /**
   * Publishes each value to a fixed topic, without retain; see {@link #publish(Codec, Function,
   * Qos, boolean)}.
   */
  public <T> TapTask<T> publish(Codec<? super T> codec, String topic, Qos qos) {
    return publish(codec, topic, qos, false);
  }

  /** Publishes each value to a fixed topic; see {@link #publish(Codec, Function, Qos, boolean)}. */
  public <T> TapTask<T> publish(Codec<? super T> codec, String topic, Qos qos, boolean retain) {
    checkTopic(topic);
    return publish(codec, v -> topic, qos, retain);
  }

  /**
   * A tap task (attach it with {@code Registration.tapTask(name, task)}) that encodes each value of
   * the record and publishes it to {@code topic.apply(value)}.
   *
   * <p>It never blocks the pipeline: values go into the link's bounded offline queue, which the
   * link's sender drains while connected (at most {@code maxInflight} unacknowledged). When the
   * queue is full the oldest message is dropped and counted ({@code dropped}). A QoS 1 message
   * whose publish fails is put back at the head of the queue. A value that cannot be encoded, or
   * gets no valid topic, is logged and counted ({@code encodeFailures}) and skipped. Values lost by
   * lagging behind a ring buffer are counted ({@code lagged}).
   */
  public <T> TapTask<T> publish(
      Codec<? super T> codec, Function<? super T, String> topic, Qos qos, boolean retain) {
    Objects.requireNonNull(codec, "codec");
    Objects.requireNonNull(topic, "topic");
    Objects.requireNonNull(qos, "qos");
    return (ctx, in) -> {
      requireStarted("publish");
      for (; ; ) {
        T value;
        try {
          value = in.recv();
        } catch (LaggedException e) {
          lagged.add(e.missed());
          continue;
        }
        String t;
        byte[] payload;
        try {
          t = topic.apply(value);
          checkTopic(t);
          payload = codec.encode(value);
        } catch (RuntimeException e) {
          encodeFailures.increment();
          error("record '" + ctx.key().id() + "': value not published: " + value, e);
          continue;
        }
        outbound.add(new OutboundQueue.Message(t, payload, qos, retain));
      }
    };
  }

  /**
   * Forwards a persisted record to a fixed topic; see {@link #publishHistory(HistoryStore,
   * RecordKey, Codec, Function, String)}.
   */
  public <T> void publishHistory(
      HistoryStore store, RecordKey key, Codec<T> codec, String topic, String cursorName) {
    checkTopic(topic);
    addRoute(store, List.of(key), codec, topic, null, cursorName);
  }

  /**
   * Forwards the persisted record {@code key} from {@code store} to MQTT at QoS 1, from the
   * position of the durable cursor {@code cursorName} (created at 0, i.e. everything, if new), on a
   * thread of the link. Only durable entries are sent. The cursor advances only past entries the
   * broker acknowledged, so after a broker outage, a crash or a restart with the same store and
   * cursor name, forwarding resumes where it stopped: at least once, never lost. On MQTT 5 each
   * message carries its history sequence as the user property {@code runnel-seq}, for consumers
   * that remove duplicates. Call before the link starts.
   */
  public <T> void publishHistory(
      HistoryStore store,
      RecordKey key,
      Codec<T> codec,
      Function<? super T, String> topic,
      String cursorName) {
    Objects.requireNonNull(topic, "topic");
    addRoute(store, List.of(key), codec, null, topic, cursorName);
  }

  /**
   * Like {@link #publishHistory(HistoryStore, RecordKey, Codec, Function, String)} for several
   * persisted records of one type, forwarded by one thread through one cursor (cheaper than a route
   * per record when there are many: the store is read once for all of them).
   */
  public <T> void publishHistory(
      HistoryStore store,
      java.util.Collection<? extends RecordKey> keys,
      Codec<T> codec,
      Function<? super T, String> topic,
      String cursorName) {
    Objects.requireNonNull(topic, "topic");
    Objects.requireNonNull(keys, "keys");
    if (keys.isEmpty()) {
      throw new IllegalArgumentException("link '" + name + "': publishHistory needs a key");
    }
    addRoute(store, List.copyOf(keys), codec, null, topic, cursorName);
  }

  private <T> void addRoute(
      HistoryStore store,
      List<? extends RecordKey> keys,
      Codec<T> codec,
      String fixedTopic,
      Function<? super T, String> topicOf,
      String cursorName) {
    Objects.requireNonNull(store, "store");
    keys.forEach(k -> Objects.requireNonNull(k, "key"));
    Objects.requireNonNull(codec, "codec");
    RecordKey.problem(cursorName)
        .ifPresent(
            p -> {
              throw new IllegalArgumentException("cursor name: " + p);
            });
    requireNotStarted("publishHistory");
    for (HistoryRoute<?> r : routes) {
      if (r.cursorName.equals(cursorName)) {
        throw new IllegalArgumentException(
            "link '" + name + "': cursor '" + cursorName + "' is already used by another route");
      }
    }
    routes.add(
        new HistoryRoute<>(
            this, store, keys, codec, fixedTopic, topicOf, cursorName, maxInflight, replayWindow));
  }

  // ---------------------------------------------------------------------------------- inbound

  /**
   * A source (attach it with {@code Registration.source}) that writes the record from the messages
   * arriving on {@code topicFilter} (wildcards {@code +} and {@code #} allowed). Subscribed when
   * the link first connects and restored after every reconnect.
   *
   * <p>Messages are handed from the client to the source through a bounded queue (the link's {@code
   * inboundQueue}; when full the oldest is dropped and counted as {@code inboundDropped}). A
   * payload that does not decode (or decodes to {@code null}) never stops the source: it is counted
   * ({@code deadLetters}), logged (rate-limited) with its topic and, if configured, produced to the
   * dead-letter record as a {@link DeadLetter}. Call before the link starts.
   */
  public <T> Source<T> subscribe(String topicFilter, Codec<T> codec, Qos qos) {
    Objects.requireNonNull(codec, "codec");
    Objects.requireNonNull(qos, "qos");
    try {
      MqttTopicFilter.of(topicFilter);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "link '" + name + "': invalid topic filter '" + topicFilter + "': " + e.getMessage(), e);
    }
    requireNotStarted("subscribe");
    Subscription<T> s = new Subscription<>(this, topicFilter, codec, qos, inboundQueue);
    subscriptions.add(s);
    return s;
  }

  void deadLetter(Subscription<?> s, Subscription.Message m, RuntimeException e) {
    deadLetters.increment();
    String what =
        "payload on topic '"
            + m.topic()
            + "' ("
            + m.payload().length
            + " bytes) does not decode with "
            + s.codec.schema()
            + (deadLetterKey != null
                ? "; routed to '" + deadLetterKey.id() + "'"
                : "; dropped (no dead-letter record configured)");
    error(what, e);
    Producer<DeadLetter> out = deadLetterOut;
    if (out != null) {
      try {
        out.produce(new DeadLetter(m.topic(), m.payload(), String.valueOf(e), m.at()));
      } catch (BufferClosedException closing) {
        // the pipeline is stopping
      }
    }
  }

  // ---------------------------------------------------------------------------------- lifecycle

  @Override
  public void start(Runnel runnel) {
    stateLock.lock();
    try {
      if (started || closed) {
        throw new IllegalStateException(
            "MQTT link '" + name + "' was already started; a link belongs to one pipeline run");
      }
      if (deadLetterKey != null) {
        if (runnel == null) {
          throw new IllegalStateException("dead letters need a pipeline");
        }
        deadLetterOut = runnel.producer(DeadLetter.class, deadLetterKey);
      }
      transport = Transport.create(settings, new Events());
      started = true;
    } finally {
      stateLock.unlock();
    }
    threads.add(
        Thread.ofPlatform()
            .daemon()
            .name("runnel-mqtt[" + name + "]-sender")
            .start(this::sendLoop));
    for (HistoryRoute<?> r : routes) {
      threads.add(
          Thread.ofPlatform()
              .daemon()
              .name("runnel-mqtt[" + name + "]-history-" + r.cursorName)
              .start(r));
    }
    connect();
  }

  private void connect() {
    transport
        .connect()
        .whenComplete(
            (ack, e) -> {
              if (e != null) {
                LOG.log(System.Logger.Level.DEBUG, () -> "[mqtt " + name + "] connect: " + e);
              }
            });
  }

  /**
   * Stops within the close timeout: the offline queue and outstanding messages get until then to be
   * sent and acknowledged (what remains of live values is lost and counted as {@code dropped};
   * history stays in the store and is resent by the next run), history cursors are committed, and
   * the client disconnects (keeping its broker session).
   */
  @Override
  public void close() {
    stateLock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
    } finally {
      stateLock.unlock();
    }
    if (!started) {
      return;
    }
    long deadline = System.nanoTime() + closeTimeout.toNanos();
    closeDeadline = deadline;
    try {
      if (connected) {
        outbound.awaitEmpty(Math.max(0, deadline - System.nanoTime()));
      }
      stopping = true;
      signalState();
      if (inflight.tryAcquire(
          maxInflight, Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
        inflight.release(maxInflight);
      }
      for (Thread t : threads) {
        t.join(Duration.ofNanos(Math.max(1_000_000, deadline - System.nanoTime())));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      stopping = true;
      try {
        transport.disconnect().get(1, TimeUnit.SECONDS);
      } catch (Exception e) {
        // not connected, or the broker is gone: nothing to close gracefully
      }
      connected = false;
      for (Thread t : threads) {
        t.interrupt();
      }
    }
  }

  // ---------------------------------------------------------------------------------- status

  @Override
  public ConnectorStatus status() {
    Map<String, Long> counters = new TreeMap<>();
    counters.put("sent", sent.sum());
    counters.put("received", received.sum());
    counters.put("dropped", outbound.dropped());
    counters.put("publishFailures", publishFailures.sum());
    counters.put("encodeFailures", encodeFailures.sum());
    counters.put("lagged", lagged.sum());
    counters.put("unrouted", unrouted.sum());
    counters.put("subscribeFailures", subscribeFailures.sum());
    counters.put("subscribed", subscribed.sum());
    counters.put("connects", connects.get());
    counters.put("sessionLosses", sessionLosses.get());
    counters.put("queued", (long) outbound.size());
    counters.put("inflight", (long) unacked.get());
    long inboundDropped = 0;
    long backlog = outbound.size() + unacked.get();
    for (Subscription<?> s : subscriptions) {
      inboundDropped += s.dropped.sum();
    }
    counters.put("inboundDropped", inboundDropped);
    for (HistoryRoute<?> r : routes) {
      String p = "history." + r.cursorName + ".";
      counters.put(p + "sent", r.sent.sum());
      counters.put(p + "acked", r.acked.sum());
      counters.put(p + "rejected", r.rejected.sum());
      counters.put(p + "skipped", r.skipped.sum());
      counters.put(p + "rewinds", r.rewinds.sum());
      counters.put(p + "position", r.position());
      long b = r.backlog();
      counters.put(p + "backlog", b);
      backlog += b;
    }
    return new ConnectorStatus(
        name, "mqtt", connected, lastError, backlog, retries.get(), deadLetters.sum(), counters);
  }

  @Override
  public String toString() {
    return "MqttLink["
        + name
        + " -> "
        + settings.host()
        + ":"
        + settings.port()
        + ", MQTT "
        + (settings.version() == 5 ? "5" : "3.1.1")
        + (settings.ssl() != null ? ", TLS" : "")
        + (connected ? ", connected" : ", not connected")
        + "]";
  }

  // ---------------------------------------------------------------------------------- internals

  Transport transport() {
    return transport;
  }

  boolean isConnected() {
    return connected;
  }

  boolean stopping() {
    return stopping;
  }

  /** How often the broker came back without the session it had for us (it lost its state). */
  long sessionLosses() {
    return sessionLosses.get();
  }

  long closeDeadline() {
    return closeDeadline;
  }

  void requireStarted(String what) {
    if (!started) {
      throw new IllegalStateException(
          "MQTT link '"
              + name
              + "' is not started, so "
              + what
              + " cannot run: register the link with Runnel.builder().connector(link)");
    }
  }

  private void requireNotStarted(String what) {
    if (started || closed) {
      throw new IllegalStateException(
          "MQTT link '" + name + "': " + what + "(...) must be called before the link starts");
    }
  }

  private static void checkTopic(String topic) {
    MqttTopic.of(Objects.requireNonNull(topic, "topic")); // throws for wildcards, empty, ...
  }

  /** Waits up to {@code millis} for the link to be connected (or stopping). */
  void awaitConnected(long millis) {
    stateLock.lock();
    try {
      long nanos = TimeUnit.MILLISECONDS.toNanos(millis);
      while (!connected && !stopping && nanos > 0) {
        nanos = stateChanged.awaitNanos(nanos);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      stateLock.unlock();
    }
  }

  private void signalState() {
    stateLock.lock();
    try {
      stateChanged.signalAll();
    } finally {
      stateLock.unlock();
    }
  }

  /** Records an error for {@link #status()} and logs it, rate-limited. */
  void error(String what, Throwable cause) {
    String message = Instant.now() + " " + what + (cause == null ? "" : ": " + describe(cause));
    lastError = message;
    long suppressed = logLimit.tryAcquire();
    if (suppressed >= 0) {
      LOG.log(
          System.Logger.Level.WARNING,
          "[mqtt "
              + name
              + "] "
              + message
              + (suppressed > 0 ? " (" + suppressed + " similar messages suppressed)" : ""));
    }
  }

  private static String describe(Throwable e) {
    Throwable t = e;
    while ((t instanceof java.util.concurrent.CompletionException
            || t instanceof java.util.concurrent.ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    String msg = t.getMessage() == null ? "" : t.getMessage();
    String hint =
        msg.contains("USER_NAME_OR_PASSWORD") || msg.contains("NOT_AUTHORIZED")
            ? " (check the link's credentials and the broker's password file / ACL)"
            : "";
    return t.getClass().getSimpleName() + (msg.isEmpty() ? "" : ": " + msg) + hint;
  }

  private void sendLoop() {
    long poll = TimeUnit.MILLISECONDS.toNanos(100);
    try {
      while (!stopping) {
        if (!connected) {
          awaitConnected(100);
          continue;
        }
        if (!inflight.tryAcquire(100, TimeUnit.MILLISECONDS)) {
          continue;
        }
        OutboundQueue.Message m = outbound.poll(poll);
        if (m == null || !connected) {
          if (m != null) {
            outbound.putBack(m);
          }
          inflight.release();
          continue;
        }
        CompletableFuture<Void> f;
        unacked.incrementAndGet();
        try {
          f = transport.publish(m.topic(), m.payload(), m.qos(), m.retain(), -1);
        } catch (RuntimeException e) {
          unacked.decrementAndGet();
          inflight.release();
          publishFailures.increment();
          error("publish to '" + m.topic() + "' refused", e);
          continue;
        }
        f.whenComplete(
            (ok, e) -> {
              if (e == null) {
                sent.increment(); // counted before the backlog shrinks, so status never shows
                // neither
              }
              unacked.decrementAndGet();
              inflight.release();
              if (e == null) {
                return;
              }
              publishFailures.increment();
              error("publish to '" + m.topic() + "' failed", e);
              if (m.qos() == Qos.AT_LEAST_ONCE
                  && !(unwrap(e)
                      instanceof com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException)) {
                outbound.putBack(m);
              }
            });
      }
    } catch (InterruptedException e) {
      // closing
    }
  }

  private static Throwable unwrap(Throwable e) {
    return e instanceof java.util.concurrent.CompletionException && e.getCause() != null
        ? e.getCause()
        : e;
  }

  private void subscribeAll() {
    for (Subscription<?> s : subscriptions) {
      transport
          .subscribe(s.filter, s.qos)
          .whenComplete(
              (ok, e) -> {
                if (e != null) {
                  subscribeFailures.increment();
                  error("subscribe to '" + s.filter + "' failed", e);
                } else {
                  subscribed.increment();
                }
              });
    }
  }

  private void dispatch(String topic, byte[] payload) {
    MqttTopic t = MqttTopic.of(topic);
    Instant at = Instant.now();
    boolean routed = false;
    for (Subscription<?> s : subscriptions) {
      if (s.matches(t)) {
        s.offer(new Subscription.Message(topic, payload, at));
        routed = true;
      }
    }
    if (!routed) {
      unrouted.increment();
    }
  }

  /** The client's lifecycle and messages, on its event-loop threads. */
  private final class Events implements Transport.Listener {
    @Override
    public void connected(boolean sessionPresent) {
      long n = connects.incrementAndGet();
      if (n > 1 && !sessionPresent) {
        sessionLosses.incrementAndGet();
      }
      boolean first;
      stateLock.lock();
      try {
        connected = true;
        first = !subscribedOnce;
        subscribedOnce = true;
        stateChanged.signalAll();
      } finally {
        stateLock.unlock();
      }
      LOG.log(
          System.Logger.Level.INFO,
          () ->
              "[mqtt "
                  + name
                  + "] connected to "
                  + settings.host()
                  + ":"
                  + settings.port()
                  + " (connection "
                  + n
                  + ", session present: "
                  + sessionPresent
                  + ")");
      if (closed && stopping) {
        transport.disconnect();
        return;
      }
      if (first) {
        // Later reconnects: the broker kept the subscriptions (session present), or HiveMQ
        // sends them again (resubscribeIfSessionExpired, on by default).
        subscribeAll();
      }
    }

    @Override
    public void disconnected(Throwable cause, boolean byUser, MqttClientReconnector reconnector) {
      boolean was = connected;
      if (byUser || stopping) {
        connected = false;
        signalState();
        reconnector.reconnect(false);
        return;
      }
      // HiveMQ counts the attempt that just failed: 1 after the first failure.
      long delay = backoff.delayNanos(reconnector.getAttempts() - 1);
      reconnector
          .reconnect(true)
          .resubscribeIfSessionExpired(true)
          .republishIfSessionExpired(false)
          .delay(delay, TimeUnit.NANOSECONDS);
      long retry =
          retries.get()
              + 1; // counted after lastError is set: status never shows a retry without its error
      error(
          (was ? "connection to " : "cannot connect to ")
              + settings.host()
              + ":"
              + settings.port()
              + (was ? " lost" : "")
              + "; retry "
              + retry
              + " in "
              + TimeUnit.NANOSECONDS.toMillis(delay)
              + " ms",
          cause);
      retries.incrementAndGet();
      connected = false; // after lastError: status never shows "not connected" without a reason
      signalState();
    }

    @Override
    public void message(String topic, byte[] payload) {
      dispatch(topic, payload);
    }
  }

  // ---------------------------------------------------------------------------------- builder

  /** Configures a {@link MqttLink}. Every setting has a default except the broker. */
  public static final class Builder {
    private final String name;
    private String host;
    private int port = -1;
    private int version = 5;
    private String clientId;
    private String username;
    private String password;
    private MqttClientSslConfig ssl;
    private Duration reconnectMin = Duration.ofMillis(100);
    private Duration reconnectMax = Duration.ofSeconds(30);
    private int offlineQueue = 10_000;
    private int inboundQueue = 10_000;
    private int maxInflight = 256;
    private Duration sessionExpiry = Duration.ofHours(1);
    private Duration keepAlive = Duration.ofSeconds(30);
    private Duration closeTimeout = Duration.ofSeconds(2);
    private Duration replayWindow = Duration.ofSeconds(2);
    private RecordKey deadLetters;

    private Builder(String name) {
      RecordKey.problem(name)
          .ifPresent(
              p -> {
                throw new IllegalArgumentException("link name: " + p);
              });
      this.name = name;
    }

    /** The broker's host and port (1883 is MQTT's, 8883 MQTT over TLS). */
    public Builder broker(String host, int port) {
      if (port <= 0 || port > 65535) {
        throw new IllegalArgumentException("broker port must be 1..65535, got " + port);
      }
      this.host = Objects.requireNonNull(host, "host");
      this.port = port;
      return this;
    }

    /** The protocol: {@code 5} (MQTT 5, the default) or {@code 3} (MQTT 3.1.1). */
    public Builder version(int version) {
      if (version != 3 && version != 5) {
        throw new IllegalArgumentException("MQTT version must be 3 (3.1.1) or 5, got " + version);
      }
      this.version = version;
      return this;
    }

    /**
     * The client identifier. Set a stable one per device: the broker keeps the session
     * (subscriptions, QoS 1 messages for it) under this id while the link is away, also across
     * restarts. Default: a random id per link instance.
     */
    public Builder clientId(String clientId) {
      this.clientId = Objects.requireNonNull(clientId, "clientId");
      return this;
    }

    /** User name and password (sent in CONNECT; use TLS on anything but a trusted network). */
    public Builder credentials(String username, String password) {
      this.username = Objects.requireNonNull(username, "username");
      this.password = password;
      return this;
    }

    /** TLS with the JVM's default trust store (public CAs). */
    public Builder tls() {
      this.ssl = MqttClientSslConfig.builder().build();
      return this;
    }

    /** TLS trusting the given trust managers (e.g. a private CA). */
    public Builder tls(TrustManagerFactory trust) {
      return tls(trust, null);
    }

    /**
     * TLS trusting {@code trust} (JVM default if {@code null}) and presenting a client certificate
     * from {@code keys} (none if {@code null}). The server's host name is verified.
     */
    public Builder tls(TrustManagerFactory trust, KeyManagerFactory keys) {
      var b = MqttClientSslConfig.builder();
      if (trust != null) {
        b = b.trustManagerFactory(trust);
      }
      if (keys != null) {
        b = b.keyManagerFactory(keys);
      }
      this.ssl = b.build();
      return this;
    }

    /** TLS trusting the CA certificate(s) in a PEM file, such as Mosquitto's {@code cafile}. */
    public Builder tlsTrust(Path caCertificatesPem) {
      try (InputStream in = Files.newInputStream(caCertificatesPem)) {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        int i = 0;
        for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
          ks.setCertificateEntry("ca-" + i++, c);
        }
        if (i == 0) {
          throw new IllegalArgumentException("no certificate in " + caCertificatesPem);
        }
        TrustManagerFactory tmf =
            TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        return tls(tmf);
      } catch (IOException | GeneralSecurityException e) {
        throw new IllegalArgumentException(
            "cannot read CA certificates from " + caCertificatesPem + ": " + e, e);
      }
    }

    /**
     * Reconnect delays: capped exponential from {@code min} to {@code max}, each a random time in
     * [d/2, d] (default 100 ms to 30 s). The link retries forever.
     */
    public Builder reconnect(Duration min, Duration max) {
      new Backoff(min, max); // validates
      this.reconnectMin = min;
      this.reconnectMax = max;
      return this;
    }

    /** Capacity of the outbound (offline) queue, in messages (default 10 000). */
    public Builder offlineQueue(int messages) {
      this.offlineQueue = positive("offlineQueue", messages);
      return this;
    }

    /** Capacity of each subscription's hand-off queue, in messages (default 10 000). */
    public Builder inboundQueue(int messages) {
      this.inboundQueue = positive("inboundQueue", messages);
      return this;
    }

    /** Most messages published but not yet acknowledged, per route (default 256). */
    public Builder maxInflight(int messages) {
      this.maxInflight = positive("maxInflight", messages);
      return this;
    }

    /** How long the broker keeps the session after a disconnect (MQTT 5; default 1 h). */
    public Builder sessionExpiry(Duration expiry) {
      if (expiry.isNegative() || expiry.toSeconds() > 0xFFFF_FFFFL) {
        throw new IllegalArgumentException("sessionExpiry out of range: " + expiry);
      }
      this.sessionExpiry = expiry;
      return this;
    }

    /** The MQTT keep-alive (default 30 s); a dead connection is noticed after 1.5 times this. */
    public Builder keepAlive(Duration keepAlive) {
      if (keepAlive.isNegative() || keepAlive.toSeconds() > 65535) {
        throw new IllegalArgumentException("keepAlive must be 0..65535 s, got " + keepAlive);
      }
      this.keepAlive = keepAlive;
      return this;
    }

    /**
     * History routes: how long after the broker's PUBACK a message is still resent if the broker
     * comes back without the link's session (it crashed and lost what it held). The cursor commit
     * lags acknowledgements by this much, so a restart of the process resends it too. Default 2 s;
     * zero trusts PUBACK alone.
     */
    public Builder replayWindow(Duration window) {
      if (window.isNegative()) {
        throw new IllegalArgumentException("replayWindow must not be negative: " + window);
      }
      this.replayWindow = window;
      return this;
    }

    /** How long {@link MqttLink#close()} may take to flush (default 2 s). */
    public Builder closeTimeout(Duration timeout) {
      this.closeTimeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /**
     * Where undecodable inbound payloads go: a record of type {@link DeadLetter}, declared {@code
     * external()} in the pipeline. Without it they are only counted and logged.
     */
    public Builder deadLetters(RecordKey key) {
      this.deadLetters = Objects.requireNonNull(key, "key");
      return this;
    }

    public MqttLink build() {
      if (host == null) {
        throw new IllegalStateException("link '" + name + "': broker(host, port) is required");
      }
      return new MqttLink(this);
    }

    private static int positive(String what, int n) {
      if (n <= 0) {
        throw new IllegalArgumentException(what + " must be positive, got " + n);
      }
      return n;
    }
  }
}
