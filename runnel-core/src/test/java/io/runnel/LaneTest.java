package io.runnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.inspect.LaneInfo;
import io.runnel.inspect.TaskInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What is particular to each lane kind. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LaneTest {

  static final RecordKey A = RecordKey.of("lane.a");
  static final RecordKey B = RecordKey.of("lane.b");
  static final RecordKey C = RecordKey.of("lane.c");

  @Test
  void unknownLanesAndOverfullLanesAreBuildErrors() {
    assertThatThrownBy(
            () ->
                Runnel.builder()
                    .lane("coop", LaneSpec.cooperative(1))
                    .configure(Integer.class, A, r -> r.lane("nope").source((c, o) -> {}))
                    .configure(
                        Integer.class,
                        B,
                        r -> r.lane("coop").source((c, o) -> {}).tap((c, v) -> {}))
                    .configure(
                        Integer.class, C, r -> r.source((c, o) -> {}).tapLane("missing", "coop"))
                    .build())
        .isInstanceOfSatisfying(
            GraphException.class,
            e ->
                assertThat(e.problems())
                    .extracting(GraphProblem::kind)
                    .containsExactlyInAnyOrder(
                        GraphProblem.Kind.UNKNOWN_LANE,
                        GraphProblem.Kind.LANE_FULL,
                        GraphProblem.Kind.INVALID_REGISTRATION))
        .hasMessageContaining("lane 'nope', which is not declared")
        .hasMessageContaining(
            "lane 'coop' (cooperative(max 1 tasks)) takes at most 1 tasks, but 2");
  }

  @Test
  void theWatchdogNamesTheTaskThatHoldsItsLane() throws Exception {
    try (Runnel runnel =
        Runnel.builder()
            .lane("strict", LaneSpec.virtual().watchdog(Duration.ofMillis(30)))
            .configure(
                Integer.class,
                A,
                r ->
                    r.lane("strict")
                        .source(
                            (ctx, out) -> {
                              busyLoop(Duration.ofMillis(400)); // no waiting point
                            }))
            .build()
            .start()) {
      assertThat(runnel.awaitCompletion(Duration.ofSeconds(10))).isTrue();
      LaneInfo lane = runnel.inspect().lane("strict").orElseThrow();
      assertThat(lane.watchdogReports()).isEqualTo(1); // one report per run episode
      assertThat(lane.lastWatchdogReports())
          .singleElement()
          .satisfies(
              report ->
                  assertThat(report)
                      .contains("lane.a/source")
                      .contains("record 'lane.a'")
                      .contains("lane 'strict'")
                      .contains("busyLoop"));
      assertThat(runnel.inspect().task("lane.a/source").orElseThrow().watchdogReports())
          .isEqualTo(1);
    }
  }

  @Test
  void anIdleBusySpinTickerIsWaitingNotHoldingItsLane() throws Exception {
    AtomicInteger ticks = new AtomicInteger();
    try (Runnel runnel =
        Runnel.builder()
            .lane("spin", LaneSpec.dedicated().waitStrategy(WaitStrategy.BUSY_SPIN))
            .configure(
                Integer.class,
                A,
                r ->
                    r.lane("spin")
                        .source(
                            (ctx, out) -> {
                              Ticker ticker = ctx.ticker(Duration.ofMillis(200));
                              for (int i = 0; ; i++) {
                                ticker.await(); // spins, but at a waiting point
                                out.produce(i);
                                ticks.incrementAndGet();
                              }
                            }))
            .build()
            .start()) {
      long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1_000);
      while (System.nanoTime() < until || ticks.get() < 3) {
        Thread.sleep(50);
      }
      LaneInfo lane = runnel.inspect().lane("spin").orElseThrow();
      // the watchdog limit of a dedicated lane is 50 ms; the ticker waits 200 ms between ticks
      assertThat(lane.watchdogReports())
          .as("watchdog reports: %s", lane.lastWatchdogReports())
          .isZero();
      // the thread still burns its core; the ratio counts time outside waiting points
      assertThat(lane.busyRatio()).isLessThan(0.5);
    }
  }

  @Test
  void busySpinReadersThatYieldBeforeTheyParkAreWaitingNotHoldingTheirLane() throws Exception {
    // More spinning readers than cores (all pinned to one CPU where taskset works): each yield of a
    // receive's spin phase hands the core to another spinner for a time slice, so the phase takes
    // long; it is part of the waiting point, not running time.
    int taps = 6;
    AtomicInteger got = new AtomicInteger();
    RunnelBuilder b =
        Runnel.builder()
            .lane(
                "spin",
                LaneSpec.dedicated()
                    .waitStrategy(WaitStrategy.BUSY_SPIN)
                    .cpus(0)
                    .watchdog(Duration.ofMillis(150)));
    b.configure(
        Integer.class,
        A,
        r -> {
          r.external().lane("spin");
          for (int i = 0; i < taps; i++) {
            r.tap("t" + i, (ctx, v) -> got.incrementAndGet());
          }
        });
    try (Runnel runnel = b.build().start()) {
      var in = runnel.producer(Integer.class, A);
      for (int i = 0; i < 20; i++) {
        in.produce(i);
        Thread.sleep(50);
      }
      LaneInfo lane = runnel.inspect().lane("spin").orElseThrow();
      assertThat(lane.watchdogReports())
          .as("watchdog reports: %s", lane.lastWatchdogReports())
          .isZero();
      assertThat(got.get()).isPositive();
    }
  }

  static void busyLoop(Duration d) {
    long until = System.nanoTime() + d.toNanos();
    while (System.nanoTime() < until) {
      Thread.onSpinWait();
    }
  }

  @Test
  void tasksOfACooperativeLaneShareStateWithoutLocks() throws Exception {
    int[] counter = {0}; // plain, unsynchronised: safe because only one task runs at a time
    int each = 20_000;
    try (Runnel runnel =
        Runnel.builder()
            .lane("coop", LaneSpec.cooperative(4))
            .configure(
                Integer.class,
                A,
                r ->
                    r.lane("coop")
                        .source(
                            (ctx, out) -> {
                              for (int i = 0; i < each; i++) {
                                int v = counter[0];
                                counter[0] = v + 1;
                                out.produce(i); // a switch point
                              }
                            }))
            .configure(
                Integer.class,
                B,
                r ->
                    r.lane("coop")
                        .source(
                            (ctx, out) -> {
                              for (int i = 0; i < each; i++) {
                                int v = counter[0];
                                Thread.onSpinWait(); // widen the window a data race would need
                                counter[0] = v + 1;
                                out.produce(i);
                              }
                            }))
            .build()
            .start()) {
      assertThat(runnel.awaitCompletion(Duration.ofSeconds(30))).isTrue();
      assertThat(counter[0]).isEqualTo(2 * each);
    }
  }

  @Test
  void spawningBeyondACooperativeBudgetIsAClearError() throws Exception {
    CompletableFuture<Throwable> spawnError = new CompletableFuture<>();
    try (Runnel runnel =
        Runnel.builder()
            .lane("coop", LaneSpec.cooperative(1))
            .configure(
                Integer.class,
                A,
                r ->
                    r.lane("coop")
                        .source(
                            (ctx, out) -> {
                              try {
                                ctx.spawn("extra", c -> {});
                                spawnError.complete(null);
                              } catch (IllegalStateException e) {
                                spawnError.complete(e);
                              }
                            }))
            .build()
            .start()) {
      assertThat(spawnError.get(10, TimeUnit.SECONDS))
          .hasMessageContaining("lane 'coop'")
          .hasMessageContaining("at most 1 tasks");
      assertThat(runnel.inspect().lane("coop").orElseThrow().rejected()).isEqualTo(1);
    }
  }

  @Test
  void aBlockingPoolRunsAtMostItsThreadCountAtOnce() throws Exception {
    AtomicInteger running = new AtomicInteger();
    AtomicInteger maxRunning = new AtomicInteger();
    Source<Integer> blockingCall =
        (ctx, out) -> {
          for (int i = 0; i < 5; i++) {
            maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
            Thread.sleep(20); // a blocking library call: holds its pool slot
            running.decrementAndGet();
            ctx.sleep(Duration.ofMillis(1)); // a Runnel waiting point: gives the slot back
          }
        };
    try (Runnel runnel =
        Runnel.builder()
            .lane("jdbc", LaneSpec.blockingPool(2, 2))
            .configure(Integer.class, A, r -> r.lane("jdbc").source(blockingCall))
            .configure(Integer.class, B, r -> r.lane("jdbc").source(blockingCall))
            .configure(Integer.class, C, r -> r.lane("jdbc").source(blockingCall))
            .build()
            .start()) {
      assertThat(runnel.awaitCompletion(Duration.ofSeconds(30))).isTrue();
      assertThat(maxRunning.get()).isEqualTo(2);
      assertThat(runnel.inspect().tasks())
          .extracting(TaskInfo::state)
          .containsOnly(TaskInfo.State.DONE);
    }
  }

  @Test
  void dedicatedLanesRunTasksOnNamedPlatformThreadsAndPinWherePossible() throws Exception {
    CompletableFuture<String[]> seen = new CompletableFuture<>();
    try (Runnel runnel =
        Runnel.builder()
            .lane("rt", LaneSpec.dedicated().cpus(0))
            .configure(
                Integer.class,
                A,
                r ->
                    r.lane("rt")
                        .source(
                            (ctx, out) -> {
                              String allowed = "";
                              Path status = Path.of("/proc/thread-self/status");
                              if (Files.exists(status)) {
                                allowed =
                                    Files.readAllLines(status).stream()
                                        .filter(l -> l.startsWith("Cpus_allowed_list:"))
                                        .map(l -> l.substring(l.indexOf(':') + 1).trim())
                                        .findFirst()
                                        .orElse("");
                              }
                              seen.complete(
                                  new String[] {
                                    Thread.currentThread().getName(),
                                    String.valueOf(Thread.currentThread().isVirtual()),
                                    allowed
                                  });
                            }))
            .build()
            .start()) {
      String[] s = seen.get(10, TimeUnit.SECONDS);
      assertThat(s[0]).isEqualTo("runnel:lane.a/source");
      assertThat(s[1]).isEqualTo("false");
      runnel.awaitCompletion(Duration.ofSeconds(10));
      LaneInfo rt = runnel.inspect().lane("rt").orElseThrow();
      if (rt.tuningFailures() == 0 && !s[2].isEmpty()) {
        assertThat(s[2]).isEqualTo("0"); // pinned
      }
      assertThat(rt.spec()).isEqualTo("dedicated(spin_then_park, cpus [0])");
    }
  }

  @Test
  void aRealTimeLaneRunsInTheFifoClassWherePermittedAndWarnsElsewhere() throws Exception {
    CompletableFuture<String> policy = new CompletableFuture<>();
    try (Runnel runnel =
        Runnel.builder()
            .lane("rt", LaneSpec.dedicated().realtime(10))
            .configure(
                Integer.class,
                A,
                r ->
                    r.lane("rt")
                        .source(
                            (ctx, out) -> {
                              // field 41 of /proc/<tid>/stat is the scheduling policy (1 = FIFO)
                              Path stat = Path.of("/proc/thread-self/stat");
                              String p = "";
                              if (Files.exists(stat)) {
                                String line = Files.readString(stat);
                                String[] f = line.substring(line.lastIndexOf(')') + 2).split(" ");
                                p = f[41 - 3];
                              }
                              policy.complete(p);
                            }))
            .build()
            .start()) {
      String p = policy.get(10, TimeUnit.SECONDS);
      runnel.awaitCompletion(Duration.ofSeconds(10));
      LaneInfo rt = runnel.inspect().lane("rt").orElseThrow();
      assertThat(rt.spec()).isEqualTo("dedicated(spin_then_park, fifo 10)");
      if (!p.isEmpty()) {
        // either it worked, or it was counted (and warned once)
        assertThat(p.equals("1") || rt.tuningFailures() > 0).as("policy " + p).isTrue();
      }
    }
    assertThatThrownBy(() -> LaneSpec.dedicated().realtime(0))
        .hasMessageContaining("between 1 and 99");
    assertThatThrownBy(() -> LaneSpec.virtual().realtime(5))
        .hasMessageContaining("applies to dedicated lanes");
  }

  @Test
  void eachLaneMeasuresItsWakeToRunDelay() throws Exception {
    java.util.concurrent.CountDownLatch got = new java.util.concurrent.CountDownLatch(50);
    try (Runnel runnel =
        Runnel.builder()
            .lane("control", LaneSpec.dedicated().waitStrategy(WaitStrategy.PARK))
            .lane("idle", LaneSpec.virtual())
            .configure(
                Long.class,
                A,
                r ->
                    r.source(
                        (ctx, out) -> {
                          for (long i = 0; i < 50; i++) {
                            ctx.sleep(Duration.ofMillis(2)); // the reader parks meanwhile
                            out.produce(i);
                          }
                          ctx.sleep(Duration.ofDays(1));
                        }))
            .configure(
                Long.class,
                B,
                r ->
                    r.lane("control")
                        .transform(
                            Long.class,
                            A,
                            v -> {
                              got.countDown();
                              return v;
                            }))
            .configure(
                Long.class,
                C,
                r -> r.lane("idle").source((ctx, out) -> ctx.sleep(Duration.ofDays(1))))
            .build()
            .start()) {
      assertThat(got.await(20, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      var snapshot = runnel.inspect();
      // the dedicated reader was unparked by the producer up to 50 times (fewer on a loaded
      // machine, where it finds values waiting instead of parking)
      var control = snapshot.lane("control").orElseThrow().wakeToRun();
      assertThat(control.count()).isBetween(1L, 60L);
      assertThat(control.p50Nanos()).isPositive();
      assertThat(control.maxNanos()).isGreaterThanOrEqualTo(control.p50Nanos());
      // the default lane's source woke from up to 50 sleeps: a sleep whose deadline passed before
      // the thread got to park (a loaded machine preempts it for 2 ms) returns without a wake
      assertThat(snapshot.lane("default").orElseThrow().wakeToRun().count()).isBetween(1L, 50L);
      // nothing woke on a lane whose only task never wakes
      assertThat(snapshot.lane("idle").orElseThrow().wakeToRun().count()).isZero();
      assertThat(snapshot.toJson()).contains("\"wakeToRun\": {\"count\": ");
    }
  }

  @Test
  void laneSettingsAreValidated() {
    assertThatThrownBy(() -> LaneSpec.virtual().cpus(1))
        .hasMessageContaining("applies to dedicated lanes");
    assertThatThrownBy(() -> LaneSpec.blockingPool(0, 1)).hasMessageContaining("at least 1 thread");
    assertThatThrownBy(() -> LaneSpec.cooperative(0)).hasMessageContaining("at least 1 task");
    assertThatThrownBy(() -> LaneSpec.dedicated().niceness(-21))
        .hasMessageContaining("between -20 and 19");
    assertThatThrownBy(() -> LaneSpec.virtual().watchdog(Duration.ZERO))
        .hasMessageContaining("positive");
  }
}
