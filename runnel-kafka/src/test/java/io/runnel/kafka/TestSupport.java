package io.runnel.kafka;

import io.runnel.RecordKey;
import io.runnel.codec.Codec;
import io.runnel.spi.ConnectorStatus;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

final class TestSupport {
  private TestSupport() {}

  /** What the tests persist and send. */
  record Reading(String sensor, long n, double value) {}

  static final Codec<Reading> CODEC = Codec.forRecord(Reading.class);

  static RecordKey key(String id) {
    return RecordKey.of(id);
  }

  /** Polls every 10 ms until {@code condition} holds, or fails with {@code state}. */
  static void await(String what, Duration timeout, BooleanSupplier condition, Supplier<?> state)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("timed out after " + timeout + ": " + what + "; " + state.get());
      }
      TimeUnit.MILLISECONDS.sleep(10);
    }
  }

  static long counter(ConnectorStatus s, String name) {
    Long v = s.counters().get(name);
    if (v == null) {
      throw new AssertionError("no counter '" + name + "' in " + s.counters().keySet());
    }
    return v;
  }
}
