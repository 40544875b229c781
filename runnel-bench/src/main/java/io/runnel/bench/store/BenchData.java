package io.runnel.bench.store;

import io.runnel.RecordKey;
import io.runnel.codec.Codec;
import io.runnel.store.Durability;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;

/** The shared workload of the store benchmarks: one small sensor reading per entry. */
final class BenchData {
  private BenchData() {}

  /** A typical value: ~40 bytes encoded by the record codec. */
  record Reading(String sensor, double celsius, long atMicros, int quality) {}

  /** Retention size of the store benchmarks: bounds the disk they use, as on a device. */
  static final long RETAINED_BYTES = 256L << 20;

  static final RecordKey KEY = RecordKey.of("bench.sensor.temp");
  static final Codec<Reading> CODEC = Codec.forRecord(Reading.class);
  static final Reading VALUE = new Reading("indoor-livingroom", 21.5, 1_700_000_000_000_000L, 3);

  static Durability durability(String name) {
    return switch (name) {
      case "batch" -> Durability.everyBatch();
      case "interval10ms" -> Durability.every(Duration.ofMillis(10));
      case "never" -> Durability.never();
      default -> throw new IllegalArgumentException("unknown durability " + name);
    };
  }

  static Path tempDir(String prefix) throws IOException {
    return Files.createTempDirectory(prefix);
  }

  static void deleteTree(Path dir) throws IOException {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
