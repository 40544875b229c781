package io.runnel;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.buffer.BufferSpec;
import io.runnel.buffer.Producer;
import io.runnel.buffer.Reader;
import io.runnel.inspect.TaskInfo;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The lane contract: the same pipeline code, put on any lane, gives the same observable results.
 * Every test runs once per lane kind (and per dedicated wait strategy).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LaneConformanceTest {

  static final String LANE = "under-test";
  static final RecordKey NUMBERS = RecordKey.of("lane.numbers");
  static final RecordKey SQUARES = RecordKey.of("lane.squares");
  static final RecordKey LEFT = RecordKey.of("lane.left");
  static final RecordKey RIGHT = RecordKey.of("lane.right");
  static final RecordKey SUM = RecordKey.of("lane.sum");

  static Stream<LaneSpec> lanes() {
    return Stream.of(
        LaneSpec.virtual(),
        LaneSpec.dedicated(),
        LaneSpec.dedicated().waitStrategy(WaitStrategy.PARK),
        LaneSpec.dedicated().waitStrategy(WaitStrategy.BUSY_SPIN),
        LaneSpec.blockingPool(2, 8),
        LaneSpec.cooperative(8));
  }

  static RunnelBuilder builder(LaneSpec spec) {
    return Runnel.builder().lane(LANE, spec).shutdownTimeout(Duration.ofSeconds(5));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("lanes")
  void aSourceTransformAndTapDeliverEveryValueInOrder(LaneSpec spec) throws Exception {
    List<Integer> seen = new CopyOnWriteArrayList<>();
    try (Runnel runnel =
        builder(spec)
            .configure(
                Integer.class,
                NUMBERS,
                r ->
                    r.lane(LANE)
                        .buffer(BufferSpec.ring(4096))
                        .source(
                            (ctx, out) -> {
                              for (int i = 0; i < 2000; i++) {
                                out.produce(i);
                              }
                            }))
            .configure(
                Integer.class,
                SQUARES,
                r ->
                    r.lane(LANE)
                        .buffer(BufferSpec.ring(4096))
                        .transform(Integer.class, NUMBERS, v -> v % 3 == 0 ? v * v : null)
                        .tap((ctx, v) -> seen.add(v)))
            .build()
            .start()) {
      assertThat(runnel.awaitCompletion(Duration.ofSeconds(30))).isTrue();
      assertThat(seen)
          .containsExactlyElementsOf(
              IntStream.range(0, 2000).filter(i -> i % 3 == 0).map(i -> i * i).boxed().toList());
      assertThat(runnel.inspect().tasks()).extracting(TaskInfo::lane).containsOnly(LANE);
      assertThat(runnel.inspect().tasks())
          .extracting(TaskInfo::state)
          .containsOnly(TaskInfo.State.DONE);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("lanes")
  void aJoinOnLatestSeesTheSameSequence(LaneSpec spec) throws Exception {
    try (Runnel runnel =
        builder(spec)
            .configure(Integer.class, LEFT, r -> r.external())
            .configure(Integer.class, RIGHT, r -> r.external())
            .configure(
                Integer.class,
                SUM,
                r ->
                    r.lane(LANE)
                        .join(
                            j -> {
                              JoinInput<Integer> l = j.input(Integer.class, LEFT);
                              JoinInput<Integer> rr = j.input(Integer.class, RIGHT);
                              j.onLatest(latest -> latest.get(l) + latest.get(rr));
                            }))
            .build()
            .start()) {
      Producer<Integer> l = runnel.producer(Integer.class, LEFT);
      Producer<Integer> r = runnel.producer(Integer.class, RIGHT);
      Reader<Integer> sum = runnel.subscribe(Integer.class, SUM);
      l.produce(1);
      r.produce(10);
      assertThat(sum.recv(Duration.ofSeconds(10))).isEqualTo(11);
      l.produce(2);
      assertThat(sum.recv(Duration.ofSeconds(10))).isEqualTo(12);
      r.produce(20);
      assertThat(sum.recv(Duration.ofSeconds(10))).isEqualTo(22);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("lanes")
  void tickersKeepTheirGridAndRecordLateness(LaneSpec spec) throws Exception {
    CompletableFuture<long[]> deadlines = new CompletableFuture<>();
    try (Runnel runnel =
        builder(spec)
            .configure(
                Integer.class,
                NUMBERS,
                r ->
                    r.lane(LANE)
                        .source(
                            (ctx, out) -> {
                              Ticker ticker =
                                  ctx.ticker(Duration.ofMillis(2), MissedTickPolicy.BURST);
                              long[] d = new long[50];
                              for (int i = 0; i < d.length; i++) {
                                d[i] = ticker.await();
                                out.produce(i);
                              }
                              deadlines.complete(d);
                            }))
            .build()
            .start()) {
      long[] d = deadlines.get(30, TimeUnit.SECONDS);
      for (int i = 1; i < d.length; i++) {
        assertThat(d[i] - d[0]).isEqualTo(i * 2_000_000L);
      }
      runnel.awaitCompletion(Duration.ofSeconds(10));
      TaskInfo.Lateness lateness =
          runnel.inspect().task("lane.numbers/source").orElseThrow().lateness();
      assertThat(lateness.ticks()).isEqualTo(50);
      assertThat(lateness.maxNanos()).isGreaterThanOrEqualTo(lateness.p50Nanos());
      assertThat(runnel.inspect().lane(LANE).orElseThrow().lateness().ticks()).isEqualTo(50);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("lanes")
  void closeStopsEndlessTasksPromptly(LaneSpec spec) throws Exception {
    Runnel runnel =
        builder(spec)
            .configure(
                Integer.class,
                NUMBERS,
                r ->
                    r.lane(LANE)
                        .source(
                            (ctx, out) -> {
                              Ticker ticker = ctx.ticker(Duration.ofMillis(1));
                              for (int i = 0; ; i++) {
                                ticker.await();
                                out.produce(i);
                              }
                            })
                        .tap((ctx, v) -> {}))
            .build()
            .start();
    Thread.sleep(100);
    long t0 = System.nanoTime();
    runnel.close();
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(4));
    assertThat(runnel.inspect().tasks())
        .extracting(TaskInfo::state)
        .containsOnly(TaskInfo.State.DONE);
    assertThat(runnel.inspect().lane(LANE).orElseThrow().liveThreads()).isZero();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("lanes")
  void aFailingValueIsCountedAndChildrenRun(LaneSpec spec) throws Exception {
    List<Integer> good = new CopyOnWriteArrayList<>();
    CompletableFuture<String> child = new CompletableFuture<>();
    CompletableFuture<Boolean> joined = new CompletableFuture<>();
    try (Runnel runnel =
        builder(spec)
            .configure(
                Integer.class,
                NUMBERS,
                r ->
                    r.lane(LANE)
                        .buffer(BufferSpec.ring(256))
                        .source(
                            (ctx, out) -> {
                              TaskHandle h = ctx.spawn("helper", c -> child.complete(c.taskName()));
                              // the parent waits at a Runnel waiting point: on a one-slot lane
                              // the child needs the slot the parent would otherwise hold
                              joined.complete(h.join(Duration.ofSeconds(10)));
                              for (int i = 0; i < 20; i++) {
                                out.produce(i);
                              }
                            })
                        .tap(
                            "bad",
                            (ctx, v) -> {
                              if (v == 7) {
                                throw new IllegalStateException("seven");
                              }
                            })
                        .tap("good", (ctx, v) -> good.add(v)))
            .build()
            .start()) {
      assertThat(runnel.awaitCompletion(Duration.ofSeconds(30))).isTrue();
      assertThat(child.get(5, TimeUnit.SECONDS)).isEqualTo("lane.numbers/source/helper");
      assertThat(joined.get(5, TimeUnit.SECONDS)).as("join returned that the child ended").isTrue();
      assertThat(good).hasSize(20);
      assertThat(runnel.inspect().task("lane.numbers/tap:bad").orElseThrow().valueFailures())
          .isEqualTo(1);
    }
  }
}
