package io.runnel.spi;

import java.time.Duration;
import java.util.Objects;

/**
 * The argument checks of every Runnel builder and spec, so that the same mistake gets the same
 * message in every module (see {@code docs/decisions/008-builder-style.md}):
 *
 * <ul>
 *   <li>null: {@code "<what> must not be null"} ({@link NullPointerException});
 *   <li>not positive: {@code "<what> must be positive, got <value>"};
 *   <li>negative: {@code "<what> must not be negative, got <value>"};
 *   <li>a range: {@code "<low> must not exceed <high>, got <a> > <b>"};
 *   <li>a minimum: {@code "<what> must be at least <min>, got <value>"};
 *   <li>blank: {@code "<what> must not be blank"} (all {@link IllegalArgumentException}).
 * </ul>
 *
 * <p>Each returns its argument, so a builder can check and assign in one expression.
 */
public final class Checks {
  private Checks() {}

  public static <T> T notNull(String what, T value) {
    return Objects.requireNonNull(value, () -> what + " must not be null");
  }

  public static Duration positive(String what, Duration d) {
    notNull(what, d);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(what + " must be positive, got " + d);
    }
    return d;
  }

  public static Duration notNegative(String what, Duration d) {
    notNull(what, d);
    if (d.isNegative()) {
      throw new IllegalArgumentException(what + " must not be negative, got " + d);
    }
    return d;
  }

  /**
   * Returns {@code name} if it follows the record key syntax ({@link io.runnel.RecordKey}: what
   * link, cursor and route names follow too), else throws {@link IllegalArgumentException} {@code
   * "<what>: <the problem>"}.
   *
   * @throws NullPointerException if {@code name} is null
   */
  public static String keySyntax(String what, String name) {
    notNull(what, name);
    java.util.Optional<String> p = io.runnel.RecordKey.problem(name);
    if (p.isPresent()) {
      throw new IllegalArgumentException(what + ": " + p.get());
    }
    return name;
  }

  public static long positive(String what, long n) {
    if (n <= 0) {
      throw new IllegalArgumentException(what + " must be positive, got " + n);
    }
    return n;
  }

  public static int positive(String what, int n) {
    if (n <= 0) {
      throw new IllegalArgumentException(what + " must be positive, got " + n);
    }
    return n;
  }

  public static long notNegative(String what, long n) {
    if (n < 0) {
      throw new IllegalArgumentException(what + " must not be negative, got " + n);
    }
    return n;
  }

  public static int notNegative(String what, int n) {
    if (n < 0) {
      throw new IllegalArgumentException(what + " must not be negative, got " + n);
    }
    return n;
  }

  /** Checks {@code low <= high}. */
  public static void notAbove(String lowName, Duration low, String highName, Duration high) {
    if (low.compareTo(high) > 0) {
      throw new IllegalArgumentException(
          lowName + " must not exceed " + highName + ", got " + low + " > " + high);
    }
  }

  /** Checks {@code low <= high}. */
  public static void notAbove(String lowName, long low, String highName, long high) {
    if (low > high) {
      throw new IllegalArgumentException(
          lowName + " must not exceed " + highName + ", got " + low + " > " + high);
    }
  }

  /** Checks {@code n >= min}. */
  public static long atLeast(String what, long n, long min) {
    if (n < min) {
      throw new IllegalArgumentException(what + " must be at least " + min + ", got " + n);
    }
    return n;
  }

  public static String notBlank(String what, String s) {
    notNull(what, s);
    if (s.isBlank()) {
      throw new IllegalArgumentException(what + " must not be blank");
    }
    return s;
  }
}
