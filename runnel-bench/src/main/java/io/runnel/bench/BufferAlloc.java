package io.runnel.bench;

import io.runnel.buffer.Buffer;
import io.runnel.buffer.BufferSpec;
import io.runnel.buffer.Reader;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Single-threaded cost and allocation of one value through a buffer: {@code produce} then {@code
 * tryRecv} on one reader, per op. Run with {@code -prof gc}: {@code gc.alloc.rate.norm} should be
 * about 0 B/op (values come from a preallocated pool). {@code ringProduceOnly} is the producer
 * alone (one subscribed reader that never reads, so it keeps lagging without being told).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 2, timeUnit = TimeUnit.SECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Threads(1)
@State(Scope.Thread)
public class BufferAlloc {

  private static final Long[] POOL = SpmcHarness.POOL;
  private static final int POOL_MASK = SpmcHarness.POOL_MASK;

  private Buffer<Long> ring;
  private Reader<Long> ringReader;
  private Buffer<Long> latest;
  private Reader<Long> latestReader;
  private Buffer<Long> ringNoReads;
  private int next;

  @Setup(Level.Trial)
  public void setup() {
    ring = BufferSpec.ring(SpmcHarness.CAPACITY).create("alloc-ring");
    ringReader = ring.subscribe();
    latest = BufferSpec.latest().create("alloc-latest");
    latestReader = latest.subscribe();
    ringNoReads = BufferSpec.ring(SpmcHarness.CAPACITY).create("alloc-ring-no-reads");
    ringNoReads.subscribe();
  }

  @TearDown(Level.Trial)
  public void check() {
    // Every value produced must have been received, none missed.
    check(ring, ringReader);
    check(latest, latestReader);
    ring.close();
    latest.close();
    ringNoReads.close();
  }

  private static void check(Buffer<Long> buffer, Reader<Long> reader) {
    if (reader.received() != buffer.produced() || reader.missed() != 0) {
      throw new IllegalStateException(
          buffer.name()
              + ": produced "
              + buffer.produced()
              + ", received "
              + reader.received()
              + ", missed "
              + reader.missed());
    }
  }

  @Benchmark
  public Long ringProduceTryRecv() {
    ring.produce(POOL[next++ & POOL_MASK]);
    return ringReader.tryRecv();
  }

  @Benchmark
  public Long latestProduceTryRecv() {
    latest.produce(POOL[next++ & POOL_MASK]);
    return latestReader.tryRecv();
  }

  @Benchmark
  public void ringProduceOnly() {
    ringNoReads.produce(POOL[next++ & POOL_MASK]);
  }
}
