package io.runnel.http;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Capped exponential backoff with full jitter. Used in one place, {@link SyncLoop}; to be replaced
 * by the shared core backoff.
 *
 * <p>The delay before retry {@code n} (1-based) is uniform in {@code [0, min(max, min * 2^(n-1))]}
 * ("full jitter"): a fleet of gateways that lost the cloud at the same moment does not come back at
 * the same moment.
 */
final class Backoff {
  private final long minNanos;
  private final long maxNanos;

  Backoff(Duration min, Duration max) {
    if (min.isNegative() || min.isZero()) {
      throw new IllegalArgumentException("minimum backoff must be positive, got " + min);
    }
    if (max.compareTo(min) < 0) {
      throw new IllegalArgumentException(
          "maximum backoff (" + max + ") must not be below the minimum (" + min + ")");
    }
    this.minNanos = min.toNanos();
    this.maxNanos = max.toNanos();
  }

  /** The upper bound of the delay before retry {@code attempt} (1-based). */
  Duration cap(int attempt) {
    int shift = Math.max(0, Math.min(attempt - 1, 62));
    long cap = minNanos;
    for (int i = 0; i < shift && cap < maxNanos; i++) {
      cap = cap > Long.MAX_VALUE / 2 ? Long.MAX_VALUE : cap * 2;
    }
    return Duration.ofNanos(Math.min(cap, maxNanos));
  }

  /** A random delay in {@code [0, cap(attempt)]}. */
  Duration delay(int attempt, RandomGenerator random) {
    long cap = cap(attempt).toNanos();
    return Duration.ofNanos(cap == 0 ? 0 : random.nextLong(cap + 1));
  }
}
