package io.runnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.buffer.BufferSpec;
import io.runnel.buffer.Reader;
import io.runnel.inspect.TaskInfo;
import io.runnel.sim.Simulation;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SimulationTest {

  static final RecordKey TICKS = RecordKey.of("sim.ticks");
  static final RecordKey A = RecordKey.of("sim.a");
  static final RecordKey B = RecordKey.of("sim.b");
  static final RecordKey C = RecordKey.of("sim.c");
  static final RecordKey LOG = RecordKey.of("sim.log");

  /** A 1 kHz ticker for a simulated day: every tick on its grid, no drift, no lateness. */
  @Test
  void aDayOfAOneKilohertzTickerHasZeroDrift() {
    AtomicLong ticks = new AtomicLong();
    long[] firstLast = new long[2];
    Duration day = Duration.ofHours(Long.getLong("runnel.sim.hours", 24));
    long start = System.nanoTime();
    try (Simulation sim = Simulation.withSeed(1)) {
      Runnel runnel =
          sim.builder()
              .configure(
                  Long.class,
                  TICKS,
                  r ->
                      r.buffer(BufferSpec.latest())
                          .source(
                              (ctx, out) -> {
                                Ticker ticker = ctx.ticker(Duration.ofMillis(1));
                                firstLast[0] = ticker.await();
                                ticks.incrementAndGet();
                                for (; ; ) {
                                  firstLast[1] = ticker.await();
                                  ticks.incrementAndGet();
                                }
                              }))
              .build()
              .start();
      sim.advance(day);
      assertThat(sim.nanoTime()).isEqualTo(day.toNanos());
      long expected = day.toMillis() + 1; // ticks at 0, 1 ms, ..., exactly one day
      assertThat(ticks.get()).isEqualTo(expected);
      assertThat(firstLast[1] - firstLast[0]).isEqualTo(day.toNanos());
      TaskInfo.Lateness lateness =
          runnel.inspect().task("sim.ticks/source").orElseThrow().lateness();
      assertThat(lateness.ticks()).isEqualTo(expected);
      assertThat(lateness.maxNanos()).isZero();
      assertThat(lateness.missedTicks()).isZero();
    }
    System.out.printf(
        "simulated %s of a 1 kHz ticker in %d ms of real time%n",
        day, (System.nanoTime() - start) / 1_000_000);
  }

  /**
   * Options return copies, but only before the simulation started: a copy made later would run with
   * its own scheduler beside the first. Closing an unused copy never disturbs the original.
   */
  @Test
  void optionsAreCopiesBeforeStartAndRefusedAfter() {
    Simulation template = Simulation.withSeed(5).stuckTimeout(Duration.ofSeconds(3));
    try (Simulation sim = template.epoch(Instant.parse("2031-01-01T00:00:00Z"))) {
      AtomicLong ticks = new AtomicLong();
      sim.builder()
          .configure(
              Long.class,
              TICKS,
              r ->
                  r.source(
                      (ctx, out) -> {
                        Ticker t = ctx.ticker(Duration.ofMillis(10));
                        for (; ; ) {
                          t.await();
                          ticks.incrementAndGet();
                        }
                      }))
          .build()
          .start();
      assertThatThrownBy(() -> sim.stuckTimeout(Duration.ofSeconds(1)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("configure the simulation before calling builder()");
      assertThatThrownBy(() -> sim.epoch(Instant.EPOCH)).isInstanceOf(IllegalStateException.class);
      template.close(); // never started: must not remove the running simulation's waker
      sim.advance(Duration.ofSeconds(1));
      assertThat(ticks.get()).isEqualTo(101); // 0, 10 ms, ..., 1 s
      assertThat(sim.now()).isEqualTo(Instant.parse("2031-01-01T00:00:01Z"));
    }
  }

  /** Restart times of a source that fails 6 times, in simulated nanoseconds. */
  static List<Long> restartTimes(long seed) {
    List<Long> times = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (Simulation sim = Simulation.withSeed(seed)) {
      sim.builder()
          .configure(
              Long.class,
              A,
              r ->
                  r.restart(RestartPolicy.backoff(Duration.ofSeconds(1), Duration.ofMinutes(1)))
                      .source(
                          (ctx, out) -> {
                            times.add(ctx.nanoTime());
                            if (times.size() <= 6) {
                              throw new IllegalStateException("attempt " + times.size());
                            }
                            ctx.sleep(Duration.ofDays(1));
                          }))
          .build()
          .start();
      sim.advance(Duration.ofHours(1));
    }
    return times;
  }

  @Test
  void restartJitterIsDrawnFromTheSeed() {
    List<Long> first = restartTimes(11);
    assertThat(first).hasSize(7);
    assertThat(restartTimes(11)).isEqualTo(first);
    assertThat(restartTimes(12)).hasSize(7).isNotEqualTo(first);
  }

  @Test
  void timeJumpsWhileEveryTaskWaitsAndValuesCarryVirtualTime() throws Exception {
    try (Simulation sim = Simulation.withSeed(7).epoch(Instant.parse("2030-01-01T00:00:00Z"))) {
      Runnel runnel =
          sim.builder()
              .configure(
                  Instant.class,
                  A,
                  r ->
                      r.source(
                          (ctx, out) -> {
                            ctx.sleep(Duration.ofHours(1));
                            out.produce(ctx.now());
                          }))
              .build();
      Reader<Instant> reader = runnel.subscribe(Instant.class, A);
      runnel.start();
      long real = System.nanoTime();
      sim.advance(Duration.ofMinutes(59));
      assertThat(reader.tryRecv()).isNull();
      sim.advance(Duration.ofMinutes(2));
      assertThat(reader.tryRecv()).isEqualTo(Instant.parse("2030-01-01T01:00:00Z"));
      assertThat(sim.now()).isEqualTo(Instant.parse("2030-01-01T01:01:00Z"));
      assertThat(Duration.ofNanos(System.nanoTime() - real)).isLessThan(Duration.ofSeconds(5));
    }
  }

  @Test
  void receiveTimeoutsFollowVirtualTime() {
    List<String> events = new CopyOnWriteArrayList<>();
    try (Simulation sim = Simulation.withSeed(3)) {
      sim.builder()
          .configure(
              Integer.class,
              A,
              r ->
                  r.external()
                      .tapTask(
                          "waiter",
                          (ctx, in) -> {
                            Integer v = in.recv(Duration.ofSeconds(30));
                            events.add(
                                (v == null ? "timeout" : "value")
                                    + " at "
                                    + Duration.ofNanos(ctx.nanoTime()).toSeconds()
                                    + " s");
                          }))
          .build()
          .start();
      sim.advance(Duration.ofMinutes(1));
      assertThat(events).containsExactly("timeout at 30 s");
    }
  }

  /** Three sources due at the same instants: the interleaving depends only on the seed. */
  List<String> interleaving(long seed) {
    List<String> order = new ArrayList<>();
    try (Simulation sim = Simulation.withSeed(seed)) {
      RunnelBuilder b = sim.builder();
      for (RecordKey key : List.of(A, B, C)) {
        b.configure(
            String.class,
            key,
            r ->
                r.source(
                    (ctx, out) -> {
                      Ticker t = ctx.ticker(Duration.ofSeconds(1));
                      for (int i = 0; i < 10; i++) {
                        t.await();
                        synchronized (order) {
                          order.add(key.id().substring(4) + i);
                        }
                        out.produce(key.id() + i);
                      }
                    }));
      }
      b.build().start();
      sim.advance(Duration.ofSeconds(20));
    }
    return order;
  }

  @Test
  void theSameSeedGivesTheSameInterleaving() {
    List<String> first = interleaving(11);
    assertThat(first).hasSize(30);
    assertThat(interleaving(11)).isEqualTo(first);
    boolean anyDifferent = false;
    for (long seed = 12; seed < 20 && !anyDifferent; seed++) {
      anyDifferent = !interleaving(seed).equals(first);
    }
    assertThat(anyDifferent).as("some other seed interleaves differently").isTrue();
  }

  @Test
  void aPipelineOfTransformsAndJoinsRunsSimulated() throws Exception {
    try (Simulation sim = Simulation.withSeed(5)) {
      Runnel runnel =
          sim.builder()
              .configure(
                  Integer.class,
                  A,
                  r ->
                      r.source(
                          (ctx, out) -> {
                            Ticker t = ctx.ticker(Duration.ofMillis(10));
                            for (int i = 0; i < 100; i++) {
                              t.await();
                              out.produce(i);
                            }
                          }))
              .configure(Integer.class, B, r -> r.transform(Integer.class, A, v -> v * 2))
              .configure(
                  Integer.class,
                  C,
                  r ->
                      r.join(
                          j -> {
                            JoinInput<Integer> a = j.input(Integer.class, A);
                            JoinInput<Integer> b = j.input(Integer.class, B);
                            j.onLatest(l -> l.get(b) - l.get(a));
                          }))
              .build();
      Reader<Integer> c = runnel.subscribe(Integer.class, C);
      runnel.start();
      sim.advance(Duration.ofSeconds(2));
      List<Integer> got = c.stream().toList(); // the finite pipeline has completed: C is closed
      assertThat(got).isNotEmpty().last().isEqualTo(99);
      assertThat(runnel.inspect().tasks())
          .extracting(TaskInfo::state)
          .containsOnly(TaskInfo.State.DONE);
    }
  }

  @Test
  void aTaskBlockedOutsideRunnelIsReportedNotAHang() {
    try (Simulation sim = Simulation.withSeed(9).stuckTimeout(Duration.ofMillis(300))) {
      sim.builder()
          .configure(
              Integer.class,
              A,
              r ->
                  r.source(
                      (ctx, out) -> {
                        ctx.sleep(Duration.ofSeconds(5)); // fine: virtual
                        Thread.sleep(3_000); // not fine: real time, outside Runnel
                      }))
          .build()
          .start();
      assertThatThrownBy(() -> sim.advance(Duration.ofMinutes(1)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("runnel:sim.a/source")
          .hasMessageContaining("blocked outside Runnel")
          .hasMessageContaining("Thread.sleep");
    }
  }
}
