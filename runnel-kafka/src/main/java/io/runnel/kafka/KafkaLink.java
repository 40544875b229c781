package io.runnel.kafka;

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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A link between a pipeline and one Kafka cluster (the official {@code kafka-clients}), registered
 * as a {@link Connector}. See the package documentation and {@code
 * docs/decisions/019-kafka-link.md} for the guarantees; in short:
 *
 * <ul>
 *   <li>{@link #publishHistory} forwards persisted records (a fixed set, or every record under a
 *       key prefix, including records added while the link runs: {@link KeySelector}) from a {@link
 *       HistoryStore} through a durable cursor (the shared {@code HistoryReader}) with an
 *       idempotent producer and {@code acks=all}; the cursor moves only past sends the cluster
 *       acknowledged, in sequence order. <b>At least once</b>; and <b>exactly once per {@code
 *       (node, sequence)}</b> for a consumer that removes duplicates by the {@link KafkaHeaders}
 *       ({@value KafkaHeaders#NODE}, {@value KafkaHeaders#SEQUENCE}). The message key is {@code
 *       <record key>@<node id>}: one key's values from one node stay in one partition, in order.
 *   <li>{@link #publish} gives a tap task that sends each live value through a bounded queue (never
 *       blocks the pipeline; when full, the oldest are dropped and counted): best effort.
 *   <li>{@link #subscribe} gives a source fed by a consumer group; an offset is committed only
 *       after its value is in the pipeline (and durable in the store, with {@code persistedIn}), so
 *       a crash re-delivers rather than loses. Undecodable messages go to the dead-letter record
 *       with topic, partition, offset and the error.
 *   <li>{@link #status()}: connected, last error, backlog, in flight, consumer lag, counters.
 * </ul>
 *
 * <pre>{@code
 * KafkaLink kafka = KafkaLink.builder("kafka-1:9093", "station-7").tlsTrust(caPem).build();
 * kafka.publishHistory(store, Key.READING, "readings", "kafka");     // cursor "kafka"
 * Runnel.builder()
 *     .connector(kafka)
 *     .configure(Reading.class, Key.READING, r -> r.source(sensor).hook(Persist.to(store, codec)))
 *     .configure(Command.class, Key.COMMAND, r -> r
 *         .source(kafka.subscribe(Topics.of("commands"), "station-7", commandCodec)))
 *     .build().start();
 * }</pre>
 *
 * <p>Threads: the producer's I/O thread (one, shared by every route of the link), a live sender,
 * one thread per history route and one consumer thread per subscription. None of them is a pipeline
 * lane; tap and source tasks only touch in-memory queues, so the client's blocking ({@code
 * max.block.ms}, polls, commits) never reaches a lane.
 */
public final class KafkaLink implements Connector {

  /** The connector kind, also the default {@linkplain Builder#name(String) name}. */
  static final String KIND = "kafka";

  private final String name;
  private final String nodeId;
  private final byte[] nodeBytes;
  private final String bootstrap;
  private final Map<String, Object> producerConfig;
  private final Map<String, Object> consumerConfig;
  private final Duration closeTimeout;
  private final int maxInflight;
  private final int inboundQueue;
  private final RecordKey deadLetterKey;

  private final ErrorLog errors;
  private final LiveSender live;
  private final List<HistoryRoute> routes = new CopyOnWriteArrayList<>();
  private final List<Subscription<?>> subscriptions = new CopyOnWriteArrayList<>();
  private final List<Thread> threads = new ArrayList<>();
  private final Object lifecycle = new Object();
  private volatile boolean started;
  private volatile boolean closed;
  private volatile boolean stopping;
  private volatile long closeDeadline;
  private volatile KafkaProducer<byte[], byte[]> producer;
  private boolean liveUsed;

  private KafkaLink(Builder b) {
    this.name = b.name;
    this.nodeId = b.nodeId;
    this.nodeBytes = KafkaHeaders.utf8(nodeId);
    this.bootstrap = b.bootstrap;
    this.closeTimeout = b.closeTimeout;
    this.maxInflight = b.maxInflight;
    this.inboundQueue = b.inboundQueue;
    this.deadLetterKey = b.deadLetters;
    this.errors = LinkErrors.of(name);
    Map<String, Object> common = new LinkedHashMap<>();
    common.put("bootstrap.servers", bootstrap);
    common.put("reconnect.backoff.ms", b.reconnectMin.toMillis());
    common.put("reconnect.backoff.max.ms", b.reconnectMax.toMillis());
    common.put("retry.backoff.ms", b.reconnectMin.toMillis());
    common.put("retry.backoff.max.ms", b.reconnectMax.toMillis());
    common.putAll(b.security);
    common.putAll(b.properties);
    Map<String, Object> prod = new LinkedHashMap<>();
    prod.put("client.id", "runnel-" + name + "-" + nodeId);
    prod.put("enable.idempotence", "true");
    prod.put("acks", "all");
    prod.put("max.in.flight.requests.per.connection", "5");
    prod.put("max.block.ms", "1000");
    prod.put("delivery.timeout.ms", Long.toString(b.deliveryTimeout.toMillis()));
    prod.put("compression.type", "none");
    prod.putAll(common);
    prod.putAll(b.producerProperties);
    // the guarantees rest on these: not overridable
    prod.put("enable.idempotence", "true");
    prod.put("acks", "all");
    prod.put("key.serializer", ByteArraySerializer.class.getName());
    prod.put("value.serializer", ByteArraySerializer.class.getName());
    this.producerConfig = Map.copyOf(prod);
    Map<String, Object> cons = new LinkedHashMap<>();
    cons.put("auto.offset.reset", "earliest");
    cons.put("max.poll.records", "500");
    cons.putAll(common);
    cons.putAll(b.consumerProperties);
    this.consumerConfig = Map.copyOf(cons);
    this.live =
        new LiveSender(context(), b.liveQueue, b.liveQueueBytes, b.liveOverflow, b.maxInflight);
  }

  /**
   * Starts configuring a link to the cluster at {@code bootstrapServers} ({@code host:port[,...]})
   * for the node {@code nodeId}: a stable name of this device or process (letters, digits, {@code .
   * _ - :}), carried in every message's {@value KafkaHeaders#NODE} header and key. Two nodes with
   * one id and one topic make their sequences ambiguous: give every history store its own.
   */
  public static Builder builder(String bootstrapServers, String nodeId) {
    return new Builder(bootstrapServers, nodeId);
  }

  @Override
  public String name() {
    return name;
  }

  /** The node id of this link. */
  public String nodeId() {
    return nodeId;
  }

  // ---------------------------------------------------------------------------------- outbound

  /**
   * Forwards the persisted record {@code key} of {@code store} to {@code topic}; see {@link
   * #publishHistory(HistoryStore, Collection, String, String)}.
   */
  public void publishHistory(HistoryStore store, RecordKey key, String topic, String cursorName) {
    publishHistory(store, List.of(Checks.notNull("key", key)), topic, cursorName);
  }

  /**
   * Forwards the persisted records {@code keys} of {@code store} to {@code topic}, from the
   * position of the durable cursor {@code cursorName} (created at 0, i.e. everything, if new), on a
   * thread of the link. Only durable entries are sent, as stored (the payload is the bytes the
   * record's codec wrote; the {@value KafkaHeaders#SCHEMA} header names the codec). The cursor
   * moves only past entries the cluster acknowledged ({@code acks=all}), in sequence order, however
   * many sends are in flight ({@link Builder#maxInflight}). After a broker outage, a crash or a
   * restart with the same store and cursor name, forwarding resumes from the cursor: at least once;
   * a consumer that keeps the first message per ({@value KafkaHeaders#NODE}, {@value
   * KafkaHeaders#SEQUENCE}) sees each persisted value exactly once. Call before the link starts.
   */
  public void publishHistory(
      HistoryStore store, Collection<? extends RecordKey> keys, String topic, String cursorName) {
    Checks.notNull("store", store);
    Checks.notNull("keys", keys);
    if (keys.isEmpty()) {
      throw new IllegalArgumentException("link '" + name + "': publishHistory needs a key");
    }
    keys.forEach(k -> Checks.notNull("key", k));
    publishHistory(store, KeySelector.of(keys), topic, cursorName);
  }

  /**
   * Forwards the persisted records that {@code keys} selects, as {@link
   * #publishHistory(HistoryStore, Collection, String, String)} does for a fixed set; with a
   * {@linkplain KeySelector#prefix prefix} the route's key set grows while the link runs: a record
   * added to the running pipeline ({@code Runnel.add}) and persisted under the prefix is forwarded
   * from its first durable entry, with the same headers and key ({@code <record>@<node>}) as the
   * others, through the same cursor. Call before the link starts.
   *
   * <pre>{@code
   * kafka.publishHistory(store, KeySelector.prefix("station."), "readings", "kafka-readings");
   * }</pre>
   */
  public void publishHistory(
      HistoryStore store, KeySelector keys, String topic, String cursorName) {
    Checks.notNull("store", store);
    Checks.notNull("keys", keys);
    Topics.checkTopic(topic);
    Checks.keySyntax("cursor name", Checks.notNull("cursorName", cursorName));
    requireNotStarted("publishHistory");
    for (HistoryRoute r : routes) {
      if (r.cursorName().equals(cursorName)) {
        throw new IllegalArgumentException(
            "link '" + name + "': cursor '" + cursorName + "' is already used by another route");
      }
    }
    routes.add(new HistoryRoute(context(), store, keys, topic, cursorName, maxInflight));
  }

  /** Sends each live value to a fixed topic; see {@link #publish(Codec, Function)}. */
  public <T> TapTask<T> publish(Codec<? super T> codec, String topic) {
    Topics.checkTopic(topic);
    return publish(codec, v -> topic);
  }

  /**
   * A tap task (attach it with {@code Registration.tapTask(name, task)}) that encodes each value of
   * the record and sends it to {@code topic.apply(value)}, keyed {@code <record>@<node>}, with the
   * {@value KafkaHeaders#NODE}, {@value KafkaHeaders#RECORD} and {@value KafkaHeaders#SCHEMA}
   * headers (no sequence: live values are not persisted).
   *
   * <p>It never blocks the pipeline: values go into the link's bounded live queue ({@link
   * Builder#liveQueue}, {@link Builder#liveQueueBytes}), which the link's sender drains. When the
   * queue is full the oldest value (or, with {@link Builder#liveOverflow} {@code DROP_NEWEST}, the
   * new one) is dropped and counted ({@code live.dropped}). A send that fails because the cluster
   * cannot be reached is put back at the head of the queue; other failures are counted ({@code
   * live.sendFailures}). Best effort: what is queued when the process stops is lost.
   */
  public <T> TapTask<T> publish(Codec<? super T> codec, Function<? super T, String> topic) {
    Checks.notNull("codec", codec);
    Codec.requireUsable(codec); // a broken version chain: every problem in one message
    Checks.notNull("topic", topic);
    synchronized (lifecycle) {
      requireNotStarted("publish");
      liveUsed = true;
    }
    return (ctx, in) -> {
      requireStarted("publish");
      live.forward(ctx, in, codec, topic);
    };
  }

  // ---------------------------------------------------------------------------------- inbound

  /**
   * A source that writes the record from the messages of {@code topics}, read by a consumer of the
   * group {@code groupId}. The offset of a message is committed only after its value was produced
   * (so a crash re-delivers it: at least once). For a record persisted with {@code Persist}, use
   * {@link #subscribe(Topics, String, Codec, HistoryStore)} so that commits also wait until the
   * value is durable. A message that does not decode (or has no value) never stops the source: it
   * is counted ({@code deadLetters}), logged and, if configured, produced to the dead-letter record
   * as a {@link KafkaDeadLetter}; its offset is then committed. Call before the link starts.
   */
  public <T> Source<T> subscribe(Topics topics, String groupId, Codec<T> codec) {
    return addSubscription(topics, groupId, codec, null);
  }

  /**
   * Like {@link #subscribe(Topics, String, Codec)} for a record persisted in {@code persistedIn}:
   * an offset is committed only once the store is durable past the value (the link asks the store
   * to force, at most every 100 ms), so a crash or a power cut never loses a message the group has
   * passed.
   */
  public <T> Source<T> subscribe(
      Topics topics, String groupId, Codec<T> codec, HistoryStore persistedIn) {
    return addSubscription(topics, groupId, codec, Checks.notNull("persistedIn", persistedIn));
  }

  private <T> Source<T> addSubscription(
      Topics topics, String groupId, Codec<T> codec, HistoryStore store) {
    Checks.notNull("topics", topics);
    Checks.notBlank("groupId", groupId);
    Checks.notNull("codec", codec);
    Codec.requireUsable(codec); // a broken version chain: every problem in one message
    requireNotStarted("subscribe");
    Properties p = new Properties();
    p.putAll(consumerConfig);
    p.put(
        "client.id", "runnel-" + name + "-" + nodeId + "-" + groupId + "-" + subscriptions.size());
    Subscription<T> s =
        new Subscription<>(
            this, errors, topics, groupId, codec, store, p, inboundQueue, deadLetterKey);
    subscriptions.add(s);
    return s;
  }

  // ---------------------------------------------------------------------------------- lifecycle

  @Override
  public void start(Runnel runnel) {
    synchronized (lifecycle) {
      if (started || closed) {
        throw new IllegalStateException(
            "Kafka link '" + name + "' was already started; a link belongs to one pipeline run");
      }
      for (Subscription<?> s : subscriptions) {
        s.start(runnel);
      }
      if (!routes.isEmpty() || liveUsed) {
        Properties p = new Properties();
        p.putAll(producerConfig);
        producer = new KafkaProducer<>(p); // connects in the background, on its I/O thread
      }
      started = true;
    }
    String prefix = "runnel-kafka[" + name + "]-";
    if (producer != null && liveUsed) {
      threads.add(Thread.ofPlatform().daemon().name(prefix + "live").start(live));
    }
    for (HistoryRoute r : routes) {
      threads.add(Thread.ofPlatform().daemon().name(prefix + "history-" + r.cursorName()).start(r));
    }
    for (Subscription<?> s : subscriptions) {
      threads.add(
          Thread.ofPlatform()
              .daemon()
              .name(prefix + "consumer-" + s.groupId)
              .start(s::consumerLoop));
    }
  }

  /**
   * Stops within the close timeout: history routes get until then for their outstanding sends to be
   * acknowledged and commit their cursors (what was not acknowledged is sent again by the next
   * run); the live queue is sent as far as the time allows (what remains is not sent: live values
   * are best effort); consumers commit what is done (and durable) and leave their group; the
   * producer closes.
   */
  @Override
  public void close() {
    synchronized (lifecycle) {
      if (closed) {
        return;
      }
      closed = true;
      if (!started) {
        return;
      }
    }
    long deadline = System.nanoTime() + closeTimeout.toNanos();
    closeDeadline = deadline;
    stopping = true;
    for (Subscription<?> s : subscriptions) {
      s.stop(deadline);
    }
    try {
      if (producer != null && liveUsed) {
        live.drain(deadline);
        live.awaitAcknowledged(deadline);
      }
      for (Thread t : threads) {
        t.join(Duration.ofNanos(Math.max(1_000_000, deadline - System.nanoTime())));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      KafkaProducer<byte[], byte[]> p = producer;
      if (p != null) {
        try {
          p.close(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        } catch (RuntimeException e) {
          errors.report("closing the producer", e);
        }
      }
      for (Thread t : threads) {
        t.interrupt();
      }
    }
  }

  void requireStarted(String what) {
    if (!started) {
      throw new IllegalStateException(
          "Kafka link '"
              + name
              + "' is not started, so "
              + what
              + " cannot run: register the link with Runnel.builder().connector(link)");
    }
  }

  private void requireNotStarted(String what) {
    if (started || closed) {
      throw new IllegalStateException(
          "Kafka link '" + name + "': " + what + "(...) must be called before the link starts");
    }
  }

  private RouteContext context() {
    return new RouteContext() {
      @Override
      public Producer<byte[], byte[]> producer() {
        return producer;
      }

      @Override
      public ErrorLog errors() {
        return errors;
      }

      @Override
      public String nodeId() {
        return nodeId;
      }

      @Override
      public byte[] nodeBytes() {
        return nodeBytes;
      }

      @Override
      public String bootstrap() {
        return bootstrap;
      }

      @Override
      public boolean stopping() {
        return stopping;
      }

      @Override
      public long closeDeadline() {
        return closeDeadline;
      }
    };
  }

  // ---------------------------------------------------------------------------------- status

  /** The value of the client metric {@code connection-count} (0 if absent). */
  static long connectionCount(Map<MetricName, ? extends Metric> metrics) {
    long n = 0;
    for (Map.Entry<MetricName, ? extends Metric> e : metrics.entrySet()) {
      MetricName m = e.getKey();
      if (m.name().equals("connection-count") && m.group().endsWith("-metrics")) {
        Object v = e.getValue().metricValue();
        if (v instanceof Number num) {
          n += num.longValue();
        }
      }
    }
    return n;
  }

  private static long metric(Map<MetricName, ? extends Metric> metrics, String name) {
    for (Map.Entry<MetricName, ? extends Metric> e : metrics.entrySet()) {
      if (e.getKey().name().equals(name) && e.getKey().group().endsWith("-metrics")) {
        Object v = e.getValue().metricValue();
        if (v instanceof Number num && !Double.isNaN(num.doubleValue())) {
          return num.longValue();
        }
      }
    }
    return 0;
  }

  /**
   * The link now. {@code connected}: the producer or a consumer holds a connection to the cluster;
   * {@code backlog}: history entries not yet acknowledged plus live values queued or in flight;
   * {@code retries}: the producer's record retries plus history rewinds; {@code deadLetters}:
   * undecodable inbound messages. Counters include {@code inflight} (sends not yet acknowledged),
   * {@code lag} (messages the consumers have not yet taken, over every assigned partition), {@code
   * connections}, and per route ({@code history.<cursor>.*}), per subscription ({@code
   * inbound.<group>.*}) and for the live queue ({@code live.*}).
   */
  @Override
  public ConnectorStatus status() {
    Map<String, Long> counters = new TreeMap<>();
    KafkaProducer<byte[], byte[]> p = producer;
    long connections = 0;
    long retries = 0;
    if (p != null) {
      Map<MetricName, ? extends Metric> m = p.metrics();
      connections += connectionCount(m);
      retries += metric(m, "record-retry-total");
      counters.put("producer.errors", metric(m, "record-error-total"));
    }
    long backlog = 0;
    long inflight = 0;
    if (liveUsed) {
      live.addCounters(counters);
      backlog += live.backlog();
      inflight += live.inflight();
    }
    for (HistoryRoute r : routes) {
      backlog += r.addCounters(counters);
      inflight += r.inflight();
      retries += counters.getOrDefault("history." + r.cursorName() + ".rewinds", 0L);
    }
    long lag = 0;
    long deadLetters = 0;
    for (Subscription<?> s : subscriptions) {
      s.addCounters(counters);
      connections += connectionCount(s.metrics());
      lag += s.lag();
      deadLetters += s.deadLetters();
    }
    counters.put("connections", connections);
    counters.put("inflight", inflight);
    counters.put("lag", lag);
    return new ConnectorStatus(
        name, KIND, connections > 0, errors.lastError(), backlog, retries, deadLetters, counters);
  }

  @Override
  public String toString() {
    return "KafkaLink["
        + name
        + " -> "
        + bootstrap
        + ", node "
        + nodeId
        + ", "
        + producerConfig.getOrDefault("security.protocol", "PLAINTEXT")
        + "]";
  }

  // ---------------------------------------------------------------------------------- builder

  /**
   * Configures a {@link KafkaLink}. Immutable: every option returns a new builder and leaves the
   * receiver unchanged. Options check their argument at once ({@code NullPointerException} "...
   * must not be null" or {@code IllegalArgumentException}); {@link #build()} checks what depends on
   * several (credentials and TLS).
   */
  public static final class Builder {
    private final String bootstrap;
    private final String nodeId;
    private String name = KIND;
    private Map<String, Object> properties = Map.of();
    private Map<String, Object> producerProperties = Map.of();
    private Map<String, Object> consumerProperties = Map.of();
    private Map<String, Object> security = Map.of();
    private Duration reconnectMin = Duration.ofMillis(100);
    private Duration reconnectMax = Duration.ofSeconds(10);
    private Duration deliveryTimeout = Duration.ofMinutes(2);
    private Duration closeTimeout = Duration.ofSeconds(3);
    private int maxInflight = 1000;
    private int liveQueue = 10_000;
    private long liveQueueBytes = 8L << 20;
    private LiveOverflow liveOverflow = LiveOverflow.DROP_OLDEST;
    private int inboundQueue = 10_000;
    private RecordKey deadLetters;
    private boolean allowPlaintextCredentials;

    private Builder(String bootstrap, String nodeId) {
      Checks.notBlank("bootstrapServers", bootstrap);
      for (String hp : bootstrap.split(",")) {
        hostOf(hp.trim()); // checks host:port
      }
      Checks.notBlank("nodeId", nodeId);
      if (!nodeId.matches("[A-Za-z0-9._:-]{1,128}")) {
        throw new IllegalArgumentException(
            "nodeId '" + nodeId + "': 1 to 128 of A-Z, a-z, 0-9, '.', '_', '-' and ':'");
      }
      this.bootstrap = bootstrap;
      this.nodeId = nodeId;
    }

    private Builder(Builder o) {
      this.bootstrap = o.bootstrap;
      this.nodeId = o.nodeId;
      this.name = o.name;
      this.properties = o.properties;
      this.producerProperties = o.producerProperties;
      this.consumerProperties = o.consumerProperties;
      this.security = o.security;
      this.reconnectMin = o.reconnectMin;
      this.reconnectMax = o.reconnectMax;
      this.deliveryTimeout = o.deliveryTimeout;
      this.closeTimeout = o.closeTimeout;
      this.maxInflight = o.maxInflight;
      this.liveQueue = o.liveQueue;
      this.liveQueueBytes = o.liveQueueBytes;
      this.liveOverflow = o.liveOverflow;
      this.inboundQueue = o.inboundQueue;
      this.deadLetters = o.deadLetters;
      this.allowPlaintextCredentials = o.allowPlaintextCredentials;
    }

    private static Map<String, Object> with(Map<String, Object> m, String k, Object v) {
      Map<String, Object> c = new LinkedHashMap<>(m);
      c.put(k, v);
      return Map.copyOf(c);
    }

    /**
     * The link's name, unique among the pipeline's connectors (status, logs, thread and client
     * names). Default {@code "kafka"}. It must be a valid record key id.
     */
    public Builder name(String name) {
      Checks.notBlank("name", name);
      Checks.keySyntax("link name", name);
      Builder b = new Builder(this);
      b.name = name;
      return b;
    }

    /**
     * A {@code kafka-clients} configuration property for the producer and every consumer (e.g.
     * {@code ssl.endpoint.identification.algorithm}, {@code client.dns.lookup}); see the client's
     * documentation. It overrides what the typed options set, except {@code enable.idempotence},
     * {@code acks}, the serializers and {@code enable.auto.commit}, on which the guarantees rest.
     */
    public Builder property(String key, Object value) {
      Checks.notBlank("key", key);
      Checks.notNull("value", value);
      Builder b = new Builder(this);
      b.properties = with(properties, key, value);
      return b;
    }

    /** A property for the producer only (e.g. {@code batch.size}, {@code linger.ms}). */
    public Builder producerProperty(String key, Object value) {
      Checks.notBlank("key", key);
      Checks.notNull("value", value);
      Builder b = new Builder(this);
      b.producerProperties = with(producerProperties, key, value);
      return b;
    }

    /** A property for the consumers only (e.g. {@code auto.offset.reset}, default earliest). */
    public Builder consumerProperty(String key, Object value) {
      Checks.notBlank("key", key);
      Checks.notNull("value", value);
      Builder b = new Builder(this);
      b.consumerProperties = with(consumerProperties, key, value);
      return b;
    }

    /** TLS with the JVM's default trust store (public CAs); the broker's host name is verified. */
    public Builder tls() {
      Builder b = new Builder(this);
      b.security = withTls(security, null);
      return b;
    }

    /** TLS trusting the CA certificate(s) in a PEM file; the broker's host name is verified. */
    public Builder tlsTrust(Path caCertificatesPem) {
      Checks.notNull("caCertificatesPem", caCertificatesPem);
      Builder b = new Builder(this);
      b.security = withTls(security, caCertificatesPem);
      return b;
    }

    private static Map<String, Object> withTls(Map<String, Object> s, Path pem) {
      Map<String, Object> c = new LinkedHashMap<>(s);
      boolean sasl = String.valueOf(c.get("security.protocol")).startsWith("SASL");
      c.put("security.protocol", sasl ? "SASL_SSL" : "SSL");
      c.put("ssl.endpoint.identification.algorithm", "https");
      if (pem != null) {
        c.put("ssl.truststore.type", "PEM");
        c.put("ssl.truststore.location", pem.toAbsolutePath().toString());
      }
      return Map.copyOf(c);
    }

    /**
     * SASL/PLAIN with this user and password. PLAIN sends the password as it is: over plain TCP,
     * {@link #build()} refuses it to any broker but a loopback address ({@code localhost}, {@code
     * 127.0.0.0/8}, {@code ::1}), where it warns once; configure {@link #tls()} or {@link
     * #tlsTrust} (or, on a network you trust, {@link #allowPlaintextCredentials()}).
     */
    public Builder saslPlain(String username, String password) {
      return sasl(
          "PLAIN", "org.apache.kafka.common.security.plain.PlainLoginModule", username, password);
    }

    /**
     * SASL/SCRAM ({@code SCRAM-SHA-256} or {@code SCRAM-SHA-512}) with this user and password: the
     * password itself never travels, but without TLS the session does in clear text.
     */
    public Builder saslScram(String mechanism, String username, String password) {
      if (!"SCRAM-SHA-256".equals(mechanism) && !"SCRAM-SHA-512".equals(mechanism)) {
        throw new IllegalArgumentException(
            "SCRAM mechanism must be SCRAM-SHA-256 or SCRAM-SHA-512, got " + mechanism);
      }
      return sasl(
          mechanism, "org.apache.kafka.common.security.scram.ScramLoginModule", username, password);
    }

    private Builder sasl(String mechanism, String module, String username, String password) {
      Checks.notBlank("username", username);
      Checks.notNull("password", password);
      Map<String, Object> c = new LinkedHashMap<>(security);
      boolean tls = String.valueOf(c.get("security.protocol")).endsWith("SSL");
      c.put("security.protocol", tls ? "SASL_SSL" : "SASL_PLAINTEXT");
      c.put("sasl.mechanism", mechanism);
      c.put(
          "sasl.jaas.config",
          new org.apache.kafka.common.config.types.Password(
              module
                  + " required username=\""
                  + jaasEscape(username)
                  + "\" password=\""
                  + jaasEscape(password)
                  + "\";"));
      Builder b = new Builder(this);
      b.security = Map.copyOf(c);
      return b;
    }

    private static String jaasEscape(String s) {
      return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    /**
     * Lets SASL/PLAIN credentials go over plain TCP to a broker that is not on a loopback address
     * (default: refused at {@link #build()}). For a network you trust end to end.
     */
    public Builder allowPlaintextCredentials() {
      Builder b = new Builder(this);
      b.allowPlaintextCredentials = true;
      return b;
    }

    /**
     * Reconnect and retry delays of the client: exponential from {@code min} to {@code max} with
     * the client's jitter (default 100 ms to 10 s; {@code reconnect.backoff.ms}, {@code
     * reconnect.backoff.max.ms}, {@code retry.backoff.ms}, {@code retry.backoff.max.ms}).
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
     * How long the producer keeps retrying one send ({@code delivery.timeout.ms}, default 2 min);
     * after that a history route resends from its cursor, and a live value is dropped (counted).
     */
    public Builder deliveryTimeout(Duration timeout) {
      Checks.positive("deliveryTimeout", timeout);
      Builder b = new Builder(this);
      b.deliveryTimeout = timeout;
      return b;
    }

    /** How long {@link KafkaLink#close()} may take (default 3 s; zero: no flushing at all). */
    public Builder closeTimeout(Duration timeout) {
      Builder b = new Builder(this);
      b.closeTimeout = Checks.notNegative("closeTimeout", timeout);
      return b;
    }

    /** Most sends not yet acknowledged, per history route and for the live queue (default 1000). */
    public Builder maxInflight(int sends) {
      Builder b = new Builder(this);
      b.maxInflight = Checks.positive("maxInflight", sends);
      return b;
    }

    /**
     * Capacity of the live queue in messages (default 10 000); see also {@link #liveQueueBytes}:
     * whichever bound is reached first drops the oldest.
     */
    public Builder liveQueue(int messages) {
      Builder b = new Builder(this);
      b.liveQueue = Checks.positive("liveQueue", messages);
      return b;
    }

    /** Capacity of the live queue in payload bytes (default 8 MiB). */
    public Builder liveQueueBytes(long bytes) {
      Builder b = new Builder(this);
      b.liveQueueBytes = Checks.positive("liveQueueBytes", bytes);
      return b;
    }

    /**
     * What the full live queue drops: the oldest value (default) or the new one; counted either way
     * as {@code live.dropped}.
     */
    public Builder liveOverflow(LiveOverflow overflow) {
      Builder b = new Builder(this);
      b.liveOverflow = Checks.notNull("liveOverflow", overflow);
      return b;
    }

    /**
     * Records a subscription holds for its source before its consumer pauses fetching (default 10
     * 000): back-pressure, never loss.
     */
    public Builder inboundQueue(int records) {
      Builder b = new Builder(this);
      b.inboundQueue = Checks.positive("inboundQueue", records);
      return b;
    }

    /**
     * Where undecodable inbound messages go: a record of type {@link KafkaDeadLetter}, declared
     * {@code external()} in the pipeline. Without it they are only counted and logged.
     */
    public Builder deadLetters(RecordKey key) {
      Builder b = new Builder(this);
      b.deadLetters = Checks.notNull("deadLetters", key);
      return b;
    }

    /**
     * The link; fails if SASL/PLAIN credentials would go over plain TCP to a bootstrap server that
     * is not a loopback address (without {@link #allowPlaintextCredentials()}), however they were
     * configured (typed options or properties).
     */
    public KafkaLink build() {
      Map<String, Object> effective = new LinkedHashMap<>(security);
      effective.putAll(properties);
      String protocol = String.valueOf(effective.getOrDefault("security.protocol", "PLAINTEXT"));
      String mechanism = String.valueOf(effective.getOrDefault("sasl.mechanism", "GSSAPI"));
      if (protocol.equalsIgnoreCase("SASL_PLAINTEXT") && mechanism.equalsIgnoreCase("PLAIN")) {
        List<String> remote = new ArrayList<>();
        for (String hp : bootstrap.split(",")) {
          if (!Loopback.isLoopback(hostOf(hp.trim()))) {
            remote.add(hp.trim());
          }
        }
        if (remote.isEmpty()) {
          LinkErrors.LOG.log(
              System.Logger.Level.WARNING,
              "[kafka "
                  + name
                  + "] SASL/PLAIN credentials go to "
                  + bootstrap
                  + " over plain TCP (loopback, so they stay on this host); use tls() if the"
                  + " broker may move to another host");
        } else if (!allowPlaintextCredentials) {
          throw new IllegalStateException(
              "link '"
                  + name
                  + "': SASL/PLAIN credentials would go to "
                  + String.join(",", remote)
                  + " over plain TCP (SASL_PLAINTEXT), readable by anyone on the path: configure"
                  + " tls() or tlsTrust(caPem) (SASL_SSL), or, on a network you trust end to end,"
                  + " allowPlaintextCredentials()");
        }
      }
      return new KafkaLink(this);
    }

    /** The host of {@code host:port} (IPv6 literals in brackets); checks the port. */
    static String hostOf(String hostPort) {
      int colon = hostPort.lastIndexOf(':');
      if (colon <= 0 || colon == hostPort.length() - 1) {
        throw new IllegalArgumentException(
            "bootstrap server '" + hostPort + "' must be host:port (e.g. 127.0.0.1:9092)");
      }
      String host = hostPort.substring(0, colon);
      int port;
      try {
        port = Integer.parseInt(hostPort.substring(colon + 1));
      } catch (NumberFormatException e) {
        port = -1;
      }
      if (port <= 0 || port > 65535) {
        throw new IllegalArgumentException(
            "bootstrap server '" + hostPort + "': port must be 1..65535");
      }
      return host;
    }
  }
}
