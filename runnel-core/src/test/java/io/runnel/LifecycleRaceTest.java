package io.runnel;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.buffer.BufferSpec;
import io.runnel.buffer.LaggedException;
import io.runnel.inspect.TaskInfo;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Lifecycle edge cases found in review: each was a bug once. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LifecycleRaceTest {

  static final RecordKey KEY = RecordKey.of("race.key");
  static final RecordKey OUT = RecordKey.of("race.out");

  static Source<Integer> endless() {
    return (ctx, out) -> {
      for (int i = 0; ; i++) {
        out.produce(i);
        ctx.sleep(Duration.ofMillis(1));
      }
    };
  }

  @Test
  void closeRacingStartNeverLeavesATaskRunning() throws Exception {
    for (int i = 0; i < 100; i++) {
      Runnel runnel =
          Runnel.builder()
              .configure(Integer.class, KEY, r -> r.source(endless()).tap((c, v) -> {}))
              .build();
      CountDownLatch go = new CountDownLatch(1);
      Thread starter =
          Thread.ofPlatform()
              .start(
                  () -> {
                    try {
                      go.await();
                      runnel.start();
                    } catch (Exception ignored) {
                      // start after close is an IllegalStateException: fine
                    }
                  });
      go.countDown();
      runnel.close();
      starter.join();
      runnel.close();
      assertThat(runnel.inspect().tasks())
          .extracting(TaskInfo::state)
          .allMatch(
              s -> s == TaskInfo.State.DONE || s == TaskInfo.State.NEW,
              "all stopped in iteration " + i);
    }
  }

  @Test
  void childrenOfAFailedAttemptAreStoppedBeforeTheRestart() throws Exception {
    AtomicInteger liveChildren = new AtomicInteger();
    AtomicInteger maxLive = new AtomicInteger();
    AtomicInteger attempts = new AtomicInteger();
    try (Runnel runnel =
        Runnel.builder()
            .configure(
                Integer.class,
                KEY,
                r ->
                    r.restart(RestartPolicy.backoff(Duration.ofMillis(1), Duration.ofMillis(2)))
                        .source(
                            (ctx, out) -> {
                              ctx.spawn(
                                  "helper",
                                  c -> {
                                    maxLive.accumulateAndGet(
                                        liveChildren.incrementAndGet(), Math::max);
                                    try {
                                      c.sleep(Duration.ofMinutes(1));
                                    } finally {
                                      liveChildren.decrementAndGet();
                                    }
                                  });
                              Thread.sleep(2);
                              if (attempts.incrementAndGet() < 20) {
                                throw new IllegalStateException("fail attempt " + attempts.get());
                              }
                              ctx.sleep(Duration.ofMinutes(1));
                            }))
            .build()
            .start()) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (attempts.get() < 20 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(attempts.get()).isGreaterThanOrEqualTo(20);
      assertThat(maxLive.get()).isEqualTo(1);
    }
  }

  /**
   * A child spawned while its task restarts must still be stopped by that restart: a grandchild
   * (spawned by a child at once) was once registered only after its thread started, so the
   * restart's {@code stopChildren} could miss it and it outlived the attempt.
   */
  @Test
  void aGrandchildSpawnedDuringARestartDoesNotOutliveIt() throws Exception {
    AtomicInteger liveGrandchildren = new AtomicInteger();
    AtomicInteger attempts = new AtomicInteger();
    List<String> problems = new java.util.concurrent.CopyOnWriteArrayList<>();
    int rounds = 300;
    Runnel runnel =
        Runnel.builder()
            .shutdownTimeout(Duration.ofSeconds(10))
            .configure(
                Integer.class,
                KEY,
                r ->
                    r.restart(RestartPolicy.backoff(Duration.ofMillis(1), Duration.ofMillis(1)))
                        .source(
                            (ctx, out) -> {
                              int attempt = attempts.incrementAndGet();
                              int live = liveGrandchildren.get();
                              if (live != 0) {
                                problems.add(
                                    live
                                        + " grandchild(ren) alive at the start of attempt "
                                        + attempt);
                              }
                              ctx.spawn(
                                  "child",
                                  c ->
                                      c.spawn(
                                          "grandchild",
                                          g -> {
                                            liveGrandchildren.incrementAndGet();
                                            try {
                                              for (; ; ) {
                                                g.sleep(Duration.ofMillis(1));
                                              }
                                            } finally {
                                              liveGrandchildren.decrementAndGet();
                                            }
                                          }));
                              if (attempt < rounds) {
                                throw new IllegalStateException("fail attempt " + attempt);
                              }
                              ctx.sleep(Duration.ofMinutes(1));
                            }))
            .build()
            .start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (attempts.get() < rounds && problems.isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
    } finally {
      runnel.close();
    }
    assertThat(problems).isEmpty();
    assertThat(liveGrandchildren.get()).as("grandchildren alive after close").isZero();
    assertThat(attempts.get()).isGreaterThanOrEqualTo(rounds);
  }

  @Test
  void closeFromAnInterruptedThreadStillStopsEveryTask() throws Exception {
    CountDownLatch tapBusy = new CountDownLatch(1);
    Runnel runnel =
        Runnel.builder()
            .configure(
                Integer.class,
                KEY,
                r ->
                    r.source(endless())
                        .tap(
                            (c, v) -> {
                              tapBusy.countDown();
                              c.sleep(Duration.ofMinutes(1));
                            }))
            .build()
            .start();
    tapBusy.await();
    Thread.currentThread().interrupt();
    runnel.close();
    assertThat(Thread.interrupted()).as("interrupt flag restored").isTrue();
    assertThat(runnel.state()).isEqualTo(Runnel.State.CLOSED);
    assertThat(runnel.awaitCompletion(Duration.ofSeconds(10))).isTrue();
  }

  @Test
  void closeCalledFromInsideATaskReturnsAtOnceAndStopsThePipeline() throws Exception {
    CompletableFuture<Long> closeNanos = new CompletableFuture<>();
    Runnel[] holder = new Runnel[1];
    holder[0] =
        Runnel.builder()
            .shutdownTimeout(Duration.ofSeconds(5))
            .configure(
                Integer.class,
                KEY,
                r ->
                    r.source(endless())
                        .tap(
                            (c, v) -> {
                              if (v == 3) {
                                long t0 = System.nanoTime();
                                holder[0].close();
                                closeNanos.complete(System.nanoTime() - t0);
                              }
                            }))
            .build();
    holder[0].start();
    assertThat(closeNanos.get(10, TimeUnit.SECONDS)).isLessThan(TimeUnit.SECONDS.toNanos(1));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (holder[0].state() != Runnel.State.CLOSED && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(holder[0].state()).isEqualTo(Runnel.State.CLOSED);
    assertThat(holder[0].inspect().tasks())
        .extracting(TaskInfo::state)
        .containsOnly(TaskInfo.State.DONE);
  }

  @Test
  void concurrentClosersAllReturnAfterTheShutdown() throws Exception {
    Runnel runnel =
        Runnel.builder()
            .configure(Integer.class, KEY, r -> r.source(endless()).tap((c, v) -> {}))
            .build()
            .start();
    List<CompletableFuture<Runnel.State>> closers =
        java.util.stream.IntStream.range(0, 4)
            .mapToObj(
                i ->
                    CompletableFuture.supplyAsync(
                        () -> {
                          runnel.close();
                          return runnel.state();
                        },
                        r -> Thread.ofVirtual().start(r)))
            .toList();
    for (CompletableFuture<Runnel.State> c : closers) {
      assertThat(c.get(10, TimeUnit.SECONDS)).isEqualTo(Runnel.State.CLOSED);
    }
  }

  @Test
  void cancelledOrOrphanedChildrenAreNotFailures() throws Exception {
    try (Runnel runnel =
        Runnel.builder()
            .configure(
                Integer.class,
                KEY,
                r ->
                    r.source(
                        (ctx, out) -> {
                          TaskHandle h =
                              ctx.spawn("cancelled", c -> c.sleep(Duration.ofMinutes(1)));
                          h.cancel();
                          h.join(Duration.ofSeconds(5));
                          ctx.spawn("orphan", c -> c.sleep(Duration.ofMinutes(1)));
                        }))
            .build()
            .start()) {
      assertThat(runnel.awaitCompletion(Duration.ofSeconds(10))).isTrue();
      TaskInfo source = runnel.inspect().task("race.key/source").orElseThrow();
      assertThat(source.failures()).isZero();
      assertThat(source.state()).isEqualTo(TaskInfo.State.DONE);
    }
  }

  @Test
  void aTaskWaitingOutARestartBackoffDoesNotDelayClose() throws Exception {
    Runnel runnel =
        Runnel.builder()
            .shutdownTimeout(Duration.ofSeconds(10))
            .configure(Integer.class, KEY, r -> r.source(endless()))
            .configure(
                Integer.class,
                OUT,
                r ->
                    r.restart(RestartPolicy.backoff(Duration.ofSeconds(30), Duration.ofSeconds(30)))
                        .transformTask(
                            Integer.class,
                            KEY,
                            (ctx, in, out) -> {
                              in.recv();
                              throw new IllegalStateException(
                                  "fails, then backs off for up to 30 s");
                            }))
            .build()
            .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (runnel.inspect().task("race.out/transform").orElseThrow().failures() == 0
        && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    long t0 = System.nanoTime();
    runnel.close();
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void anErrorCausedByTheStopInterruptIsNotAFailure() throws Exception {
    Runnel runnel =
        Runnel.builder()
            .configure(
                Integer.class,
                KEY,
                r ->
                    r.source(
                        (ctx, out) -> {
                          try {
                            ctx.sleep(Duration.ofMinutes(1)); // stands in for blocking I/O
                          } catch (InterruptedException e) {
                            throw new java.io.UncheckedIOException(
                                new java.io.InterruptedIOException("closed by interrupt"));
                          }
                        }))
            .build()
            .start();
    Thread.sleep(50);
    runnel.close();
    TaskInfo source = runnel.inspect().task("race.key/source").orElseThrow();
    assertThat(source.failures()).isZero();
    assertThat(source.state()).isEqualTo(TaskInfo.State.DONE);
  }

  @Test
  void aLagEscapingATaskIsNotAFailureAndTheTaskGoesOn() throws Exception {
    AtomicInteger received = new AtomicInteger();
    try (Runnel runnel =
        Runnel.builder()
            .configure(
                Integer.class,
                KEY,
                r ->
                    r.external()
                        .buffer(BufferSpec.ring(4))
                        .tapTask(
                            "naive",
                            (ctx, in) -> {
                              for (; ; ) {
                                in.recv(); // a LaggedException escapes from here
                                received.incrementAndGet();
                              }
                            }))
            .build()
            .start()) {
      var producer = runnel.producer(Integer.class, KEY);
      for (int i = 0; i < 100; i++) {
        producer.produce(i); // faster than the tap: it lags
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (received.get() == 0 && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      producer.produce(1000);
      while (runnel.inspect().record("race.key").orElseThrow().delivered()
                  + runnel.inspect().record("race.key").orElseThrow().lagged()
              < 101
          && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      TaskInfo tap = runnel.inspect().task("race.key/tap:naive").orElseThrow();
      assertThat(tap.failures()).isZero();
      assertThat(tap.state()).isEqualTo(TaskInfo.State.RUNNING);
      var rec = runnel.inspect().record("race.key").orElseThrow();
      assertThat(rec.delivered() + rec.lagged()).isEqualTo(101);
    }
  }

  @Test
  void spawningAfterTheTaskEndedIsAClearError() throws Exception {
    CompletableFuture<RuntimeContext> leaked = new CompletableFuture<>();
    try (Runnel runnel =
        Runnel.builder()
            .configure(Integer.class, KEY, r -> r.source((ctx, out) -> leaked.complete(ctx)))
            .build()
            .start()) {
      runnel.awaitCompletion(Duration.ofSeconds(10));
      RuntimeContext ctx = leaked.get();
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> ctx.spawn("late", c -> {}))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("has ended");
    }
  }

  @SuppressWarnings("unused")
  private static void unused(LaggedException e) {}
}
