package io.runnel.mqtt;

import java.time.Duration;
import java.util.Objects;

/**
 * Argument checks with the project's standard messages, so that the same mistake reads the same in
 * every builder. Each returns its argument, for use in assignments.
 *
 * <p>Stands in for the core helper that will replace it; the messages are the contract and must
 * stay exactly as they are.
 */
final class Checks {
  private Checks() {}

  /** {@code NullPointerException: "<what> must not be null"}. */
  static <T> T notNull(T value, String what) {
    return Objects.requireNonNull(value, () -> what + " must not be null");
  }

  /** {@code IllegalArgumentException: "<what> must not be blank"} (null as {@link #notNull}). */
  static String notBlank(String value, String what) {
    if (notNull(value, what).isBlank()) {
      throw new IllegalArgumentException(what + " must not be blank");
    }
    return value;
  }

  /** {@code IllegalArgumentException: "<what> must be positive, got <n>"}. */
  static int positive(int n, String what) {
    if (n <= 0) {
      throw new IllegalArgumentException(what + " must be positive, got " + n);
    }
    return n;
  }

  /** {@code IllegalArgumentException: "<what> must be positive, got <duration>"}. */
  static Duration positive(Duration d, String what) {
    if (notNull(d, what).isNegative() || d.isZero()) {
      throw new IllegalArgumentException(what + " must be positive, got " + d);
    }
    return d;
  }

  /** {@code IllegalArgumentException: "<what> must not be negative, got <duration>"}. */
  static Duration notNegative(Duration d, String what) {
    if (notNull(d, what).isNegative()) {
      throw new IllegalArgumentException(what + " must not be negative, got " + d);
    }
    return d;
  }

  /**
   * {@code IllegalArgumentException: "<what> must not exceed <maxName>, got <value> > <max>"}; for
   * a pair of settings ({@code min}, {@code max}) or a setting and its limit.
   */
  static <T extends Comparable<? super T>> T notAbove(T value, String what, T max, String maxName) {
    if (notNull(value, what).compareTo(notNull(max, maxName)) > 0) {
      throw new IllegalArgumentException(
          what + " must not exceed " + maxName + ", got " + value + " > " + max);
    }
    return value;
  }
}
