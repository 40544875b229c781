package io.runnel.http;

import java.time.Duration;
import java.util.Objects;

/**
 * The argument checks of the builders, with the project's messages for the same mistakes. A
 * stand-in for the core helper that will replace it (same method names, same messages).
 *
 * <ul>
 *   <li>null: {@code NullPointerException("<what> must not be null")}
 *   <li>duration not &gt; 0: {@code "<what> must be positive, got <duration>"}
 *   <li>duration &lt; 0: {@code "<what> must not be negative, got <duration>"}
 *   <li>count not &gt; 0: {@code "<what> must be positive, got <n>"}
 *   <li>range: {@code "<min name> must not exceed <max name>, got <a> > <b>"}
 *   <li>blank string: {@code "<what> must not be blank"}
 * </ul>
 *
 * All but {@link #notNull} throw {@link IllegalArgumentException}; a null argument to any of them
 * is a {@link NullPointerException} with the null message.
 */
final class Checks {
  private Checks() {}

  static <T> T notNull(T value, String what) {
    return Objects.requireNonNull(value, what + " must not be null");
  }

  static Duration positive(Duration d, String what) {
    notNull(d, what);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(what + " must be positive, got " + d);
    }
    return d;
  }

  static Duration notNegative(Duration d, String what) {
    notNull(d, what);
    if (d.isNegative()) {
      throw new IllegalArgumentException(what + " must not be negative, got " + d);
    }
    return d;
  }

  static int positive(int n, String what) {
    if (n <= 0) {
      throw new IllegalArgumentException(what + " must be positive, got " + n);
    }
    return n;
  }

  static long positive(long n, String what) {
    if (n <= 0) {
      throw new IllegalArgumentException(what + " must be positive, got " + n);
    }
    return n;
  }

  /** {@code min <= max}, else "<minName> must not exceed <maxName>, got <min> > <max>". */
  static <T extends Comparable<? super T>> void notExceeding(
      T min, String minName, T max, String maxName) {
    notNull(min, minName);
    notNull(max, maxName);
    if (min.compareTo(max) > 0) {
      throw new IllegalArgumentException(
          minName + " must not exceed " + maxName + ", got " + min + " > " + max);
    }
  }

  static String notBlank(String s, String what) {
    notNull(s, what);
    if (s.isBlank()) {
      throw new IllegalArgumentException(what + " must not be blank");
    }
    return s;
  }
}
