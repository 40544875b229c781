package io.runnel.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Throughput of one producer feeding N readers (each reader sees every value), for Runnel's ring,
 * the LMAX Disruptor (multicast) and one ArrayBlockingQueue per reader.
 *
 * <p>Each invocation publishes {@value #BATCH} values and then waits until every reader has
 * accounted for the last one (received it, or, on Runnel, been told it missed it). The primary
 * score is the producer rate in values/s, including that final drain.
 *
 * <p><b>Not like for like:</b> Runnel's producer never waits; a reader more than {@code capacity}
 * values behind loses values (counted exactly). The Disruptor and the queues apply backpressure
 * instead: the producer waits for the slowest reader and nothing is lost. So the secondary results
 * matter:
 *
 * <ul>
 *   <li>{@code deliveredPerReader}: values received per second, averaged over the readers;
 *   <li>{@code missedPerReader}: values missed per second, averaged over the readers (0 except on
 *       Runnel). Loss % = missed / (delivered + missed).
 * </ul>
 *
 * For every implementation, delivered + missed per reader equals the producer rate.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 2, timeUnit = TimeUnit.SECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Threads(1) // the benchmark thread is THE single producer
@State(Scope.Benchmark)
public class RingThroughput {

  /** Values published per invocation. */
  public static final int BATCH = 10_000;

  @Param({
    SpmcHarness.RUNNEL,
    SpmcHarness.DISRUPTOR_BLOCKING,
    SpmcHarness.DISRUPTOR_YIELDING,
    SpmcHarness.ABQ
  })
  public String impl;

  @Param({"1", "4"})
  public int readers;

  /**
   * Ring (or queue) capacity. 1024: a burst of {@value #BATCH} overruns it, so Runnel readers that
   * are not scheduled in time lose values while the others make the producer wait. 16384: the whole
   * burst fits, so neither loses nor waits, and the delivered rates compare like for like.
   */
  @Param({"1024", "16384"})
  public int capacity;

  private SpmcHarness harness;
  private long seq;
  private long lastDelivered;
  private long lastMissed;
  private long lastLagEvents;

  /**
   * Per-reader rates, reported next to the producer rate. OPERATIONS counters are divided by the
   * iteration time, so they come out in values/s.
   */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class PerReader {
    /** Values received, summed over the readers and divided by their number. */
    public double deliveredPerReader;

    /** Values missed (Runnel only), summed over the readers and divided by their number. */
    public double missedPerReader;

    /**
     * LaggedExceptions (Runnel only), summed over the readers and divided by their number. Missed /
     * lag events = values lost per lag; each lag event allocates one exception.
     */
    public double lagEventsPerReader;

    @Setup(Level.Iteration)
    public void reset() {
      deliveredPerReader = 0;
      missedPerReader = 0;
      lagEventsPerReader = 0;
    }
  }

  @Setup(Level.Trial)
  public void start() {
    harness = SpmcHarness.start(impl, readers, capacity);
    seq = 0;
    lastDelivered = 0;
    lastMissed = 0;
    lastLagEvents = 0;
  }

  @TearDown(Level.Trial)
  public void stop() {
    harness.stop();
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void publish(PerReader perReader) {
    SpmcHarness h = harness;
    long first = seq;
    long end = first + BATCH;
    for (long s = first; s < end; s++) {
      h.publish(s);
    }
    seq = end;
    h.awaitAll(end);
    // The readers are idle now (every one reached `end`), so these totals are exact.
    long delivered = h.deliveredTotal();
    long missed = h.missedTotal();
    long lagEvents = h.lagEventsTotal();
    perReader.deliveredPerReader += (double) (delivered - lastDelivered) / readers;
    perReader.missedPerReader += (double) (missed - lastMissed) / readers;
    perReader.lagEventsPerReader += (double) (lagEvents - lastLagEvents) / readers;
    lastDelivered = delivered;
    lastMissed = missed;
    lastLagEvents = lagEvents;
  }
}
