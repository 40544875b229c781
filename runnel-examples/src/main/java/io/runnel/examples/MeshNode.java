package io.runnel.examples;

import io.runnel.RecordKey;
import io.runnel.Runnel;
import io.runnel.RunnelBuilder;
import io.runnel.Ticker;
import io.runnel.buffer.BufferSpec;
import io.runnel.buffer.Producer;
import io.runnel.codec.Codec;
import io.runnel.kafka.KafkaLink;
import io.runnel.mqtt.MqttLink;
import io.runnel.mqtt.Qos;
import io.runnel.spi.ConnectorStatus;
import io.runnel.store.Durability;
import io.runnel.store.HistoryStore;
import io.runnel.store.KeySelector;
import io.runnel.store.OverflowPolicy;
import io.runnel.store.Persist;
import io.runnel.store.StoreConfig;
import io.runnel.store.StoreFullException;
import io.runnel.store.StoredEntry;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The processes of the {@linkplain Mesh sensor mesh}: {@code station}, {@code hub} and {@code
 * cloud}, each started by the orchestrator as {@code MeshNode ROLE --option value ...}, talking to
 * it through standard input ({@code stop}, {@code EXPECT ...}) and output ({@code READY}, {@code
 * DONE ...}, {@code VERDICT ...}).
 */
public final class MeshNode {

  /** One station's reading; {@code producedMicros} is the wall clock at production. */
  public record Reading(String node, long seq, double value, long producedMicros) {}

  /** The mean of the stations' latest readings, derived at the hub. */
  public record SiteAverage(double celsius, int stations, long producedMicros) {}

  /** A station's reading crossed {@link #ALERT_LIMIT} upwards. */
  public record SiteAlert(String node, long seq, double celsius, double limit) {}

  static final String READINGS_TOPIC = "mesh.readings";
  static final String SITE_TOPIC = "mesh.site";

  /** The hub's one MQTT subscription: every station's readings. */
  static final String WILDCARD = "mesh/+/reading";

  /**
   * Every station's readings at the hub, in arrival order: the fan-in from the one MQTT
   * subscription to the {@code discover} tap. Not persisted: each reading's history is its station
   * record's.
   */
  static final RecordKey ALL_READINGS = RecordKey.of("hub.readings");

  /** The hub's station records, {@code station.<node>}: what its Kafka route forwards. */
  static final KeySelector STATIONS = KeySelector.prefix("station.");

  /**
   * The hub's fan-in ring: the {@code discover} tap may fall this many readings behind the MQTT
   * subscription before it misses some (counted, and reported as {@code missed}): about 7 s at 9
   * 000 readings/s.
   */
  static final int FAN_IN_RING = 1 << 16;

  static final double ALERT_LIMIT = 21.0;

  /** The hub derives the site average at most this often. */
  static final Duration AVERAGE_EVERY = Duration.ofMillis(100);

  static final Codec<Reading> CODEC = Codec.forRecord(Reading.class);
  static final RecordKey AVERAGE = RecordKey.of("site.average");
  static final RecordKey ALERT = RecordKey.of("site.alert");

  /** The record of a station's readings, at the station and at the hub. */
  static RecordKey stationKey(String node) {
    return RecordKey.of("station." + node);
  }

  /** The MQTT topic of a station's readings. */
  static String topic(String node) {
    return "mesh/" + node + "/reading";
  }

  /** What the cloud found for one station. */
  record Verdict(String node, long expected, long received, long missing, long duplicates) {
    static Verdict parse(String line) {
      Map<String, String> m = new HashMap<>();
      for (String kv : line.substring("VERDICT ".length()).split(" ")) {
        String[] p = kv.split("=", 2);
        m.put(p[0], p[1]);
      }
      return new Verdict(
          m.get("node"),
          Long.parseLong(m.get("expected")),
          Long.parseLong(m.get("received")),
          Long.parseLong(m.get("missing")),
          Long.parseLong(m.get("duplicates")));
    }
  }

  private MeshNode() {}

  /** The Kafka clients log their reconnects at INFO: the mesh kills the broker on purpose. */
  static final java.util.logging.Logger QUIET_KAFKA =
      java.util.logging.Logger.getLogger("org.apache.kafka");

  /** {@code MeshNode station|hub|cloud --key value ...}; see {@link Mesh}. */
  public static void main(String[] args) throws Exception {
    Map<String, String> o = new HashMap<>();
    for (int i = 1; i + 1 < args.length; i += 2) {
      o.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    }
    QUIET_KAFKA.setLevel(java.util.logging.Level.WARNING);
    PrintStream out = System.out;
    List<String> nodes = o.containsKey("nodes") ? List.of(o.get("nodes").split(",")) : List.of();
    int status =
        switch (args[0]) {
          case "station" ->
              station(
                  out,
                  nodes,
                  Path.of(o.get("dir")),
                  Integer.parseInt(o.get("mqtt-port")),
                  Integer.parseInt(o.get("rate")));
          case "hub" ->
              hub(out, Path.of(o.get("dir")), Integer.parseInt(o.get("mqtt-port")), o.get("kafka"));
          case "cloud" -> cloud(out, nodes, o.get("kafka"));
          default -> throw new IllegalArgumentException("unknown role " + args[0]);
        };
    out.flush();
    System.exit(status);
  }

  private static HistoryStore store(Path dir) throws java.io.IOException {
    return HistoryStore.open(
        StoreConfig.builder(dir).durability(Durability.every(Duration.ofMillis(20))).build());
  }

  /** Blocks until standard input says {@code stop} (or closes). */
  private static void awaitStop(BufferedReader in) throws java.io.IOException {
    for (String line; (line = in.readLine()) != null; ) {
      if (line.trim().equals("stop")) {
        return;
      }
    }
  }

  private static BufferedReader stdin() {
    return new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
  }

  private static void awaitBacklog(
      java.util.function.Supplier<ConnectorStatus> status, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (status.get().backlog() > 0 && System.nanoTime() - deadline < 0) {
      Thread.sleep(20);
    }
  }

  // ------------------------------------------------------------------------------------ station

  /**
   * Stations {@code nodes}, one record each, {@code rate} readings a second, persisted in {@code
   * dir} and published over MQTT from history. A restart on the same directory continues each
   * station's sequence after the last persisted reading.
   */
  static int station(PrintStream out, List<String> nodes, Path dir, int mqttPort, int rate)
      throws Exception {
    BufferedReader in = stdin();
    try (HistoryStore store = store(dir)) {
      MqttLink mqtt =
          MqttLink.builder()
              .broker("127.0.0.1", mqttPort)
              .clientId("mesh-" + dir.getFileName())
              .maxInflight(1000)
              .build();
      List<RecordKey> keys = nodes.stream().map(MeshNode::stationKey).toList();
      mqtt.publishHistory(store, keys, CODEC, r -> topic(r.node()), "mqtt");
      Map<String, AtomicLong> next = new LinkedHashMap<>();
      for (String node : nodes) {
        List<StoredEntry> last = store.latest(stationKey(node), 1);
        next.put(node, new AtomicLong(last.isEmpty() ? 0 : last.get(0).decode(CODEC).seq() + 1));
      }
      RunnelBuilder b = Runnel.builder().name("mesh-" + dir.getFileName()).connector(mqtt);
      Duration period = Duration.ofNanos(1_000_000_000L / rate);
      volatileProducing = true;
      int index = 0;
      java.util.concurrent.CountDownLatch stopped =
          new java.util.concurrent.CountDownLatch(nodes.size());
      for (String node : nodes) {
        int n = index++;
        AtomicLong seq = next.get(node);
        b.configure(
            Reading.class,
            stationKey(node),
            r ->
                r.buffer(BufferSpec.latest())
                    .hook(Persist.to(store, CODEC))
                    .source(
                        (ctx, o) -> {
                          try {
                            produce(ctx, o, node, seq, rate, period, n, nodes.size());
                          } finally {
                            stopped.countDown();
                          }
                        }));
      }
      try (Runnel runnel = b.build().start()) {
        out.println("READY station " + nodes + " resuming at " + next);
        awaitStop(in);
        volatileProducing = false;
        // every source out of its loop, so no reading is appended after the count below
        if (!stopped.await(10, java.util.concurrent.TimeUnit.SECONDS)) {
          throw new IllegalStateException("the station sources did not stop within 10 s");
        }
        store.sync();
        // the rest of the history to the broker (acknowledged), bounded
        awaitBacklog(
            () -> runnel.inspect().connector("mqtt").orElseThrow(), Duration.ofSeconds(30));
        ConnectorStatus s = runnel.inspect().connector("mqtt").orElseThrow();
        StringBuilder done = new StringBuilder("DONE");
        for (String node : nodes) {
          List<StoredEntry> last = store.latest(stationKey(node), 1);
          long count = last.isEmpty() ? 0 : last.get(0).decode(CODEC).seq() + 1;
          done.append(' ').append(node).append('=').append(count);
        }
        out.println("mqtt backlog at stop: " + s.backlog() + ", counters " + s.counters());
        out.println(done);
      }
    }
    return 0;
  }

  private static volatile boolean volatileProducing;

  /** One station's readings at {@code rate} a second until {@link #volatileProducing} clears. */
  private static void produce(
      io.runnel.RuntimeContext ctx,
      io.runnel.buffer.Producer<Reading> o,
      String node,
      AtomicLong seq,
      int rate,
      Duration period,
      int n,
      int stations)
      throws InterruptedException {
    SplittableRandom random = new SplittableRandom(node.hashCode());
    // spread the stations over the period, as real ones would be
    ctx.sleep(Duration.ofNanos(period.toNanos() * n / stations));
    Ticker ticker = ctx.ticker(period);
    double phase = random.nextDouble() * 6.28;
    while (true) {
      ticker.await();
      if (!volatileProducing) {
        return;
      }
      long s = seq.get();
      double v = 20 + Math.sin(phase + s / (rate * 5.0)) + random.nextGaussian() * 0.1;
      o.produce(new Reading(node, s, v, nowMicros()));
      seq.incrementAndGet();
    }
  }

  static long nowMicros() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
  }

  // ---------------------------------------------------------------------------------------- hub

  /**
   * The hub: one MQTT subscription to every station ({@value #WILDCARD}) into {@link
   * #ALL_READINGS}, the fan-in. It knows no station list: on the first reading of a station it has
   * not seen, its {@code discover} tap adds the record {@code station.<node>} (persisted) to the
   * running pipeline with {@link Runnel#add}, and from then on routes that station's readings into
   * it; the same tap derives the site average over the stations known (at most every {@link
   * #AVERAGE_EVERY}) and the alerts.
   *
   * <p>The Kafka route forwards the station records from history through one prefix route ({@link
   * #STATIONS}, cursor {@code kafka-readings}): its key set grows as the tap adds records, so a
   * station discovered at run time is forwarded from its first persisted reading, keyed {@code
   * station.<node>@hub} (one station's readings in one partition, in order). {@link #ALL_READINGS}
   * is only the fan-in and is not persisted: each reading is written once, in its station's record
   * (its own history, queryable per station: {@code runnel cli store dump --key station.s01}; and
   * its live value: remote, dashboard). A reading reaches history only through the tap, so the tap
   * must not lose any: its ring holds {@link #FAN_IN_RING} readings (what it missed is counted and
   * printed, and {@code MeshTest} requires 0), and when the store's queue is full it waits and
   * retries rather than drop (counted as {@code storeFull}).
   */
  static int hub(PrintStream out, Path dir, int mqttPort, String kafka) throws Exception {
    BufferedReader in = stdin();
    try (HistoryStore store = store(dir)) {
      MqttLink mqtt =
          MqttLink.builder()
              .broker("127.0.0.1", mqttPort)
              .clientId("mesh-hub")
              .inboundQueue(100_000)
              .build();
      KafkaLink link =
          KafkaLink.builder(kafka, "hub")
              .reconnect(Duration.ofMillis(100), Duration.ofSeconds(1))
              .build();
      RunnelBuilder b = Runnel.builder().name("mesh-hub").connector(mqtt).connector(link);
      AtomicReference<Runnel> self = new AtomicReference<>();
      Discovery discovery = new Discovery(self, store);
      b.configure(
          Reading.class,
          ALL_READINGS,
          r ->
              r.buffer(BufferSpec.ring(FAN_IN_RING))
                  .source(mqtt.subscribe(WILDCARD, CODEC, Qos.AT_LEAST_ONCE))
                  .tapTask("discover", discovery::run));
      b.configure(
          SiteAverage.class,
          AVERAGE,
          r ->
              r.external()
                  .buffer(BufferSpec.latest())
                  .hook(Persist.to(store, Codec.forRecord(SiteAverage.class))));
      b.configure(
          SiteAlert.class,
          ALERT,
          r ->
              r.external()
                  .buffer(BufferSpec.ring(64))
                  .hook(Persist.to(store, Codec.forRecord(SiteAlert.class))));
      link.publishHistory(store, STATIONS, READINGS_TOPIC, "kafka-readings");
      link.publishHistory(store, List.of(AVERAGE, ALERT), SITE_TOPIC, "kafka-site");
      Runnel built = b.build();
      self.set(built);
      try (Runnel runnel = built.start()) {
        // stations publish only once the hub's subscription exists: the broker keeps QoS 1
        // messages for a subscribed session, not for one that has not subscribed yet
        long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (counter(runnel, "mqtt", "subscribed") < 1) {
          if (System.nanoTime() - until > 0) {
            throw new IllegalStateException(
                "the hub's MQTT subscription was not acknowledged within 30 s: "
                    + runnel.inspect().connector("mqtt").orElseThrow());
          }
          Thread.sleep(20);
        }
        out.println("READY hub subscribed to " + WILDCARD);
        awaitStop(in);
        awaitBacklog(
            () -> runnel.inspect().connector("kafka").orElseThrow(), Duration.ofSeconds(20));
        ConnectorStatus m = runnel.inspect().connector("mqtt").orElseThrow();
        ConnectorStatus k = runnel.inspect().connector("kafka").orElseThrow();
        long stationRecords =
            runnel.inspect().records().stream().filter(i -> i.key().startsWith("station.")).count();
        out.println("mqtt " + m.counters());
        out.println("kafka " + k.counters());
        out.println("discovered at run time: " + discovery.known.keySet());
        out.printf(
            Locale.ROOT,
            "DONE discovered=%d station.records=%d rejected=%d missed=%d storeFull=%d"
                + " persisted=%d mqtt.received=%d mqtt.inboundDropped=%d mqtt.deadLetters=%d"
                + " kafka.backlog=%d kafka.retries=%d%n",
            discovery.added.get(),
            stationRecords,
            discovery.rejected.get(),
            discovery.missed.get(),
            discovery.storeFull.get(),
            store.writtenSequence() + 1,
            counter(runnel, "mqtt", "received"),
            counter(runnel, "mqtt", "inboundDropped"),
            m.deadLetters(),
            k.backlog(),
            k.retries());
      }
    }
    return 0;
  }

  private static long counter(Runnel runnel, String connector, String name) {
    Long v = runnel.inspect().connector(connector).orElseThrow().counters().get(name);
    return v == null ? 0 : v;
  }

  /**
   * The hub's {@code discover} tap: adds a record per newly seen station (from this pipeline task,
   * which decision 021 allows: an addition's commit does not wait for any task), routes each
   * reading into its station's record, and derives the site average and alerts over the stations
   * known. All its state is touched by its one thread only.
   */
  static final class Discovery {
    private final AtomicReference<Runnel> runnel;
    private final HistoryStore store;
    final Map<String, Producer<Reading>> known = new ConcurrentHashMap<>();
    final AtomicLong added = new AtomicLong();

    /** Readings of stations that could not be added (bad name, refused change, over the cap). */
    final AtomicLong rejected = new AtomicLong();

    /** Readings the tap missed by falling more than the fan-in ring behind. */
    final AtomicLong missed = new AtomicLong();

    /**
     * Times a station record's value waited for room in the store's full queue, and was retried.
     */
    final AtomicLong storeFull = new AtomicLong();

    /** At most this many station records: a fleet larger than that is a configuration error. */
    static final int MAX_STATIONS = 1000;

    private final Map<String, Double> latest = new LinkedHashMap<>();
    private final Map<String, Boolean> above = new HashMap<>();
    private long lastAverageAt;

    Discovery(AtomicReference<Runnel> runnel, HistoryStore store) {
      this.runnel = runnel;
      this.store = store;
    }

    /** Adds {@code station.<node>} to the running pipeline, or counts and logs why not. */
    private Producer<Reading> addStation(Runnel r, String node) {
      if (known.size() >= MAX_STATIONS) {
        if (rejected.getAndIncrement() == 0) {
          System.out.println(
              "hub: more than " + MAX_STATIONS + " stations; not adding '" + node + "' (counted)");
        }
        return null;
      }
      try {
        RecordKey key = stationKey(node);
        r.add(
            Reading.class,
            key,
            c ->
                c.external()
                    .buffer(BufferSpec.ring(1024))
                    .hook(Persist.to(store, CODEC).overflow(STORE_WAIT)));
        Producer<Reading> p = r.producer(Reading.class, key);
        known.put(node, p);
        added.incrementAndGet();
        System.out.println("hub: discovered station " + node + ", added record " + key);
        return p;
      } catch (IllegalArgumentException | io.runnel.GraphException e) {
        // a station name that is no record key, or a change the graph check refused
        if (rejected.getAndIncrement() < 10) {
          System.out.println("hub: cannot add station '" + node + "': " + e.getMessage());
        }
        return null;
      }
    }

    /**
     * Produces into a station's record. When the store's queue stayed full for {@link #STORE_WAIT}
     * the value was neither persisted nor produced: counted, and tried again, so that the fan-in
     * ring absorbs a stalled store instead of the history losing the reading.
     */
    private void produceRetrying(
        io.runnel.RuntimeContext ctx, Producer<Reading> station, Reading v) {
      while (true) {
        try {
          station.produce(v);
          return;
        } catch (StoreFullException e) {
          if (storeFull.getAndIncrement() == 0) {
            System.out.println("hub: the store's queue is full; retrying (" + e.getMessage() + ")");
          }
          if (ctx.isStopping()) {
            throw e;
          }
        }
      }
    }

    /** How long a station record's value waits for room in the store before it is retried. */
    static final OverflowPolicy STORE_WAIT = OverflowPolicy.waitUpTo(Duration.ofSeconds(1));

    void run(io.runnel.RuntimeContext ctx, io.runnel.buffer.Reader<Reading> in) throws Exception {
      Runnel r = runnel.get();
      Producer<SiteAverage> average = r.producer(SiteAverage.class, AVERAGE);
      Producer<SiteAlert> alerts = r.producer(SiteAlert.class, ALERT);
      for (Reading v : in) {
        long lost = in.missed();
        if (lost != missed.get()) {
          System.out.println(
              "hub: the discover tap fell behind the fan-in ring; "
                  + (lost - missed.get())
                  + " readings missed ("
                  + lost
                  + " in all)");
          missed.set(lost);
        }
        Producer<Reading> station = known.get(v.node());
        if (station == null) {
          station = addStation(r, v.node());
          if (station == null) {
            continue; // counted and logged: no record to persist it in
          }
        }
        produceRetrying(ctx, station, v);
        latest.put(v.node(), v.value());
        boolean now = v.value() > ALERT_LIMIT;
        Boolean was = above.put(v.node(), now);
        if (now && !Boolean.TRUE.equals(was)) {
          alerts.produce(new SiteAlert(v.node(), v.seq(), v.value(), ALERT_LIMIT));
        }
        long t = System.nanoTime();
        if (lastAverageAt == 0 || t - lastAverageAt >= AVERAGE_EVERY.toNanos()) {
          lastAverageAt = t;
          double sum = 0;
          for (double x : latest.values()) {
            sum += x;
          }
          average.produce(new SiteAverage(sum / latest.size(), latest.size(), nowMicros()));
        }
      }
    }
  }

  // -------------------------------------------------------------------------------------- cloud

  /**
   * The cloud consumer: reads both topics, keeps per station the sequences seen, and on {@code
   * EXPECT node=count ... timeout=ms} waits until every station's readings are complete (or the
   * timeout), then prints a {@code VERDICT} line per station, the latency percentiles (station
   * produce to this consumer) and the throughput.
   */
  static int cloud(PrintStream out, List<String> nodes, String kafka) throws Exception {
    Map<String, BitSet> seen = new HashMap<>();
    Map<String, long[]> dups = new HashMap<>();
    for (String n : nodes) {
      seen.put(n, new BitSet());
      dups.put(n, new long[1]);
    }
    Histogram latency = new Histogram(3_600_000_000L, 3);
    Map<String, Long> expected = new ConcurrentHashMap<>();
    AtomicLong timeoutMillis = new AtomicLong(-1);
    Thread reader =
        new Thread(
            () -> {
              try {
                BufferedReader in = stdin();
                for (String line; (line = in.readLine()) != null; ) {
                  if (line.startsWith("EXPECT")) {
                    for (String kv : line.substring(6).trim().split(" ")) {
                      String[] p = kv.split("=");
                      if (p[0].equals("timeout")) {
                        continue;
                      }
                      expected.put(p[0], Long.parseLong(p[1]));
                    }
                    for (String kv : line.split(" ")) {
                      if (kv.startsWith("timeout=")) {
                        timeoutMillis.set(Long.parseLong(kv.substring(8)));
                      }
                    }
                    return;
                  }
                }
                timeoutMillis.set(0); // the orchestrator is gone: report what arrived, and end
              } catch (Exception e) {
                timeoutMillis.set(0);
              }
            },
            "cloud-stdin");
    reader.setDaemon(true);
    reader.start();
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "mesh-cloud");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500);
    p.put(ConsumerConfig.RETRY_BACKOFF_MS_CONFIG, 100);
    p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 20);
    long readings = 0;
    long site = 0;
    long foreign = 0;
    long misrouted = 0;
    long misKeyed = 0; // readings whose message key is not their station record's
    long firstAt = 0;
    long lastAt = 0;
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
      consumer.subscribe(List.of(READINGS_TOPIC, SITE_TOPIC));
      out.println("READY cloud");
      long deadline = Long.MAX_VALUE;
      while (true) {
        for (ConsumerRecord<byte[], byte[]> rec : consumer.poll(Duration.ofMillis(100))) {
          String key = rec.key() == null ? "" : new String(rec.key(), StandardCharsets.UTF_8);
          if (rec.topic().equals(SITE_TOPIC)) {
            if (key.startsWith("station.")) {
              misrouted++; // a reading on the site topic: counted, and checked below
              out.println("MISROUTED site topic got " + key + " offset " + rec.offset());
            } else {
              site++;
              continue;
            }
          }
          Reading r = CODEC.decode(rec.value());
          if (!key.equals(stationKey(r.node()).id() + "@hub")) {
            if (misKeyed++ < 5) {
              out.println("MISKEYED reading of " + r.node() + " keyed " + key);
            }
          }
          BitSet s = seen.get(r.node());
          if (s == null || r.seq() < 0 || r.seq() > Integer.MAX_VALUE) {
            foreign++;
            continue;
          }
          long now = nowMicros();
          if (s.get((int) r.seq())) {
            dups.get(r.node())[0]++;
          } else {
            s.set((int) r.seq());
            latency.recordValue(Math.max(0, now - r.producedMicros()));
          }
          readings++;
          firstAt = firstAt == 0 ? now : firstAt;
          lastAt = now;
        }
        long t = timeoutMillis.get();
        if (t >= 0) {
          if (deadline == Long.MAX_VALUE) {
            deadline = System.nanoTime() + t * 1_000_000;
          }
          boolean complete = true;
          for (String n : nodes) {
            long want = expected.getOrDefault(n, 0L);
            if (seen.get(n).nextClearBit(0) < want) {
              complete = false;
              break;
            }
          }
          if (complete || System.nanoTime() - deadline > 0) {
            break;
          }
        }
      }
    }
    for (String n : nodes) {
      long want = expected.getOrDefault(n, 0L);
      BitSet s = seen.get(n);
      long have = s.get(0, (int) Math.min(Integer.MAX_VALUE, want)).cardinality();
      out.printf(
          Locale.ROOT,
          "VERDICT node=%s expected=%d received=%d missing=%d duplicates=%d%n",
          n,
          want,
          have,
          want - have,
          dups.get(n)[0]);
      if (have < want) {
        StringBuilder gaps = new StringBuilder("MISSING " + n + ":");
        for (int i = s.nextClearBit(0), k = 0; i < want && k < 20; i = s.nextClearBit(i + 1), k++) {
          gaps.append(' ').append(i);
        }
        out.println(gaps);
      }
    }
    out.printf(
        Locale.ROOT,
        "LATENCY p50=%.1f p90=%.1f p99=%.1f p99.9=%.1f max=%.1f (n=%d)%n",
        latency.getValueAtPercentile(50) / 1000.0,
        latency.getValueAtPercentile(90) / 1000.0,
        latency.getValueAtPercentile(99) / 1000.0,
        latency.getValueAtPercentile(99.9) / 1000.0,
        latency.getMaxValue() / 1000.0,
        latency.getTotalCount());
    double secs = Math.max(1e-3, (lastAt - firstAt) / 1e6);
    out.printf(
        Locale.ROOT,
        "THROUGHPUT cloud received %d readings in %.1f s (%.0f/s), %d site records, %d unknown,"
            + " %d readings on the site topic, %d keyed other than station.<node>@hub%n",
        readings,
        secs,
        readings / secs,
        site,
        foreign,
        misrouted,
        misKeyed);
    return 0;
  }
}
