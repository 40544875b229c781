package io.runnel.store;

import java.time.Duration;

/**
 * Which whole segments may be deleted: those whose newest entry is older than {@code maxAge}, and
 * the oldest ones while the store is larger than {@code maxBytes}. The segment being written is
 * never deleted. A segment holding entries a {@linkplain StoreCursor cursor} has not yet passed is
 * kept on age, and deleted on size only (counted as {@code cursorOverruns} and logged).
 *
 * @param maxAge null for no age limit
 * @param maxBytes {@code Long.MAX_VALUE} for no size limit
 */
public record Retention(Duration maxAge, long maxBytes) {

  public Retention {
    if (maxAge != null && (maxAge.isNegative() || maxAge.isZero())) {
      throw new IllegalArgumentException("retention age must be positive: " + maxAge);
    }
    if (maxBytes <= 0) {
      throw new IllegalArgumentException("retention size must be positive: " + maxBytes);
    }
  }

  /** Keep everything. */
  public static Retention keepAll() {
    return new Retention(null, Long.MAX_VALUE);
  }

  /** Limit by age only. */
  public static Retention maxAge(Duration age) {
    return new Retention(age, Long.MAX_VALUE);
  }

  /** Limit by total size only. */
  public static Retention maxBytes(long bytes) {
    return new Retention(null, bytes);
  }
}
