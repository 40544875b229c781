package io.runnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.buffer.BufferClosedException;
import io.runnel.buffer.BufferSpec;
import io.runnel.buffer.EndOfStreamException;
import io.runnel.buffer.Producer;
import io.runnel.buffer.Reader;
import io.runnel.inspect.GraphSnapshot;
import io.runnel.inspect.TaskInfo;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LifecycleTest {

  /** Each async test task on its own virtual thread (the common pool has 1 thread on 2 cores). */
  static final java.util.concurrent.Executor VIRTUAL = r -> Thread.ofVirtual().start(r);

  static final RecordKey NUMBERS = RecordKey.of("test.numbers");
  static final RecordKey DOUBLED = RecordKey.of("test.doubled");
  static final RecordKey EVEN = RecordKey.of("test.even");
  static final RecordKey SUM = RecordKey.of("test.sum");
  static final RecordKey INPUT = RecordKey.of("test.input");

  /** A finite source: produces 0..n-1 and returns. */
  static Source<Integer> count(int n) {
    return (ctx, out) -> {
      for (int i = 0; i < n; i++) {
        out.produce(i);
      }
    };
  }

  @Test
  void aFinitePipelineDrainsEverythingThroughTransformsAndTaps() throws Exception {
    List<Integer> tapped = new CopyOnWriteArrayList<>();
    List<Integer> evens = new CopyOnWriteArrayList<>();
    try (Runnel runnel =
        Runnel.builder()
            .configure(
                Integer.class, NUMBERS, r -> r.buffer(BufferSpec.ring(1 << 16)).source(count(1000)))
            .configure(
                Integer.class,
                DOUBLED,
                r ->
                    r.buffer(BufferSpec.ring(1 << 16))
                        .transform(Integer.class, NUMBERS, v -> v * 2)
                        .tap((ctx, v) -> tapped.add(v)))
            .configure(
                Integer.class,
                EVEN,
                r ->
                    r.buffer(BufferSpec.ring(1 << 16))
                        .transform(Integer.class, NUMBERS, v -> v % 2 == 0 ? v : null)
                        .tap((ctx, v) -> evens.add(v)))
            .build()
            .start()) {
      assertThat(runnel.awaitCompletion(Duration.ofSeconds(20))).isTrue();
      assertThat(tapped).hasSize(1000).startsWith(0, 2, 4).endsWith(1998);
      assertThat(evens).hasSize(500);
      GraphSnapshot s = runnel.inspect();
      assertThat(s.record("test.numbers").orElseThrow().produced()).isEqualTo(1000);
      assertThat(s.record("test.numbers").orElseThrow().delivered()).isEqualTo(2000);
      assertThat(s.record("test.even").orElseThrow().produced()).isEqualTo(500);
      assertThat(s.record("test.doubled").orElseThrow().closed()).isTrue();
      assertThat(s.tasks()).extracting(TaskInfo::state).containsOnly(TaskInfo.State.DONE);
    }
  }

  @Test
  void closeStopsAnEndlessSourceAndWakesEveryBlockedReader() throws Exception {
    AtomicReference<Throwable> outsideEnd = new AtomicReference<>();
    Runnel runnel =
        Runnel.builder()
            .configure(
                Integer.class,
                NUMBERS,
                r ->
                    r.source(
                            (ctx, out) -> {
                              for (int i = 0; ; i++) {
                                out.produce(i);
                                ctx.sleep(Duration.ofMillis(5));
                              }
                            })
                        .tap((ctx, v) -> {}))
            .configure(Integer.class, INPUT, r -> r.external().tap((ctx, v) -> {}))
            .build()
            .start();
    Reader<Integer> outside = runnel.subscribe(Integer.class, INPUT);
    Thread blocked =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    outside.recv();
                  } catch (Throwable t) {
                    outsideEnd.set(t);
                  }
                });
    Thread.sleep(100);
    long start = System.nanoTime();
    runnel.close();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
    blocked.join(Duration.ofSeconds(5));
    assertThat(outsideEnd.get()).isInstanceOf(EndOfStreamException.class);
    assertThat(runnel.state()).isEqualTo(Runnel.State.CLOSED);
    assertThat(runnel.inspect().tasks())
        .extracting(TaskInfo::state)
        .containsOnly(TaskInfo.State.DONE);
  }

  @Test
  void aFailingTapDoesNotDisturbTheOthers() throws Exception {
    List<Integer> good = new CopyOnWriteArrayList<>();
    try (Runnel runnel =
        Runnel.builder()
            .configure(
                Integer.class,
                NUMBERS,
                r ->
                    r.buffer(BufferSpec.ring(4096))
                        .source(count(100))
                        .tap(
                            "bad",
                            (ctx, v) -> {
                              if (v % 10 == 0) {
                                throw new IllegalStateException("cannot handle " + v);
                              }
                            })
                        .tap("good", (ctx, v) -> good.add(v)))
            .build()
            .start()) {
      assertThat(runnel.awaitCompletion(Duration.ofSeconds(20))).isTrue();
      assertThat(good).hasSize(100);
      TaskInfo bad = runnel.inspect().task("test.numbers/tap:bad").orElseThrow();
      assertThat(bad.valueFailures()).isEqualTo(10);
      assertThat(bad.lastError()).contains("cannot handle 90");
      assertThat(bad.state()).isEqualTo(TaskInfo.State.DONE);
    }
  }

  @Test
  void aFailingSourceIsRestartedWithBackoffAndCounted() throws Exception {
    AtomicInteger runs = new AtomicInteger();
    List<Integer> seen = new CopyOnWriteArrayList<>();
    try (Runnel runnel =
        Runnel.builder()
            .configure(
                Integer.class,
                NUMBERS,
                r ->
                    r.restart(RestartPolicy.backoff(Duration.ofMillis(1), Duration.ofMillis(20)))
                        .source(
                            (ctx, out) -> {
                              int run = runs.incrementAndGet();
                              out.produce(run);
                              if (run < 3) {
                                throw new java.io.IOException("sensor unplugged (run " + run + ")");
                              }
                            })
                        .tap((ctx, v) -> seen.add(v)))
            .build()
            .start()) {
      assertThat(runnel.awaitCompletion(Duration.ofSeconds(20))).isTrue();
      assertThat(seen).containsExactly(1, 2, 3);
      TaskInfo source = runnel.inspect().task("test.numbers/source").orElseThrow();
      assertThat(source.failures()).isEqualTo(2);
      assertThat(source.restarts()).isEqualTo(2);
      assertThat(source.lastError()).contains("IOException").contains("run 2");
      assertThat(source.state()).isEqualTo(TaskInfo.State.DONE);
    }
  }

  @Test
  void withRestartNeverAFailedSourceStaysFailedAndItsRecordEnds() throws Exception {
    try (Runnel runnel =
        Runnel.builder()
            .defaultRestartPolicy(RestartPolicy.never())
            .configure(
                Integer.class,
                NUMBERS,
                r ->
                    r.source(
                            (ctx, out) -> {
                              throw new IllegalStateException("broken");
                            })
                        .tap((ctx, v) -> {}))
            .build()
            .start()) {
      assertThat(runnel.awaitCompletion(Duration.ofSeconds(20))).isTrue();
      GraphSnapshot s = runnel.inspect();
      assertThat(s.task("test.numbers/source").orElseThrow().state())
          .isEqualTo(TaskInfo.State.FAILED);
      assertThat(s.task("test.numbers/source").orElseThrow().failures()).isEqualTo(1);
      assertThat(s.task("test.numbers/tap:tap-1").orElseThrow().state())
          .isEqualTo(TaskInfo.State.DONE);
    }
  }

  @Test
  void restartsGiveUpAfterTheLimit() throws Exception {
    try (Runnel runnel =
        Runnel.builder()
            .configure(
                Integer.class,
                NUMBERS,
                r ->
                    r.restart(
                            RestartPolicy.backoff(Duration.ofMillis(1), Duration.ofMillis(5))
                                .maxRestarts(3))
                        .source(
                            (ctx, out) -> {
                              throw new IllegalStateException("always");
                            }))
            .build()
            .start()) {
      assertThat(runnel.awaitCompletion(Duration.ofSeconds(20))).isTrue();
      TaskInfo source = runnel.inspect().task("test.numbers/source").orElseThrow();
      assertThat(source.failures()).isEqualTo(4);
      assertThat(source.restarts()).isEqualTo(3);
      assertThat(source.state()).isEqualTo(TaskInfo.State.FAILED);
    }
  }

  @Test
  void aTransformThatThrowsForOneValueSkipsItAndGoesOn() throws Exception {
    List<Integer> out = new CopyOnWriteArrayList<>();
    try (Runnel runnel =
        Runnel.builder()
            .configure(Integer.class, NUMBERS, r -> r.source(count(10)))
            .configure(
                Integer.class,
                DOUBLED,
                r ->
                    r.transform(Integer.class, NUMBERS, v -> 100 / (v - 5))
                        .tap((ctx, v) -> out.add(v)))
            .build()
            .start()) {
      assertThat(runnel.awaitCompletion(Duration.ofSeconds(20))).isTrue();
      assertThat(out).hasSize(9);
      assertThat(runnel.inspect().task("test.doubled/transform").orElseThrow().valueFailures())
          .isEqualTo(1);
    }
  }

  @Test
  void aStatefulTransformGetsFreshStateFromItsFactory() throws Exception {
    List<Integer> sums = new CopyOnWriteArrayList<>();
    try (Runnel runnel =
        Runnel.builder()
            .configure(Integer.class, NUMBERS, r -> r.source(count(5)))
            .configure(
                Integer.class,
                SUM,
                r ->
                    r.transformStateful(
                            Integer.class,
                            NUMBERS,
                            () ->
                                new Transform<Integer, Integer>() {
                                  int sum;

                                  @Override
                                  public Integer apply(Integer v) {
                                    sum += v;
                                    return sum;
                                  }
                                })
                        .tap((ctx, v) -> sums.add(v)))
            .build()
            .start()) {
      assertThat(runnel.awaitCompletion(Duration.ofSeconds(20))).isTrue();
      assertThat(sums).containsExactly(0, 1, 3, 6, 10);
    }
  }

  @Test
  void aJoinOnLatestCombinesTheNewestOfEachInput() throws Exception {
    RecordKey left = RecordKey.of("test.left");
    RecordKey right = RecordKey.of("test.right");
    List<Integer> sums = new CopyOnWriteArrayList<>();
    try (Runnel runnel =
        Runnel.builder()
            .configure(Integer.class, left, r -> r.external())
            .configure(Integer.class, right, r -> r.external())
            .configure(
                Integer.class,
                SUM,
                r ->
                    r.join(
                            j -> {
                              JoinInput<Integer> l = j.input(Integer.class, left);
                              JoinInput<Integer> rr = j.input(Integer.class, right);
                              j.onLatest(latest -> latest.get(l) + latest.get(rr));
                            })
                        .tap((ctx, v) -> sums.add(v)))
            .build()
            .start()) {
      Producer<Integer> l = runnel.producer(Integer.class, left);
      Producer<Integer> r = runnel.producer(Integer.class, right);
      Reader<Integer> sum = runnel.subscribe(Integer.class, SUM);
      l.produce(1); // right has no value yet: nothing
      assertThat(sum.recv(Duration.ofMillis(100))).isNull();
      r.produce(10);
      assertThat(sum.recv(Duration.ofSeconds(5))).isEqualTo(11);
      l.produce(2);
      assertThat(sum.recv(Duration.ofSeconds(5))).isEqualTo(12);
      r.produce(20);
      assertThat(sum.recv(Duration.ofSeconds(5))).isEqualTo(22);
    }
    assertThat(sums).containsExactly(11, 12, 22);
  }

  @Test
  void aJoinTaskSeesEveryValueOfEveryInputAndEndsWhenAllInputsEnd() throws Exception {
    RecordKey left = RecordKey.of("test.left");
    RecordKey right = RecordKey.of("test.right");
    try (Runnel runnel =
        Runnel.builder()
            .configure(Integer.class, left, r -> r.source(count(100)))
            .configure(Integer.class, right, r -> r.source(count(50)))
            .configure(
                Integer.class,
                SUM,
                r ->
                    r.join(
                        j -> {
                          j.input(Integer.class, left);
                          j.input(Integer.class, right);
                          j.task(
                              (ctx, inputs, out) -> {
                                int n = 0;
                                try {
                                  for (; ; ) {
                                    inputs.next();
                                    n++;
                                  }
                                } catch (EndOfStreamException e) {
                                  out.produce(n);
                                }
                              });
                        }))
            .build()) {
      Reader<Integer> sum = runnel.subscribe(Integer.class, SUM);
      runnel.start();
      assertThat(sum.recv(Duration.ofSeconds(10))).isEqualTo(150);
      assertThat(runnel.awaitCompletion(Duration.ofSeconds(10))).isTrue();
    }
  }

  @Test
  void outsideProducersAreCheckedAndSerialised() throws Exception {
    try (Runnel runnel =
        Runnel.builder()
            .configure(Integer.class, INPUT, r -> r.external().buffer(BufferSpec.ring(1 << 17)))
            .configure(Integer.class, NUMBERS, r -> r.source(count(1)))
            .build()
            .start()) {
      assertThatThrownBy(() -> runnel.producer(Integer.class, NUMBERS))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("written by its source");
      assertThatThrownBy(() -> runnel.producer(String.class, INPUT))
          .hasMessageContaining("holds java.lang.Integer, not java.lang.String");
      assertThatThrownBy(() -> runnel.subscribe(Integer.class, RecordKey.of("test.nope")))
          .hasMessageContaining("no record 'test.nope'");
      Reader<Integer> reader = runnel.subscribe(Integer.class, INPUT);
      Producer<Integer> producer = runnel.producer(Integer.class, INPUT);
      int threads = 4;
      int each = 20_000;
      CountDownLatch go = new CountDownLatch(1);
      List<CompletableFuture<Void>> writers = new java.util.ArrayList<>();
      for (int t = 0; t < threads; t++) {
        writers.add(
            CompletableFuture.runAsync(
                () -> {
                  try {
                    go.await();
                  } catch (InterruptedException e) {
                    throw new RuntimeException(e);
                  }
                  for (int i = 0; i < each; i++) {
                    producer.produce(i);
                  }
                },
                VIRTUAL));
      }
      go.countDown();
      for (CompletableFuture<Void> w : writers) {
        w.get(20, TimeUnit.SECONDS);
      }
      int received = 0;
      while (reader.tryRecv() != null) {
        received++;
      }
      assertThat(received).isEqualTo(threads * each);
      assertThat(runnel.inspect().record("test.input").orElseThrow().producers()).isEqualTo(1);
    }
  }

  @Test
  void aTaskThatIgnoresInterruptsIsReportedStuckAndCloseStillReturns() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    Runnel runnel =
        Runnel.builder()
            .shutdownTimeout(Duration.ofMillis(200))
            .configure(
                Integer.class,
                NUMBERS,
                r ->
                    r.source(
                        (ctx, out) -> {
                          started.countDown();
                          long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                          while (System.nanoTime() < until) {
                            try {
                              Thread.sleep(10);
                            } catch (InterruptedException ignored) {
                              // a badly behaved task
                            }
                          }
                        }))
            .build()
            .start();
    started.await();
    long start = System.nanoTime();
    runnel.close();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    assertThat(runnel.inspect().task("test.numbers/source").orElseThrow().state())
        .isEqualTo(TaskInfo.State.STUCK);
  }

  @Test
  void lifecycleMisuseIsAClearError() {
    Runnel runnel =
        Runnel.builder().configure(Integer.class, NUMBERS, r -> r.source(count(1))).build();
    runnel.start();
    assertThatThrownBy(runnel::start)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("RUNNING");
    runnel.close();
    runnel.close(); // idempotent
    assertThatThrownBy(runnel::start)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("CLOSED");
  }

  @Test
  void aSourceThatKeepsProducingAfterCloseEndsOnTheClosedBuffer() throws Exception {
    AtomicReference<Throwable> ended = new AtomicReference<>();
    Runnel runnel =
        Runnel.builder()
            .shutdownTimeout(Duration.ofMillis(200))
            .configure(
                Integer.class,
                NUMBERS,
                r ->
                    r.source(
                        (ctx, out) -> {
                          try {
                            for (int i = 0; ; i++) {
                              out.produce(i); // no waiting point at all
                              if (Thread.interrupted()) {
                                // swallow: only the closed buffer can stop this loop
                              }
                            }
                          } catch (BufferClosedException e) {
                            ended.set(e);
                            throw e;
                          }
                        }))
            .build()
            .start();
    Thread.sleep(50);
    runnel.close();
    assertThat(ended.get()).isInstanceOf(BufferClosedException.class);
    assertThat(runnel.inspect().task("test.numbers/source").orElseThrow().state())
        .isEqualTo(TaskInfo.State.DONE);
  }
}
