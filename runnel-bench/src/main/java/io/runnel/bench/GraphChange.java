package io.runnel.bench;

import io.runnel.RecordKey;
import io.runnel.Runnel;
import io.runnel.RunnelBuilder;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of one run-time change of a running pipeline (decision 021): adding a station's record
 * (written from outside, with one tap) and removing it again, on a hub that already has {@code
 * stations} such records. A change checks the whole graph again (as {@code build()} does), so its
 * cost grows with the graph; this says by how much. The produce path is not touched by changes and
 * has its own benchmarks.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 1, timeUnit = TimeUnit.SECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@State(Scope.Benchmark)
public class GraphChange {

  /** A station's reading. */
  public record Reading(String station, double celsius) {}

  @Param({"10", "100", "1000"})
  public int stations;

  private Runnel runnel;
  private final RecordKey added = RecordKey.of("mesh.station.new");

  @Setup(Level.Trial)
  public void start() {
    RunnelBuilder b = Runnel.builder().name("bench-hub");
    for (int i = 0; i < stations; i++) {
      b.configure(
          Reading.class,
          RecordKey.of("mesh.station." + i),
          r -> r.external().tap("count", (ctx, v) -> {}));
    }
    runnel = b.build().start();
  }

  @TearDown(Level.Trial)
  public void stop() {
    runnel.close();
  }

  /** One add and one remove: the tap's task starts, then stops and is waited for. */
  @Benchmark
  public long addAndRemove() {
    runnel.add(Reading.class, added, r -> r.external().tap("count", (ctx, v) -> {}));
    return runnel.remove(added).version();
  }
}
