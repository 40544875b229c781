package io.runnel.mqtt;

import com.hivemq.client.mqtt.MqttClientSslConfig;
import io.runnel.RecordKey;
import io.runnel.Runnel;
import io.runnel.Source;
import io.runnel.TapTask;
import io.runnel.codec.Codec;
import io.runnel.spi.Checks;
import io.runnel.spi.Connector;
import io.runnel.spi.ConnectorStatus;
import io.runnel.spi.ErrorLog;
import io.runnel.spi.Loopback;
import io.runnel.store.HistoryStore;
import io.runnel.store.KeySelector;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * A link between a pipeline and one MQTT broker (MQTT 3.1.1 or 5, optionally TLS and credentials),
 * registered as a {@link Connector}. See the package documentation for the threads, the contract
 * and the guarantees; in short:
 *
 * <ul>
 *   <li>{@link #publish} gives a tap task that sends each value of a record to a topic (fixed or
 *       computed per value) through a bounded offline queue: never blocks the pipeline; when full,
 *       the oldest messages are dropped and counted.
 *   <li>{@link #publishHistory} forwards a persisted record (or several, or every record under a
 *       key prefix, including records added while the link runs: {@link KeySelector}) from a {@link
 *       HistoryStore} at QoS 1 through a durable cursor, advanced only after the broker's PUBACK:
 *       nothing is lost across a broker outage or a restart (at least once <em>to the broker</em>;
 *       what its subscribers get depends on the broker's queues: pace the resend with {@link
 *       Builder#historyRate}).
 *   <li>{@link #subscribe} gives a source that writes a record from a topic filter (wildcards
 *       allowed); a payload that does not decode goes to the dead-letter record.
 *   <li>The connection is retried forever with capped exponential backoff and jitter; subscriptions
 *       are restored after a reconnect; {@link #status()} shows connected, last error, backlog,
 *       retries, dead letters and counters.
 * </ul>
 *
 * <pre>{@code
 * MqttLink mqtt = MqttLink.builder().broker("127.0.0.1", 1883).clientId("gateway-7").build();
 * Runnel.builder()
 *     .connector(mqtt)
 *     .configure(Reading.class, Key.INDOOR, r -> r
 *         .source(sensor)
 *         .tapTask("mqtt", mqtt.publish(codec, v -> "sensors/" + v.sensor(), Qos.AT_LEAST_ONCE, false)))
 *     .configure(Command.class, Key.COMMAND, r -> r
 *         .source(mqtt.subscribe("gateway-7/cmd/#", commandCodec, Qos.AT_LEAST_ONCE)))
 *     .build().start();
 * }</pre>
 *
 * <p>This class is the facade: it checks arguments, starts and closes the parts in order and
 * assembles the status. The parts: {@link Connection} (the client's event loop), {@link LiveSender}
 * (the sender thread), {@link InboundRoutes} (subscriptions and dead letters) and one {@link
 * HistoryRoute} per {@link #publishHistory} (its own thread).
 */
public final class MqttLink implements Connector {

  /** The connector kind, also the default {@linkplain Builder#name(String) name}. */
  static final String KIND = "mqtt";

  private final String name;
  private final Duration closeTimeout;
  private final int maxInflight;
  private final Duration replayWindow;
  private final int historyRate;

  private final Lifecycle lifecycle;
  private final ErrorLog errors;
  private final InboundRoutes inbound;
  private final Connection connection;
  private final LiveSender sender;
  private final List<HistoryRoute<?>> routes = new CopyOnWriteArrayList<>();

  /** What publishHistory found wrong with its codecs; listed by build(), see problems(). */
  private final List<String> problems = new CopyOnWriteArrayList<>();

  private final List<Thread> threads = new ArrayList<>();

  private MqttLink(Builder b) {
    this.name = b.name;
    this.closeTimeout = b.closeTimeout;
    this.maxInflight = b.maxInflight;
    this.replayWindow = b.replayWindow;
    this.historyRate = b.historyRate;
    String clientId = b.clientId != null ? b.clientId : "runnel-" + UUID.randomUUID();
    Transport.Settings settings =
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
    this.lifecycle = new Lifecycle(name);
    this.errors = LinkErrors.of(name);
    this.inbound =
        new InboundRoutes(
            lifecycle, name, errors, b.inboundQueue, b.inboundQueueBytes, b.deadLetters);
    this.connection =
        new Connection(name, settings, b.reconnectMin, b.reconnectMax, errors, inbound);
    this.sender = new LiveSender(connection, b.offlineQueue, b.offlineQueueBytes, b.maxInflight);
  }

  /**
   * Starts configuring a link named {@code "mqtt"}; see {@link Builder#name(String)} for links to
   * several brokers.
   */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public String name() {
    return name;
  }

  /** The MQTT client identifier (generated if none was configured). */
  public String clientId() {
    return connection.settings().clientId();
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
    Transport.checkTopic(topic);
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
    Checks.notNull("codec", codec);
    Checks.notNull("topic", topic);
    Checks.notNull("qos", qos);
    Codec.requireUsable(codec); // a broken version chain: every problem in one message
    return (ctx, in) -> {
      lifecycle.requireStarted("publish");
      sender.forward(ctx, in, codec, topic, qos, retain);
    };
  }

  /**
   * Forwards a persisted record to a fixed topic; see {@link #publishHistory(HistoryStore,
   * RecordKey, Codec, Function, String)}.
   */
  public <T> void publishHistory(
      HistoryStore store, RecordKey key, Codec<T> codec, String topic, String cursorName) {
    Transport.checkTopic(topic);
    addRoute(store, KeySelector.of(Checks.notNull("key", key)), codec, topic, null, cursorName);
  }

  /**
   * Forwards the persisted record {@code key} from {@code store} to MQTT at QoS 1, from the
   * position of the durable cursor {@code cursorName} (created at 0, i.e. everything, if new), on a
   * thread of the link. Only durable entries are sent. The cursor advances only past entries the
   * broker acknowledged and then confirmed alive for the replay window (see {@link
   * Builder#replayWindow}), so after a broker outage, a crash, a power cut of its host or a restart
   * with the same store and cursor name, forwarding resumes where it stopped: at least once to the
   * broker, never lost before it. A broker that queues too little for a slow or offline subscriber
   * drops messages for it after acknowledging them to the link; see {@link Builder#historyRate} and
   * the package documentation for the broker settings delivery to subscribers needs. {@code codec}
   * must be the codec the record is persisted with; the link's start fails if the store shows
   * otherwise. On MQTT 5 each message carries its history sequence as the user property {@code
   * runnel-seq}, for consumers that remove duplicates. Call before the link starts.
   */
  public <T> void publishHistory(
      HistoryStore store,
      RecordKey key,
      Codec<T> codec,
      Function<? super T, String> topic,
      String cursorName) {
    Checks.notNull("topic", topic);
    addRoute(store, KeySelector.of(Checks.notNull("key", key)), codec, null, topic, cursorName);
  }

  /**
   * Like {@link #publishHistory(HistoryStore, RecordKey, Codec, Function, String)} for several
   * persisted records of one type, forwarded by one thread through one cursor (cheaper than a route
   * per record when there are many: the store is read once for all of them).
   */
  public <T> void publishHistory(
      HistoryStore store,
      Collection<? extends RecordKey> keys,
      Codec<T> codec,
      Function<? super T, String> topic,
      String cursorName) {
    Checks.notNull("topic", topic);
    Checks.notNull("keys", keys);
    if (keys.isEmpty()) {
      throw new IllegalArgumentException("link '" + name + "': publishHistory needs a key");
    }
    keys.forEach(k -> Checks.notNull("key", k));
    addRoute(store, KeySelector.of(keys), codec, null, topic, cursorName);
  }

  /**
   * Like {@link #publishHistory(HistoryStore, Collection, Codec, Function, String)} for the
   * persisted records {@code keys} selects; with a {@linkplain KeySelector#prefix prefix} the
   * route's key set grows while the link runs: a record added to the running pipeline ({@code
   * Runnel.add}) and persisted under the prefix is forwarded from its first durable entry, through
   * the same cursor, to {@code topic.apply(value)}, with the same properties as the others. Every
   * selected key must be persisted with {@code codec} (or a version of its chain): at start the
   * newest entry of each selected key in the store is checked, later keys as they are read; an
   * entry of another codec holds the route (reported, counted as {@code codecMismatch}) rather than
   * being skipped, so choose a prefix under which every record has the route's type. Call before
   * the link starts.
   *
   * <pre>{@code
   * mqtt.publishHistory(store, KeySelector.prefix("station."), codec,
   *     r -> "mesh/" + r.node() + "/reading", "mqtt");
   * }</pre>
   */
  public <T> void publishHistory(
      HistoryStore store,
      KeySelector keys,
      Codec<T> codec,
      Function<? super T, String> topic,
      String cursorName) {
    Checks.notNull("topic", topic);
    Checks.notNull("keys", keys);
    addRoute(store, keys, codec, null, topic, cursorName);
  }

  private <T> void addRoute(
      HistoryStore store,
      KeySelector keys,
      Codec<T> codec,
      String fixedTopic,
      Function<? super T, String> topicOf,
      String cursorName) {
    Checks.notNull("store", store);
    Checks.notNull("codec", codec);
    Checks.keySyntax("cursor name", cursorName);
    lifecycle.requireNotStarted("publishHistory");
    for (HistoryRoute<?> r : routes) {
      if (r.cursorName().equals(cursorName)) {
        throw new IllegalArgumentException(
            "link '" + name + "': cursor '" + cursorName + "' is already used by another route");
      }
    }
    if (!codec.problems().isEmpty()) { // a broken version chain: listed by the pipeline's build()
      String what = "publishHistory of [" + keys + "] (cursor '" + cursorName + "'): ";
      codec.problems().forEach(p -> problems.add(what + p));
      return;
    }
    routes.add(
        new HistoryRoute<>(
            connection,
            store,
            keys,
            codec,
            fixedTopic,
            topicOf,
            cursorName,
            maxInflight,
            replayWindow,
            historyRate));
  }

  // ---------------------------------------------------------------------------------- inbound

  /**
   * A source (attach it with {@code Registration.source}) that writes the record from the messages
   * arriving on {@code topicFilter} (wildcards {@code +} and {@code #} allowed). Subscribed when
   * the link first connects and restored after every reconnect.
   *
   * <p>Messages are handed from the client to the source through a queue bounded in messages and
   * payload bytes (the link's {@code inboundQueue} and {@code inboundQueueBytes}; when full the
   * oldest is dropped and counted as {@code inboundDropped}); the source waits on it at a Runnel
   * waiting point, so an idle topic never holds its lane (no watchdog report, a cooperative lane's
   * other tasks run, virtual time under a simulation). A payload that does not decode (or decodes
   * to {@code null}) never stops the source: it is counted ({@code deadLetters}), logged
   * (rate-limited) with its topic and, if configured, produced to the dead-letter record as a
   * {@link DeadLetter}. Call before the link starts.
   */
  public <T> Source<T> subscribe(String topicFilter, Codec<T> codec, Qos qos) {
    Checks.notNull("codec", codec);
    Codec.requireUsable(codec); // a broken version chain: every problem in one message
    Checks.notNull("qos", qos);
    Transport.checkFilter(topicFilter, name);
    lifecycle.requireNotStarted("subscribe");
    return inbound.add(topicFilter, codec, qos);
  }

  // ---------------------------------------------------------------------------------- lifecycle

  /**
   * The version-chain problems of the codecs given to {@link #publishHistory}, listed by {@code
   * Runnel.builder()...build()} with the graph's other problems ({@link #publish} and {@link
   * #subscribe}, called in a record's registration, throw: the build lists that too).
   */
  @Override
  public List<String> problems() {
    return List.copyOf(problems);
  }

  @Override
  public void start(Runnel runnel) {
    lifecycle.start(
        () -> {
          for (HistoryRoute<?> r : routes) {
            r.checkStoredCodec(name); // a record stored with another codec: fail now, loudly
          }
          inbound.start(runnel);
          connection.open();
        });
    threads.add(
        Thread.ofPlatform().daemon().name("runnel-mqtt[" + name + "]-sender").start(sender));
    for (HistoryRoute<?> r : routes) {
      threads.add(
          Thread.ofPlatform()
              .daemon()
              .name("runnel-mqtt[" + name + "]-history-" + r.cursorName())
              .start(r));
    }
    connection.connect();
  }

  /**
   * Stops within the close timeout: the offline queue and outstanding messages get until then to be
   * sent and acknowledged (what remains of live values is lost and counted as {@code dropped};
   * history stays in the store and is resent by the next run), history cursors are committed, and
   * the client disconnects (keeping its broker session).
   */
  @Override
  public void close() {
    if (!lifecycle.close() || !lifecycle.started()) {
      return;
    }
    long deadline = System.nanoTime() + closeTimeout.toNanos();
    connection.closeBy(deadline);
    try {
      if (connection.isConnected()) {
        sender.awaitEmpty(Math.max(0, deadline - System.nanoTime()));
      }
      connection.stop();
      sender.awaitAcknowledged(deadline);
      for (Thread t : threads) {
        t.join(Duration.ofNanos(Math.max(1_000_000, deadline - System.nanoTime())));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      connection.shutdown();
      for (Thread t : threads) {
        t.interrupt();
      }
    }
  }

  // ---------------------------------------------------------------------------------- status

  @Override
  public ConnectorStatus status() {
    Map<String, Long> counters = new TreeMap<>();
    sender.addCounters(counters);
    inbound.addCounters(counters);
    counters.put("connects", connection.connects());
    counters.put("sessionLosses", connection.sessionLosses());
    long backlog = sender.backlog();
    for (HistoryRoute<?> r : routes) {
      backlog += r.addCounters(counters);
    }
    return new ConnectorStatus(
        name,
        KIND,
        connection.isConnected(),
        errors.lastError(),
        backlog,
        connection.retries(),
        inbound.deadLetters(),
        counters);
  }

  @Override
  public String toString() {
    Transport.Settings settings = connection.settings();
    return "MqttLink["
        + name
        + " -> "
        + settings.host()
        + ":"
        + settings.port()
        + ", MQTT "
        + (settings.version() == 5 ? "5" : "3.1.1")
        + (settings.ssl() != null ? ", TLS" : "")
        + (connection.isConnected() ? ", connected" : ", not connected")
        + "]";
  }

  // ---------------------------------------------------------------------------------- builder

  /**
   * Configures a {@link MqttLink}. Every setting has a default except the broker.
   *
   * <p>A builder is immutable: every option returns a new builder and leaves this one unchanged, so
   * a partly configured builder can serve as a template for several links. A wrong value fails at
   * once, in the option that received it: {@code NullPointerException} ("&lt;what&gt; must not be
   * null") or {@code IllegalArgumentException}; {@link #build()} only checks that the broker was
   * given.
   */
  public static final class Builder {
    private String name = KIND;
    private String host;
    private int port = -1;
    private int version = 5;
    private String clientId;
    private String username;
    private String password;
    private MqttClientSslConfig ssl;
    private Duration reconnectMin = Duration.ofMillis(100);
    private Duration reconnectMax = Duration.ofSeconds(30);

    /** Default byte bound of the offline queue and of each subscription's queue: 8 MiB. */
    private static final long DEFAULT_QUEUE_BYTES = 8L << 20;

    private int offlineQueue = 10_000;
    private int inboundQueue = 10_000;
    private long offlineQueueBytes = DEFAULT_QUEUE_BYTES;
    private long inboundQueueBytes = DEFAULT_QUEUE_BYTES;
    private int maxInflight = 256;
    private Duration sessionExpiry = Duration.ofHours(1);
    private Duration keepAlive = Duration.ofSeconds(30);
    private Duration closeTimeout = Duration.ofSeconds(2);
    private Duration replayWindow = Duration.ofSeconds(2);
    private int historyRate;
    private RecordKey deadLetters;
    private boolean allowPlaintextCredentials;

    private Builder() {}

    /** A copy of {@code o}: every option changes a copy, never the receiver. */
    private Builder(Builder o) {
      this.name = o.name;
      this.host = o.host;
      this.port = o.port;
      this.version = o.version;
      this.clientId = o.clientId;
      this.username = o.username;
      this.password = o.password;
      this.ssl = o.ssl;
      this.reconnectMin = o.reconnectMin;
      this.reconnectMax = o.reconnectMax;
      this.offlineQueue = o.offlineQueue;
      this.inboundQueue = o.inboundQueue;
      this.offlineQueueBytes = o.offlineQueueBytes;
      this.inboundQueueBytes = o.inboundQueueBytes;
      this.maxInflight = o.maxInflight;
      this.sessionExpiry = o.sessionExpiry;
      this.keepAlive = o.keepAlive;
      this.closeTimeout = o.closeTimeout;
      this.replayWindow = o.replayWindow;
      this.historyRate = o.historyRate;
      this.deadLetters = o.deadLetters;
      this.allowPlaintextCredentials = o.allowPlaintextCredentials;
    }

    /**
     * The link's name, unique among the pipeline's connectors; it identifies the link in the status
     * ({@code runnel.inspect().connector(name)}), in logs and in thread names. Default {@code
     * "mqtt"}, the connector kind: set one when a pipeline has several MQTT links. It must be a
     * valid record key id (such as {@code mqtt.cloud}).
     */
    public Builder name(String name) {
      Checks.notBlank("name", name);
      Checks.keySyntax("link name", name);
      Builder b = new Builder(this);
      b.name = name;
      return b;
    }

    /** The broker's host and port (1883 is MQTT's, 8883 MQTT over TLS). */
    public Builder broker(String host, int port) {
      Checks.notBlank("host", host);
      if (port <= 0 || port > 65535) {
        throw new IllegalArgumentException("broker port must be 1..65535, got " + port);
      }
      Builder b = new Builder(this);
      b.host = host;
      b.port = port;
      return b;
    }

    /** The protocol: {@code 5} (MQTT 5, the default) or {@code 3} (MQTT 3.1.1). */
    public Builder version(int version) {
      if (version != 3 && version != 5) {
        throw new IllegalArgumentException("MQTT version must be 3 (3.1.1) or 5, got " + version);
      }
      Builder b = new Builder(this);
      b.version = version;
      return b;
    }

    /**
     * The client identifier. Set a stable one per device: the broker keeps the session
     * (subscriptions, QoS 1 messages for it) under this id while the link is away, also across
     * restarts. Default: a random id per link instance.
     */
    public Builder clientId(String clientId) {
      Builder b = new Builder(this);
      b.clientId = Checks.notNull("clientId", clientId);
      return b;
    }

    /**
     * User name and password, sent in CONNECT. A {@code null} password sends an empty one. Over
     * plain TCP they travel readable by anyone on the path, so {@link #build()} refuses them to any
     * broker but a loopback address ({@code localhost}, {@code 127.0.0.0/8}, {@code ::1}), where it
     * warns once: configure {@link #tls()} (or, on a network you trust, {@link
     * #allowPlaintextCredentials()}).
     */
    public Builder credentials(String username, String password) {
      Builder b = new Builder(this);
      b.username = Checks.notNull("username", username);
      b.password = password;
      return b;
    }

    /**
     * Lets {@link #credentials} go over plain TCP to a broker that is not on a loopback address
     * (default: refused at {@link #build()}). For a network you trust end to end (a VPN, an
     * isolated segment); anyone who can read the traffic reads the password.
     */
    public Builder allowPlaintextCredentials() {
      Builder b = new Builder(this);
      b.allowPlaintextCredentials = true;
      return b;
    }

    /** TLS with the JVM's default trust store (public CAs). */
    public Builder tls() {
      return tls(null, null);
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
      Builder b = new Builder(this);
      b.ssl = Transport.tls(trust, keys);
      return b;
    }

    /** TLS trusting the CA certificate(s) in a PEM file, such as Mosquitto's {@code cafile}. */
    public Builder tlsTrust(Path caCertificatesPem) {
      return tls(Transport.trustPem(Checks.notNull("caCertificatesPem", caCertificatesPem)));
    }

    /**
     * Reconnect delays: capped exponential from {@code min} to {@code max}, each a random time in
     * [d/2, d] (default 100 ms to 30 s). The link retries forever. Checked as {@code reconnectMin}
     * (positive) and {@code reconnectMax} (not below it).
     */
    public Builder reconnect(Duration min, Duration max) {
      Checks.positive("reconnectMin", min);
      Checks.notNull("reconnectMax", max);
      Checks.notAbove("reconnectMin", min, "reconnectMax", max);
      Builder b = new Builder(this);
      b.reconnectMin = min;
      b.reconnectMax = max;
      return b;
    }

    /**
     * Capacity of the outbound (offline) queue, in messages (default 10 000); see also {@link
     * #offlineQueueBytes}: whichever bound is reached first drops the oldest.
     */
    public Builder offlineQueue(int messages) {
      Builder b = new Builder(this);
      b.offlineQueue = Checks.positive("offlineQueue", messages);
      return b;
    }

    /**
     * Capacity of the outbound (offline) queue, in payload bytes (default 8 MiB). When a message
     * would exceed it the oldest are dropped (counted as {@code dropped}); a single payload larger
     * than the bound is dropped at once. Status counter {@code queuedBytes} shows what is held.
     */
    public Builder offlineQueueBytes(long bytes) {
      Builder b = new Builder(this);
      b.offlineQueueBytes = Checks.positive("offlineQueueBytes", bytes);
      return b;
    }

    /**
     * Capacity of each subscription's hand-off queue, in messages (default 10 000); see also {@link
     * #inboundQueueBytes}: whichever bound is reached first drops the oldest.
     */
    public Builder inboundQueue(int messages) {
      Builder b = new Builder(this);
      b.inboundQueue = Checks.positive("inboundQueue", messages);
      return b;
    }

    /**
     * Capacity of each subscription's hand-off queue, in payload bytes (default 8 MiB). When a
     * message would exceed it the oldest are dropped (counted as {@code inboundDropped}); a single
     * payload larger than the bound is dropped at once. Status counter {@code inboundQueuedBytes}
     * shows what all subscriptions hold.
     */
    public Builder inboundQueueBytes(long bytes) {
      Builder b = new Builder(this);
      b.inboundQueueBytes = Checks.positive("inboundQueueBytes", bytes);
      return b;
    }

    /** Most messages published but not yet acknowledged, per route (default 256). */
    public Builder maxInflight(int messages) {
      Builder b = new Builder(this);
      b.maxInflight = Checks.positive("maxInflight", messages);
      return b;
    }

    /**
     * How long the broker keeps the session after a disconnect (MQTT 5; default 1 h), in whole
     * seconds; at most MQTT's maximum of 2^32 - 1 s.
     */
    public Builder sessionExpiry(Duration expiry) {
      Checks.notNegative("sessionExpiry", expiry);
      Checks.notAbove(
          "sessionExpiry", expiry, "the MQTT maximum", Duration.ofSeconds(0xFFFF_FFFFL));
      Builder b = new Builder(this);
      b.sessionExpiry = expiry;
      return b;
    }

    /**
     * The MQTT keep-alive (default 30 s), in whole seconds, at most 65 535 s; a dead connection is
     * noticed after 1.5 times this. Zero turns keep-alive off.
     */
    public Builder keepAlive(Duration keepAlive) {
      Checks.notNegative("keepAlive", keepAlive);
      Checks.notAbove("keepAlive", keepAlive, "the MQTT maximum", Duration.ofSeconds(65535));
      Builder b = new Builder(this);
      b.keepAlive = keepAlive;
      return b;
    }

    /**
     * History routes: how long the broker must be proven alive after a PUBACK before the cursor may
     * move past the message (default 2 s; zero trusts PUBACK alone). A PUBACK only says the broker
     * holds the message in memory; the link confirms it with a round trip (a probe: UNSUBSCRIBE of
     * a filter it never subscribes) sent at least this long after the PUBACK and answered on the
     * same connection. A broker that dies within the window never answers, so however long the
     * keep-alive takes to notice (up to about twice {@link #keepAlive}), nothing it acknowledged is
     * committed, and after the reconnect it is sent again. Choose at least the time the broker
     * needs to hand a message on to its subscribers (or to persist it).
     */
    public Builder replayWindow(Duration window) {
      Builder b = new Builder(this);
      b.replayWindow = Checks.notNegative("replayWindow", window);
      return b;
    }

    /**
     * History routes: send at most this many messages per second, each route (default 0: unlimited,
     * paced only by {@link #maxInflight} and the broker's acknowledgements), in bursts of at most
     * 50 ms worth ({@code rate / 20}, at least one), retries and the resend after an outage
     * included.
     *
     * <p>Why: a broker's PUBACK says the broker took the message, not that a subscriber got it. A
     * stock Mosquitto keeps at most {@code max_queued_messages} (default 1000) QoS 1 messages per
     * persistent subscriber beyond those in flight to it and silently drops the rest. After an
     * outage the link is often back before the subscribers, and an unpaced resend of the backlog
     * outruns their queues (measured with Mosquitto's defaults: 4000 readings resent while the
     * subscriber was away for 1.5 s; 1000 arrived, 3000 were dropped). Paced at a rate the
     * subscriber keeps up with, the broker holds only what the subscriber misses while away plus a
     * burst: at 400/s the same subscriber got all 4000. Choose the rate below the slowest
     * subscriber's, minus the live traffic to it, and so that {@code max_queued_messages / rate}
     * covers how long a subscriber may be away; see the package documentation for the broker
     * settings and what no pace can save.
     */
    public Builder historyRate(int messagesPerSecond) {
      Builder b = new Builder(this);
      b.historyRate = Checks.notNegative("historyRate", messagesPerSecond);
      return b;
    }

    /** How long {@link MqttLink#close()} may take to flush (default 2 s; zero: not at all). */
    public Builder closeTimeout(Duration timeout) {
      Builder b = new Builder(this);
      b.closeTimeout = Checks.notNegative("closeTimeout", timeout);
      return b;
    }

    /**
     * Where undecodable inbound payloads go: a record of type {@link DeadLetter}, declared {@code
     * external()} in the pipeline. Without it they are only counted and logged.
     */
    public Builder deadLetters(RecordKey key) {
      Builder b = new Builder(this);
      b.deadLetters = Checks.notNull("deadLetters", key);
      return b;
    }

    /**
     * The link; fails if no {@link #broker(String, int) broker} was given, or if {@link
     * #credentials} would go over plain TCP to a host that is not a loopback address (without
     * {@link #allowPlaintextCredentials()}).
     */
    public MqttLink build() {
      if (host == null) {
        throw new IllegalStateException("link '" + name + "': broker(host, port) is required");
      }
      if (username != null && ssl == null) {
        String where = host + ":" + port;
        if (Loopback.isLoopback(host)) {
          LinkErrors.LOG.log(
              System.Logger.Level.WARNING,
              "[mqtt "
                  + name
                  + "] credentials for '"
                  + username
                  + "' go to "
                  + where
                  + " over plain TCP (loopback, so they stay on this host); use tls() if the"
                  + " broker may move to another host");
        } else if (!allowPlaintextCredentials) {
          throw new IllegalStateException(
              "link '"
                  + name
                  + "': credentials for '"
                  + username
                  + "' would go to "
                  + where
                  + " over plain TCP, readable by anyone on the path: configure tls() (or"
                  + " tlsTrust(caPem)), or, on a network you trust end to end,"
                  + " allowPlaintextCredentials()");
        }
      }
      return new MqttLink(this);
    }
  }
}
