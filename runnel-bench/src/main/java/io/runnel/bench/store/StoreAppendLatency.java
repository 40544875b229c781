package io.runnel.bench.store;

import io.runnel.store.HistoryStore;
import io.runnel.store.OverflowPolicy;
import io.runnel.store.Retention;
import io.runnel.store.StoreConfig;
import io.runnel.store.StoreStats;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Producer-side cost of {@link HistoryStore#append}: the hand-off into the queue, while the writer
 * thread writes and fsyncs in the background. SampleTime mode: JMH reports p50/p99/p99.9.
 *
 * <p>{@link #append()} runs the producer flat out: faster than any disk, so the queue is often full
 * and the figures include contention with the writer (the policy is drop-oldest so the benchmark
 * never blocks; the teardown prints how many were dropped). {@link #appendPaced()} models a sensor:
 * it burns ~5 µs of CPU ({@link Blackhole#consumeCPU}) between appends, so the writer keeps up, and
 * times only the append with {@code System.nanoTime} into an HdrHistogram printed at the end
 * ({@code [paced append]} line); its JMH score includes the pause and is not the figure to read.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 2, timeUnit = TimeUnit.SECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Threads(1)
@State(Scope.Benchmark)
public class StoreAppendLatency {

  @Param({"batch", "never"})
  public String durability;

  private final Histogram paced = new Histogram(3_600_000_000_000L, 3);

  private Path dir;
  private HistoryStore store;
  private HistoryStore.Appender<BenchData.Reading> appender;

  @Setup(Level.Trial)
  public void open() throws Exception {
    dir = BenchData.tempDir("runnel-store-latency");
    store =
        HistoryStore.open(
            StoreConfig.builder(dir)
                .durability(BenchData.durability(durability))
                .overflow(OverflowPolicy.dropOldest())
                .retention(Retention.maxBytes(BenchData.RETAINED_BYTES))
                .queueCapacity(1 << 16)
                .build());
    appender = store.appender(BenchData.KEY, BenchData.CODEC);
  }

  @TearDown(Level.Trial)
  public void close() throws Exception {
    StoreStats s = store.stats();
    store.close();
    System.out.printf(
        "%n[store] appended=%d written=%d dropped=%d fsyncs=%d batches=%d%n",
        s.appended(), s.written(), s.droppedOldest(), s.fsyncs(), s.batches());
    if (paced.getTotalCount() > 0) {
      System.out.printf(
          "[paced append] n=%d p50=%d ns p99=%d ns p99.9=%d ns max=%d ns (incl. ~20 ns nanoTime)%n",
          paced.getTotalCount(),
          paced.getValueAtPercentile(50),
          paced.getValueAtPercentile(99),
          paced.getValueAtPercentile(99.9),
          paced.getMaxValue());
    }
    BenchData.deleteTree(dir);
  }

  @Benchmark
  public long append() {
    return appender.append(BenchData.VALUE);
  }

  @Benchmark
  public long appendPaced() {
    Blackhole.consumeCPU(2000);
    long t0 = System.nanoTime();
    long seq = appender.append(BenchData.VALUE);
    paced.recordValue(System.nanoTime() - t0);
    return seq;
  }
}
