package io.runnel.bench.store;

import io.runnel.store.HistoryStore;
import io.runnel.store.OverflowPolicy;
import io.runnel.store.Retention;
import io.runnel.store.StoreConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
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

/**
 * Sustained entries per second into the history store under each durability policy. The producer
 * appends flat out with a waiting overflow policy, so after the queue fills the measured rate is
 * what the writer thread sustains (encode + write + fsync policy). Each iteration ends with {@code
 * sync()} + {@code awaitDurable}, so entries still queued are not counted as done for free. Compare
 * with {@link SqliteThroughput} (same value, same encoding).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 2, timeUnit = TimeUnit.SECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Threads(1)
@State(Scope.Benchmark)
public class StoreThroughput {

  @Param({"batch", "interval10ms", "never"})
  public String durability;

  private Path dir;
  private HistoryStore store;
  private HistoryStore.Appender<BenchData.Reading> appender;
  private final OverflowPolicy wait = OverflowPolicy.waitUpTo(Duration.ofSeconds(30));

  @Setup(Level.Trial)
  public void open() throws Exception {
    dir = BenchData.tempDir("runnel-store-throughput");
    store =
        HistoryStore.open(
            StoreConfig.builder(dir)
                .durability(BenchData.durability(durability))
                .overflow(wait)
                .retention(Retention.maxBytes(BenchData.RETAINED_BYTES))
                .queueCapacity(1 << 14)
                .build());
    appender = store.appender(BenchData.KEY, BenchData.CODEC);
  }

  @TearDown(Level.Iteration)
  public void drain() throws Exception {
    store.awaitDurable(store.sync(), Duration.ofSeconds(60));
  }

  @TearDown(Level.Trial)
  public void close() throws Exception {
    System.out.printf("%n[store] %s%n", store.stats());
    store.close();
    BenchData.deleteTree(dir);
  }

  @Benchmark
  public long append() {
    return appender.append(BenchData.VALUE);
  }
}
