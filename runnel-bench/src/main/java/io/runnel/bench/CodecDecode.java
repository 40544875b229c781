package io.runnel.bench;

import io.runnel.codec.Codec;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@code RecordCodec.decode} of a small record (strings, a double, longs, a nested record, a list):
 * the store's read path (query, replay, restore) and the links' inbound decoding of binary
 * payloads.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 1, timeUnit = TimeUnit.SECONDS)
@Fork(
    value = 2,
    jvmArgsAppend = {"-Xms256m", "-Xmx256m"})
@State(Scope.Thread)
public class CodecDecode {

  /** A position. */
  public record Where(double lat, double lon) {}

  /** A reading as a gateway stores it. */
  public record Reading(String sensor, double celsius, long at, Where where, List<Integer> raw) {}

  private final Codec<Reading> codec = Codec.forRecord(Reading.class);
  private byte[] bytes;

  @Setup
  public void setup() {
    bytes =
        codec.encode(
            new Reading(
                "sensor.temp.indoor",
                21.25,
                1_733_000_000_000L,
                new Where(48.1, 11.6),
                List.of(1, 2, 3, 4, 5, 6, 7, 8)));
  }

  @Benchmark
  public Reading decode() {
    return codec.decode(bytes);
  }
}
