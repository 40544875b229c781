package io.runnel.bench.store;

import io.runnel.store.HistoryStore;
import io.runnel.store.OverflowPolicy;
import io.runnel.store.Retention;
import io.runnel.store.StoreConfig;
import io.runnel.store.StoreStats;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
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
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

/**
 * Issue 10, item 7: the tail of {@link HistoryStore#append} for a paced producer (a control loop
 * with a persist hook, policy drop-oldest) while the disk is busy: the store forces every batch,
 * and a second thread of the same trial (the <em>fsync storm</em>) writes 64 KiB to another file of
 * the same file system and forces it, in a loop. The producer appends one value, then sleeps {@link
 * #periodMicros} (a sleeping loop, as a dedicated lane's ticker); only the {@code append} call is
 * timed ({@code System.nanoTime}, ~20 ns included) into an HdrHistogram over the measurement
 * iterations, printed at the end as the {@code [storm append]} line with its p99.9 and max: those
 * are the figures to read, not JMH's score (which includes the sleep).
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 3, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 3, timeUnit = TimeUnit.SECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Threads(1)
@State(Scope.Benchmark)
public class StoreAppendFsyncStorm {

  /** The producer's sleep between appends (the loop's period, roughly: parking overshoots). */
  @Param({"100"})
  public long periodMicros;

  private final Histogram timed = new Histogram(3_600_000_000_000L, 3);
  private final AtomicLong stormForces = new AtomicLong();
  private volatile boolean measuring;
  private volatile boolean stop;

  private Path dir;
  private HistoryStore store;
  private HistoryStore.Appender<BenchData.Reading> appender;
  private Thread storm;

  @Setup(Level.Trial)
  public void open() throws Exception {
    dir = BenchData.tempDir("runnel-store-storm");
    store =
        HistoryStore.open(
            StoreConfig.builder(dir.resolve("store"))
                .durability(BenchData.durability("batch"))
                .overflow(OverflowPolicy.dropOldest())
                .retention(Retention.maxBytes(BenchData.RETAINED_BYTES))
                .build());
    appender = store.appender(BenchData.KEY, BenchData.CODEC);
    Path file = dir.resolve("storm.bin");
    storm = new Thread(() -> storm(file), "fsync-storm");
    storm.setDaemon(true);
    storm.start();
  }

  /** Writes 64 KiB at the start of {@code file} and forces it, until stopped. */
  private void storm(Path file) {
    ByteBuffer block = ByteBuffer.allocateDirect(64 << 10);
    try (FileChannel ch =
        FileChannel.open(
            file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ)) {
      long pos = 0;
      while (!stop) {
        block.clear();
        while (block.hasRemaining()) {
          pos += ch.write(block, pos);
        }
        if (pos >= (16 << 20)) {
          pos = 0;
        }
        ch.force(true);
        stormForces.incrementAndGet();
      }
    } catch (IOException e) {
      throw new IllegalStateException("fsync storm failed", e);
    }
  }

  @Setup(Level.Iteration)
  public void iteration(IterationParams params) {
    measuring = params.getType() == IterationType.MEASUREMENT;
  }

  @TearDown(Level.Trial)
  public void close() throws Exception {
    stop = true;
    storm.join(10_000);
    StoreStats s = store.stats();
    store.close();
    System.out.printf(
        "%n[store] appended=%d written=%d dropped=%d fsyncs=%d batches=%d storm forces=%d%n",
        s.appended(), s.written(), s.droppedOldest(), s.fsyncs(), s.batches(), stormForces.get());
    System.out.printf(
        "[storm append] n=%d p50=%d ns p99=%d ns p99.9=%d ns p99.99=%d ns max=%d ns"
            + " (incl. ~20 ns nanoTime)%n",
        timed.getTotalCount(),
        timed.getValueAtPercentile(50),
        timed.getValueAtPercentile(99),
        timed.getValueAtPercentile(99.9),
        timed.getValueAtPercentile(99.99),
        timed.getMaxValue());
    BenchData.deleteTree(dir);
  }

  @Benchmark
  public long appendBesideFsyncStorm() {
    LockSupport.parkNanos(periodMicros * 1000);
    long t0 = System.nanoTime();
    long seq = appender.append(BenchData.VALUE);
    long t = System.nanoTime() - t0;
    if (measuring) {
      timed.recordValue(t);
    }
    return seq;
  }
}
