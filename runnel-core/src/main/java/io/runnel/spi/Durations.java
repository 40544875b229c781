package io.runnel.spi;

import java.time.Duration;

/**
 * Duration arithmetic that saturates instead of throwing (for timeouts and backoffs that may be
 * "forever").
 */
public final class Durations {
  private Durations() {}

  /** {@code d} in nanoseconds, or {@code Long.MAX_VALUE}/{@code MIN_VALUE} where it overflows. */
  public static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }
}
