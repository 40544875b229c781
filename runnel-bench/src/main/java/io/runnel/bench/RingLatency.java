package io.runnel.bench;

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
 * Latency from publishing one value until all N readers have received it (a round trip through the
 * readers' progress counters), for the same implementations as {@link RingThroughput}. Only one
 * value is ever in flight, so no implementation lags or applies backpressure here; what differs is
 * how readers wait (Runnel: spin ~64 polls then park; Disruptor: lock+condition or spin+yield;
 * ArrayBlockingQueue: lock+condition) and how the producer wakes them.
 *
 * <p>SampleTime mode: JMH reports the distribution (p0.50, p0.90, p0.99, p0.999, p0.9999, max).
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 2, timeUnit = TimeUnit.SECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Threads(1) // the benchmark thread is THE single producer
@State(Scope.Benchmark)
public class RingLatency {

  @Param({
    SpmcHarness.RUNNEL,
    SpmcHarness.DISRUPTOR_BLOCKING,
    SpmcHarness.DISRUPTOR_YIELDING,
    SpmcHarness.ABQ
  })
  public String impl;

  @Param({"1", "4"})
  public int readers;

  private SpmcHarness harness;
  private long seq;

  @Setup(Level.Trial)
  public void start() {
    harness = SpmcHarness.start(impl, readers);
    seq = 0;
  }

  @TearDown(Level.Trial)
  public void stop() {
    long missed = harness.missedTotal();
    harness.stop();
    if (missed != 0) {
      // One value in flight can never be overwritten before it is read: this would be a bug.
      throw new IllegalStateException(impl + ": readers missed " + missed + " value(s)");
    }
  }

  @Benchmark
  public void publishToAll() {
    long s = seq;
    harness.publish(s);
    seq = s + 1;
    harness.awaitAll(s + 1);
  }
}
