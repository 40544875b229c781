package io.runnel.spi.kit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.runnel.LaneSpec;
import io.runnel.RecordKey;
import io.runnel.Runnel;
import io.runnel.Ticker;
import io.runnel.WaitStrategy;
import io.runnel.buffer.Producer;
import io.runnel.inspect.RecordInfo;
import io.runnel.inspect.TaskInfo;
import io.runnel.spi.RecordHook;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The record-hook contract of {@code io.runnel.spi}, as one kit every hook passes. A hook module
 * extends this class in its tests and supplies a {@link Harness}: a working hook, and one whose
 * backend has failed (a closed store, a dead disk).
 *
 * <p>What it checks: a hook whose backend fails <b>degrades itself</b> (counts the failure in its
 * counters, visible in {@code inspect()}) and <b>never throws into the producer</b> (an outside
 * producer, or a ticker source on a dedicated lane that keeps its period); counters never throw; a
 * working hook passes every value through unchanged.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public abstract class RecordHookConformanceKit {

  /** What the kit produces. */
  public record Sample(String source, long n) {}

  public static final RecordKey KEY = RecordKey.of("kit.hooked");

  /** One hook implementation with its backend. */
  public interface Harness extends AutoCloseable {
    /** A hook whose backend works. */
    RecordHook<Sample> working() throws Exception;

    /** A hook whose backend will fail: {@link #breakBackend()} makes it so. */
    RecordHook<Sample> failing() throws Exception;

    /** Makes the failing hook's backend fail (e.g. closes the store under it). */
    void breakBackend() throws Exception;

    /** How many failures {@code counters} (the hook's own) report. */
    long failures(Map<String, Long> counters);

    @Override
    void close() throws Exception;
  }

  protected abstract Harness harness() throws Exception;

  @Test
  void aWorkingHookPassesEveryValueThrough() throws Exception {
    Harness h = harness();
    RecordHook<Sample> hook = h.working();
    try (h;
        Runnel r =
            Runnel.builder()
                .configure(Sample.class, KEY, c -> c.external().hook(hook))
                .build()
                .start()) {
      Producer<Sample> p = r.producer(Sample.class, KEY);
      for (int i = 0; i < 100; i++) {
        p.produce(new Sample("kit", i));
      }
      RecordInfo info = r.inspect().record(KEY.id()).orElseThrow();
      assertThat(info.produced()).isEqualTo(100);
      assertThat(((Sample) info.lastValue()).n()).isEqualTo(99);
    }
  }

  @Test
  void aFailingBackendNeverThrowsIntoAnOutsideProducer() throws Exception {
    Harness h = harness();
    RecordHook<Sample> hook = h.failing();
    try (h;
        Runnel r =
            Runnel.builder()
                .configure(Sample.class, KEY, c -> c.external().hook(hook))
                .build()
                .start()) {
      Producer<Sample> p = r.producer(Sample.class, KEY);
      p.produce(new Sample("kit", -1));
      h.breakBackend();
      for (int i = 0; i < 100; i++) {
        long n = i;
        assertThatCode(() -> p.produce(new Sample("kit", n))).doesNotThrowAnyException();
      }
      RecordInfo info = r.inspect().record(KEY.id()).orElseThrow();
      assertThat(info.produced()).as("the pipeline lost nothing").isEqualTo(101);
      assertThat(h.failures(unprefixed(info.hookCounters())))
          .as("failures counted: " + info.hookCounters())
          .isPositive();
    }
  }

  @Test
  void aFailingBackendNeverStopsATickerOnADedicatedLane() throws Exception {
    Harness h = harness();
    RecordHook<Sample> hook = h.failing();
    try (h;
        Runnel r =
            Runnel.builder()
                .lane("hard", LaneSpec.dedicated().waitStrategy(WaitStrategy.PARK))
                .configure(
                    Sample.class,
                    KEY,
                    c ->
                        c.lane("hard")
                            .hook(hook)
                            .source(
                                (ctx, out) -> {
                                  Ticker t = ctx.ticker(Duration.ofMillis(10));
                                  for (long n = 0; ; n++) {
                                    t.await();
                                    out.produce(new Sample("tick", n));
                                  }
                                }))
                .build()
                .start()) {
      awaitProduced(r, 5);
      h.breakBackend();
      long before = r.inspect().record(KEY.id()).orElseThrow().produced();
      Thread.sleep(1_000);
      long after = r.inspect().record(KEY.id()).orElseThrow().produced();
      assertThat(after - before)
          .as("values produced in 1 s after the backend failed")
          .isGreaterThan(20);
      TaskInfo task = r.inspect().task(KEY.id() + "/source").orElseThrow();
      assertThat(task.failures()).isZero();
      assertThat(task.state()).isEqualTo(TaskInfo.State.RUNNING);
    }
  }

  @Test
  void countersNeverThrow() throws Exception {
    try (Harness h = harness()) {
      RecordHook<Sample> hook = h.failing();
      assertThatCode(hook::counters).doesNotThrowAnyException();
      h.breakBackend();
      assertThatCode(hook::counters).doesNotThrowAnyException();
    }
  }

  private static void awaitProduced(Runnel r, long n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (r.inspect().record(KEY.id()).orElseThrow().produced() < n) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("fewer than " + n + " values produced in 10 s");
      }
      Thread.sleep(10);
    }
  }

  /** {@code <hook>.<counter>} keys without the hook's name. */
  private static Map<String, Long> unprefixed(Map<String, Long> counters) {
    Map<String, Long> m = new java.util.TreeMap<>();
    counters.forEach((k, v) -> m.put(k.substring(k.indexOf('.') + 1), v));
    return m;
  }
}
