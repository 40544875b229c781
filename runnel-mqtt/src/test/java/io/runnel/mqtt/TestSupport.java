package io.runnel.mqtt;

import io.runnel.RecordKey;
import io.runnel.Runnel;
import io.runnel.codec.Codec;
import io.runnel.spi.ConnectorStatus;
import io.runnel.testbed.Mosquitto;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/** Shared bits of the MQTT tests. */
final class TestSupport {
  private TestSupport() {}

  record Reading(String sensor, long n) {}

  static final Codec<Reading> JSON = Codec.json(Reading.class);

  /** Skips the test (or fails it on CI) if mosquitto is not installed. */
  static void requireMosquitto() {
    if (Mosquitto.binary() != null) {
      return;
    }
    if (System.getenv("CI") != null) {
      Assertions.fail("mosquitto not found but CI is set: " + Mosquitto.INSTALL_HINT);
    }
    Assumptions.abort("mosquitto not found: " + Mosquitto.INSTALL_HINT);
  }

  /** A Mosquitto broker of the test (skipped, or failed on CI, without mosquitto). */
  static Mosquitto mosquitto(Path dir) throws Exception {
    requireMosquitto();
    return Mosquitto.start(dir);
  }

  static Mosquitto mosquitto(Path dir, Mosquitto.Options options) throws Exception {
    requireMosquitto();
    return Mosquitto.start(dir, options);
  }

  static Mosquitto mosquitto(Path dir, int port, Mosquitto.Options options) throws Exception {
    requireMosquitto();
    return Mosquitto.start(dir, port, options);
  }

  static RecordKey key(String id) {
    return RecordKey.of(id);
  }

  /** Polls until the condition holds, or fails with the last observed state. */
  static void await(String what, Duration timeout, Supplier<Boolean> condition, Supplier<?> state)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.get()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError(
            "timed out after " + timeout + " waiting for " + what + "; state: " + state.get());
      }
      Thread.sleep(10);
    }
  }

  static ConnectorStatus status(Runnel r, String name) {
    return r.inspect().connector(name).orElseThrow();
  }

  static void awaitStatus(
      MqttLink link, String what, Duration timeout, Predicate<ConnectorStatus> condition)
      throws InterruptedException {
    await(what, timeout, () -> condition.test(link.status()), link::status);
  }

  static long counter(ConnectorStatus s, String name) {
    return s.counters().getOrDefault(name, -1L);
  }
}
