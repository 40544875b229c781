package io.runnel.spi;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * Runnel's one retry backoff: capped exponential with a documented jitter, used by task restarts
 * ({@link io.runnel.RestartPolicy}) and by every connector's reconnect and retry loop.
 *
 * <p>Attempts count from 0 (the first retry). The ceiling of attempt {@code n} is {@code min(max,
 * initial · 2ⁿ)}; the delay is drawn from it by the {@link Jitter}:
 *
 * <ul>
 *   <li>{@link Jitter#FULL} (the default): uniform in {@code [0, ceiling]}. A fleet that lost its
 *       broker at the same moment does not come back at the same moment (AWS architecture blog,
 *       "Exponential Backoff and Jitter").
 *   <li>{@link Jitter#EQUAL}: uniform in {@code [ceiling/2, ceiling]}: never retries at once, for
 *       reconnects where an immediate retry is known to fail.
 * </ul>
 *
 * <p>The delay never exceeds {@code max}. Pass a seeded {@link RandomGenerator} to {@link
 * #delay(int, RandomGenerator)} for a reproducible sequence (simulations do). Immutable and
 * thread-safe.
 */
public final class Backoff {

  /** How a delay is drawn below the attempt's ceiling. */
  public enum Jitter {
    /** Uniform in {@code [0, ceiling]}. */
    FULL,
    /** Uniform in {@code [ceiling/2, ceiling]}. */
    EQUAL
  }

  private final Duration initial;
  private final Duration max;
  private final Jitter jitter;

  private Backoff(Duration initial, Duration max, Jitter jitter) {
    this.initial = initial;
    this.max = max;
    this.jitter = jitter;
  }

  /**
   * A backoff from {@code initial} doubling up to {@code max}, with full jitter.
   *
   * @throws IllegalArgumentException if {@code initial} is not positive or exceeds {@code max}
   */
  public static Backoff exponential(Duration initial, Duration max) {
    Checks.positive("initial", initial);
    Checks.notNull("max", max);
    Checks.notAbove("initial", initial, "max", max);
    return new Backoff(initial, max, Jitter.FULL);
  }

  /** The same backoff with another jitter. */
  public Backoff jitter(Jitter jitter) {
    return new Backoff(initial, max, Checks.notNull("jitter", jitter));
  }

  public Duration initial() {
    return initial;
  }

  public Duration max() {
    return max;
  }

  public Jitter jitter() {
    return jitter;
  }

  /** The ceiling of attempt {@code attempt} (0-based): {@code min(max, initial · 2^attempt)}. */
  public Duration ceiling(int attempt) {
    long maxNanos = Durations.saturatedNanos(max);
    long c = Durations.saturatedNanos(initial);
    for (int i = 0; i < attempt && c < maxNanos; i++) {
      c = c > maxNanos / 2 ? maxNanos : c * 2;
    }
    return Duration.ofNanos(Math.min(c, maxNanos));
  }

  /** The delay before attempt {@code attempt} (0-based), jitter from {@link ThreadLocalRandom}. */
  public Duration delay(int attempt) {
    return delay(attempt, ThreadLocalRandom.current());
  }

  /** The delay before attempt {@code attempt} (0-based), jitter drawn from {@code random}. */
  public Duration delay(int attempt, RandomGenerator random) {
    Objects.requireNonNull(random, "random must not be null");
    long c = ceiling(attempt).toNanos();
    return Duration.ofNanos(
        switch (jitter) {
          case FULL -> random.nextLong(c + 1);
          case EQUAL -> c / 2 + random.nextLong(c - c / 2 + 1);
        });
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Backoff b
        && b.initial.equals(initial)
        && b.max.equals(max)
        && b.jitter == jitter;
  }

  @Override
  public int hashCode() {
    return Objects.hash(initial, max, jitter);
  }

  @Override
  public String toString() {
    return "backoff(" + initial + ", " + max + ", " + jitter.name().toLowerCase() + " jitter)";
  }
}
