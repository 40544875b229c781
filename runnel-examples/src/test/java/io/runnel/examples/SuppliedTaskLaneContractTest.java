package io.runnel.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.LaneSpec;
import io.runnel.RecordKey;
import io.runnel.Runnel;
import io.runnel.RunnelBuilder;
import io.runnel.Ticker;
import io.runnel.WaitStrategy;
import io.runnel.buffer.BufferSpec;
import io.runnel.buffer.Producer;
import io.runnel.codec.Codec;
import io.runnel.inspect.GraphSnapshot;
import io.runnel.inspect.LaneInfo;
import io.runnel.inspect.TaskInfo;
import io.runnel.mqtt.MqttLink;
import io.runnel.mqtt.Qos;
import io.runnel.sim.Simulation;
import io.runnel.spi.ConnectorStatus;
import io.runnel.store.HistoryStore;
import io.runnel.store.OverflowPolicy;
import io.runnel.store.Persist;
import io.runnel.store.Replay;
import io.runnel.store.StoreConfig;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The lane contract (core's {@code LaneContractTest}) for the tasks Runnel supplies outside the
 * core: put on any lane, each (a) idles without watchdog reports, (b) leaves the lane to a 20 ms
 * heartbeat ticker beside it (at least 20 values a second), and (c) under {@link Simulation} lets
 * virtual time advance without a stuck report.
 *
 * <p>The shapes: {@link Replay} at recorded pace (values stored 300 ms apart), a ticker source
 * whose record has a {@link Persist} hook, an {@link MqttLink#subscribe} source and an {@link
 * MqttLink#publish} tap against a real Mosquitto. The MQTT shapes run on real threads only: the
 * link's connection lives on the client's event loop in real time (connect, keep-alive, PUBACK
 * timing), so under a simulation the test could only assert that an idle subscription waits in
 * virtual time, which {@code MqttInboundWaitTest}'s cooperative-lane case already shows; the broker
 * round trips would not follow virtual time at all.
 *
 * <p>Everything asserted is a count or a state with generous bounds: the machine may be loaded.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SuppliedTaskLaneContractTest {

  static final String LANE = "under-test";
  static final Duration WATCHDOG = Duration.ofMillis(150);

  /** How long a shape waits between steps: twice the watchdog limit. */
  static final Duration WAIT = Duration.ofMillis(300);

  static final RecordKey HEARTBEAT = RecordKey.of("contract.heartbeat");
  static final RecordKey STORED = RecordKey.of("contract.stored");
  static final RecordKey REPLAYED = RecordKey.of("contract.replayed");
  static final RecordKey PERSISTED = RecordKey.of("contract.persisted");
  static final RecordKey MQTT_IN = RecordKey.of("contract.mqtt.in");
  static final RecordKey MQTT_OUT = RecordKey.of("contract.mqtt.out");

  static final Codec<Long> LONG =
      new Codec<>() {
        @Override
        public long id() {
          return 0x10c9L;
        }

        @Override
        public String schema() {
          return "long";
        }

        @Override
        public byte[] encode(Long value) {
          return ByteBuffer.allocate(8).putLong(value).array();
        }

        @Override
        public Long decode(byte[] bytes) {
          return ByteBuffer.wrap(bytes).getLong();
        }
      };

  enum Shape {
    REPLAY,
    PERSIST,
    MQTT_SUBSCRIBE,
    MQTT_PUBLISH;

    boolean simulates() {
      return this == REPLAY || this == PERSIST;
    }
  }

  @TempDir static Path dir;
  static LocalMosquitto broker;
  static HistoryStore history;
  static int stores;

  @BeforeAll
  static void startBrokerAndStoreHistory() throws Exception {
    broker = LocalMosquitto.start(dir.resolve("broker"));
    history = HistoryStore.open(StoreConfig.builder(dir.resolve("history")).build());
    HistoryStore.Appender<Long> a = history.appender(STORED, LONG);
    long t0 = System.currentTimeMillis() * 1000;
    long last = 0;
    for (int i = 0; i < 40; i++) { // 12 s of history, 300 ms apart: longer than any run below
      last =
          a.append(
              t0 + i * WAIT.toNanos() / 1000,
              (long) i,
              OverflowPolicy.waitUpTo(Duration.ofSeconds(5)));
    }
    assertThat(history.awaitDurable(last, Duration.ofSeconds(10))).isTrue();
  }

  @AfterAll
  static void stop() throws Exception {
    if (history != null) {
      history.close();
    }
    if (broker != null) {
      broker.close();
    }
  }

  static List<LaneSpec> lanes() {
    return List.of(
        LaneSpec.virtual(),
        LaneSpec.dedicated().waitStrategy(WaitStrategy.PARK),
        LaneSpec.dedicated().waitStrategy(WaitStrategy.SPIN_THEN_PARK),
        LaneSpec.dedicated().waitStrategy(WaitStrategy.BUSY_SPIN),
        LaneSpec.blockingPool(1, 8), // one slot: a waiter that kept it would stop the heartbeat
        LaneSpec.cooperative(8));
  }

  static Stream<Arguments> cases() {
    List<Arguments> all = new ArrayList<>();
    for (boolean simulated : new boolean[] {false, true}) {
      for (LaneSpec spec : lanes()) {
        for (Shape shape : Shape.values()) {
          if (!simulated || shape.simulates()) {
            all.add(Arguments.of(simulated ? "simulated " + spec : spec.toString(), shape));
          }
        }
      }
    }
    return all.stream();
  }

  /** What a shape's tasks did. */
  static final class Probe {
    final AtomicLong steps = new AtomicLong();
    Persist<Long> persist;
    MqttLink link;
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("cases")
  void aSuppliedTaskIdlesQuietlyLeavesItsLaneAndAdvancesSimulated(String lane, Shape shape)
      throws Exception {
    boolean simulated = lane.startsWith("simulated ");
    LaneSpec spec =
        lanes().stream()
            .filter(s -> s.toString().equals(simulated ? lane.substring(10) : lane))
            .findFirst()
            .orElseThrow()
            .watchdog(WATCHDOG);
    Probe probe = new Probe();
    if (simulated) {
      runSimulated(spec, shape, probe);
    } else {
      runReal(spec, shape, probe);
    }
  }

  private static void runReal(LaneSpec spec, Shape shape, Probe probe) throws Exception {
    MqttLink publisher = null;
    Runnel helper = null;
    RunnelBuilder b = build(Runnel.builder(), spec, shape, probe);
    try (Runnel runnel = b.build().start()) {
      Producer<Long> in = null;
      if (shape == Shape.MQTT_PUBLISH) {
        awaitLink(probe.link, "connected", s -> s.connected());
        in = runnel.producer(Long.class, MQTT_OUT);
      } else if (shape == Shape.MQTT_SUBSCRIBE) {
        awaitLink(probe.link, "subscribed", s -> s.counters().getOrDefault("subscribed", 0L) > 0);
        publisher = mqtt("contract-publisher").build();
        MqttLink p = publisher;
        helper =
            Runnel.builder()
                .connector(p)
                .configure(
                    Long.class,
                    MQTT_OUT,
                    r ->
                        r.external()
                            .tapTask("mqtt", p.publish(LONG, "contract/in", Qos.AT_LEAST_ONCE)))
                .build()
                .start();
        in = helper.producer(Long.class, MQTT_OUT);
      }
      long start = System.nanoTime();
      long beatsAtStart = beats(runnel);
      long window = TimeUnit.MILLISECONDS.toNanos(1000);
      long giveUp = start + TimeUnit.SECONDS.toNanos(15);
      for (long i = 0; ; i++) {
        long now = System.nanoTime();
        if (now - start >= window && probe.steps.get() >= 2 || now - giveUp > 0) {
          break;
        }
        if (in != null && i % 6 == 0) {
          in.produce(i); // one input per 300 ms
        }
        Thread.sleep(50);
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      if (shape == Shape.MQTT_PUBLISH) {
        awaitLink(probe.link, "2 sent", x -> x.counters().getOrDefault("sent", 0L) >= 2);
      }
      GraphSnapshot s = runnel.inspect();
      check(s, shape, probe, 2);
      long beats = beats(runnel) - beatsAtStart;
      assertThat(beats / seconds)
          .as("(b) heartbeat values per second on the same lane while %s waits", shape)
          .isGreaterThanOrEqualTo(20);
      assertThat(s.lane(LANE).orElseThrow().busyRatio()).isLessThan(0.5);
    } finally {
      if (helper != null) {
        helper.close();
      }
    }
  }

  private static void runSimulated(LaneSpec spec, Shape shape, Probe probe) throws Exception {
    try (Simulation sim = Simulation.withSeed(7).stuckTimeout(Duration.ofSeconds(3))) {
      Runnel runnel = build(sim.builder(), spec, shape, probe).build().start();
      for (int i = 0; i < 50; i++) { // 5 s of virtual time; throws if a task is stuck
        sim.advance(Duration.ofMillis(100));
      }
      // 5 s: a shape step takes 300 ms (16 steps); the heartbeat ticks 250 times (>= 20 a second)
      check(runnel.inspect(), shape, probe, 10);
      assertThat(beats(runnel))
          .as("(b) heartbeat ticks in 5 s of virtual time")
          .isGreaterThanOrEqualTo(100);
    }
  }

  private static long beats(Runnel runnel) {
    return runnel.inspect().record(HEARTBEAT.id()).orElseThrow().produced();
  }

  private static void awaitLink(
      MqttLink link, String what, java.util.function.Predicate<ConnectorStatus> condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.test(link.status())) {
      assertThat(System.nanoTime() - deadline).as("%s: %s", what, link.status()).isNegative();
      Thread.sleep(20);
    }
  }

  private static void check(GraphSnapshot s, Shape shape, Probe probe, long minSteps) {
    LaneInfo lane = s.lane(LANE).orElseThrow();
    assertThat(lane.watchdogReports())
        .as("(a) watchdog reports of an idle %s: %s", shape, lane.lastWatchdogReports())
        .isZero();
    assertThat(probe.steps.get()).as("steps of %s", shape).isGreaterThanOrEqualTo(minSteps);
    assertThat(s.tasks())
        .allSatisfy(
            t -> {
              assertThat(t.lane()).isEqualTo(LANE);
              assertThat(t.failures()).as("failures of %s: %s", t.id(), t.lastError()).isZero();
              assertThat(t.state()).as("state of %s", t.id()).isEqualTo(TaskInfo.State.RUNNING);
            });
    if (probe.persist != null) {
      assertThat(probe.persist.counters())
          .containsEntry("rejected", 0L)
          .containsEntry("failed", 0L)
          .containsEntry("dropped", 0L);
      assertThat(probe.persist.counters().get("appended")).isGreaterThanOrEqualTo(minSteps);
    }
  }

  private static MqttLink.Builder mqtt(String name) {
    return MqttLink.builder()
        .name(name)
        .broker("127.0.0.1", broker.port())
        .reconnect(Duration.ofMillis(50), Duration.ofMillis(500));
  }

  private static RunnelBuilder build(RunnelBuilder b, LaneSpec spec, Shape shape, Probe probe) {
    b.lane(LANE, spec)
        .shutdownTimeout(Duration.ofSeconds(5))
        .configure(
            Long.class,
            HEARTBEAT,
            r ->
                r.lane(LANE)
                    .buffer(BufferSpec.ring(1024))
                    .source(
                        (ctx, out) -> {
                          Ticker ticker = ctx.ticker(Duration.ofMillis(20));
                          for (long i = 0; ; i++) {
                            ticker.await();
                            out.produce(i);
                          }
                        }));
    switch (shape) {
      case REPLAY ->
          b.configure(
              Long.class,
              REPLAYED,
              r ->
                  r.lane(LANE)
                      .source(Replay.of(history, STORED, LONG).recordedPace(1.0))
                      .tap((ctx, v) -> probe.steps.incrementAndGet()));
      case PERSIST -> {
        probe.persist = Persist.to(history, LONG);
        b.configure(
            Long.class,
            RecordKey.of(PERSISTED.id() + "." + ++stores), // a fresh key per run
            r ->
                r.lane(LANE)
                    .hook(probe.persist)
                    .source(
                        (ctx, out) -> {
                          Ticker ticker = ctx.ticker(WAIT);
                          for (long i = 0; ; i++) {
                            ticker.await();
                            out.produce(i);
                            probe.steps.incrementAndGet();
                          }
                        }));
      }
      case MQTT_SUBSCRIBE -> {
        MqttLink link = mqtt("contract-sub").build();
        probe.link = link;
        b.connector(link)
            .configure(
                Long.class,
                MQTT_IN,
                r ->
                    r.lane(LANE)
                        .source(link.subscribe("contract/in", LONG, Qos.AT_LEAST_ONCE))
                        .tap((ctx, v) -> probe.steps.incrementAndGet()));
      }
      case MQTT_PUBLISH -> {
        MqttLink link = mqtt("contract-pub").build();
        probe.link = link;
        b.connector(link)
            .configure(
                Long.class,
                MQTT_OUT,
                r ->
                    r.external()
                        .lane(LANE)
                        .tapTask("mqtt", link.publish(LONG, "contract/out", Qos.AT_LEAST_ONCE))
                        .tap((ctx, v) -> probe.steps.incrementAndGet()));
      }
    }
    return b;
  }
}
