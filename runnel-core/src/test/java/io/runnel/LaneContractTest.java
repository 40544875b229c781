package io.runnel;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.buffer.BufferSpec;
import io.runnel.buffer.Producer;
import io.runnel.inspect.GraphSnapshot;
import io.runnel.inspect.LaneInfo;
import io.runnel.inspect.TaskInfo;
import io.runnel.sim.Simulation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The lane contract for every task shape Runnel itself supplies: put on any lane, a task that waits
 * at Runnel's waiting points (a) idles without watchdog reports, (b) gives its lane's slot back
 * while it waits, so a second task on the same lane (a heartbeat ticker) keeps making progress, and
 * (c) under {@link Simulation} lets virtual time advance without a stuck report. Runs every shape
 * on every lane kind (and dedicated wait strategy), on real threads and simulated.
 *
 * <p>Everything asserted is a count or a state, with generous bounds: the machine may be loaded.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LaneContractTest {

  static final String LANE = "under-test";

  /**
   * Shorter than every wait of the shapes below, so an idle wait counted as running is reported.
   */
  static final Duration WATCHDOG = Duration.ofMillis(150);

  /** How long a shape waits between steps: twice the watchdog limit. */
  static final Duration WAIT = Duration.ofMillis(300);

  static final RecordKey HEARTBEAT = RecordKey.of("contract.heartbeat");
  static final RecordKey SHAPE = RecordKey.of("contract.shape");
  static final RecordKey IN = RecordKey.of("contract.in");
  static final RecordKey OTHER = RecordKey.of("contract.other");
  static final RecordKey OUT = RecordKey.of("contract.out");
  static final RecordKey SUM = RecordKey.of("contract.sum");

  /** The task shapes Runnel supplies in core. */
  enum Shape {
    TICKER_BURST,
    TICKER_SKIP,
    TICKER_DELAY,
    SLEEP,
    /** A transform, a tap and a join whose inputs nobody writes. */
    IDLE_TRANSFORM_TAP_JOIN,
    /** A source that spawns two children and joins them, over and over. */
    PARENT_JOINS_CHILDREN,
    /** Runnel.producer writes from outside into a transform, a tap and a join on the lane. */
    OUTSIDE_PRODUCER;

    boolean active() {
      return this != IDLE_TRANSFORM_TAP_JOIN;
    }
  }

  static List<LaneSpec> lanes() {
    return List.of(
        LaneSpec.virtual(),
        LaneSpec.dedicated(),
        LaneSpec.dedicated().waitStrategy(WaitStrategy.PARK),
        LaneSpec.dedicated().waitStrategy(WaitStrategy.BUSY_SPIN),
        LaneSpec.blockingPool(1, 8), // one slot: a waiter that kept it would stop the heartbeat
        LaneSpec.cooperative(8));
  }

  static Stream<Arguments> cases() {
    List<Arguments> all = new ArrayList<>();
    for (boolean simulated : new boolean[] {false, true}) {
      for (LaneSpec spec : lanes()) {
        for (Shape shape : Shape.values()) {
          all.add(Arguments.of(simulated ? "simulated " + spec : spec.toString(), shape));
        }
      }
    }
    return all.stream();
  }

  /** What the shape's tasks report while running. */
  static final class Probe {
    final AtomicLong steps = new AtomicLong();
    final List<String> problems = new CopyOnWriteArrayList<>();
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("cases")
  void aWaitingTaskIdlesQuietlyReleasesItsLaneAndAdvancesSimulated(String lane, Shape shape)
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
    try (Runnel runnel = build(Runnel.builder(), spec, shape, probe).build().start()) {
      Producer<Integer> in = shape == Shape.OUTSIDE_PRODUCER ? inputs(runnel) : null;
      long start = System.nanoTime();
      long window = TimeUnit.MILLISECONDS.toNanos(2 * WAIT.toMillis() + 100);
      long giveUp = start + TimeUnit.SECONDS.toNanos(20);
      for (int i = 0; ; i++) {
        long now = System.nanoTime();
        boolean done = now - start >= window && progressed(runnel, shape, probe, 2, 5);
        if (done || now - giveUp > 0) {
          break;
        }
        if (in != null) {
          in.produce(i);
        }
        Thread.sleep(50);
      }
      check(runnel.inspect(), shape, probe, 2, 5);
      // idle lanes are mostly waiting (a busy-spinning thread too: its core is not counted)
      assertThat(runnel.inspect().lane(LANE).orElseThrow().busyRatio()).isLessThan(0.5);
    }
  }

  private static void runSimulated(LaneSpec spec, Shape shape, Probe probe) throws Exception {
    try (Simulation sim = Simulation.withSeed(7).stuckTimeout(Duration.ofSeconds(3))) {
      Runnel runnel = build(sim.builder(), spec, shape, probe).build().start();
      Producer<Integer> in = shape == Shape.OUTSIDE_PRODUCER ? inputs(runnel) : null;
      for (int i = 0; i < 50; i++) { // 5 s of virtual time; throws if a task is stuck
        if (in != null) {
          in.produce(i);
        }
        sim.advance(Duration.ofMillis(100));
      }
      // 5 s: the heartbeat ticks 250 times, a shape step takes 300 ms (16 steps)
      check(runnel.inspect(), shape, probe, 10, 200);
    }
  }

  private static Producer<Integer> inputs(Runnel runnel) {
    runnel.producer(Integer.class, OTHER).produce(1000);
    return runnel.producer(Integer.class, IN);
  }

  private static boolean progressed(
      Runnel runnel, Shape shape, Probe probe, long minSteps, long minBeats) {
    long beats = runnel.inspect().record(HEARTBEAT.id()).orElseThrow().produced();
    return beats >= minBeats && (!shape.active() || probe.steps.get() >= minSteps);
  }

  private static void check(
      GraphSnapshot s, Shape shape, Probe probe, long minSteps, long minBeats) {
    LaneInfo lane = s.lane(LANE).orElseThrow();
    assertThat(lane.watchdogReports())
        .as("(a) watchdog reports of an idle %s: %s", shape, lane.lastWatchdogReports())
        .isZero();
    assertThat(s.record(HEARTBEAT.id()).orElseThrow().produced())
        .as("(b) heartbeat ticks on the same lane while %s waits", shape)
        .isGreaterThanOrEqualTo(minBeats);
    if (shape.active()) {
      assertThat(probe.steps.get()).as("steps of %s", shape).isGreaterThanOrEqualTo(minSteps);
    }
    assertThat(probe.problems).isEmpty();
    assertThat(s.tasks())
        .allSatisfy(
            t -> {
              assertThat(t.lane()).isEqualTo(LANE);
              assertThat(t.failures()).as("failures of %s: %s", t.id(), t.lastError()).isZero();
              assertThat(t.state()).as("state of %s", t.id()).isEqualTo(TaskInfo.State.RUNNING);
            });
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
      case TICKER_BURST -> ticker(b, MissedTickPolicy.BURST, probe);
      case TICKER_SKIP -> ticker(b, MissedTickPolicy.SKIP, probe);
      case TICKER_DELAY -> ticker(b, MissedTickPolicy.DELAY, probe);
      case SLEEP ->
          b.configure(
              Long.class,
              SHAPE,
              r ->
                  r.lane(LANE)
                      .source(
                          (ctx, out) -> {
                            for (long i = 0; ; i++) {
                              ctx.sleep(WAIT);
                              out.produce(i);
                              probe.steps.incrementAndGet();
                            }
                          }));
      case PARENT_JOINS_CHILDREN ->
          b.configure(
              Long.class,
              SHAPE,
              r ->
                  r.lane(LANE)
                      .source(
                          (ctx, out) -> {
                            for (long i = 0; ; i++) {
                              TaskHandle first = ctx.spawn("first", c -> c.sleep(WAIT));
                              TaskHandle second = ctx.spawn("second", c -> c.sleep(WAIT));
                              if (!first.join(Duration.ofSeconds(10))
                                  || !second.join(Duration.ofSeconds(10))) {
                                probe.problems.add("a join timed out in round " + i);
                              }
                              if (!first.isDone() || !second.isDone()) {
                                probe.problems.add("joined child not done in round " + i);
                              }
                              out.produce(i);
                              probe.steps.incrementAndGet();
                            }
                          }));
      case IDLE_TRANSFORM_TAP_JOIN, OUTSIDE_PRODUCER -> perValue(b, probe);
    }
    return b;
  }

  private static void ticker(RunnelBuilder b, MissedTickPolicy policy, Probe probe) {
    b.configure(
        Long.class,
        SHAPE,
        r ->
            r.lane(LANE)
                .source(
                    (ctx, out) -> {
                      Ticker ticker = ctx.ticker(WAIT, policy);
                      for (long i = 0; ; i++) {
                        ticker.await();
                        out.produce(i);
                        probe.steps.incrementAndGet();
                      }
                    }));
  }

  /** A transform IN -> OUT with a tap, and a join of IN and OTHER: all on the lane under test. */
  private static void perValue(RunnelBuilder b, Probe probe) {
    b.configure(Integer.class, IN, r -> r.external().buffer(BufferSpec.ring(256)))
        .configure(Integer.class, OTHER, r -> r.external())
        .configure(
            Integer.class,
            OUT,
            r ->
                r.lane(LANE)
                    .transform(Integer.class, IN, v -> v + 1)
                    .tap((ctx, v) -> probe.steps.incrementAndGet()))
        .configure(
            Integer.class,
            SUM,
            r ->
                r.lane(LANE)
                    .join(
                        j -> {
                          JoinInput<Integer> in = j.input(Integer.class, IN);
                          JoinInput<Integer> other = j.input(Integer.class, OTHER);
                          j.onLatest(latest -> latest.get(in) + latest.get(other));
                        }));
  }
}
