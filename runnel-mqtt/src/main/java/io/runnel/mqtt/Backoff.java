package io.runnel.mqtt;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Capped exponential backoff with "equal jitter": attempt {@code n} waits a random time in {@code
 * [d/2, d]} where {@code d = min(max, min * 2^n)}. Unlike full jitter it never retries at once, and
 * unlike HiveMQ's built-in automatic reconnect (which adds ±25 % on top) it never exceeds {@code
 * max}.
 */
record Backoff(Duration min, Duration max) {

  Backoff {
    if (min.isNegative() || min.isZero()) {
      throw new IllegalArgumentException("reconnect: minimum delay must be positive, got " + min);
    }
    if (max.compareTo(min) < 0) {
      throw new IllegalArgumentException(
          "reconnect: maximum delay " + max + " is shorter than the minimum " + min);
    }
  }

  /** The delay before attempt {@code attempt} (0 = the first retry), in nanoseconds. */
  long delayNanos(int attempt) {
    double d = min.toNanos() * Math.pow(2, Math.min(Math.max(attempt, 0), 40));
    long capped = (long) Math.min(d, (double) max.toNanos());
    long half = capped / 2;
    return half + ThreadLocalRandom.current().nextLong(capped - half + 1);
  }
}
