package io.runnel;

import io.runnel.spi.Backoff;
import io.runnel.spi.Checks;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * What happens to a task that fails (throws out of its body): nothing more ({@link #never()}), or a
 * restart after a capped exponential backoff with full jitter ({@link #backoff}). Failures and
 * restarts are logged with the record key and counted in introspection either way.
 *
 * <p>Applies to whole tasks: sources, {@link TapTask}s, {@link TransformTask}s and {@link
 * JoinTask}s. Per-value callbacks ({@link Tap}, {@link Transform}, {@link Join#onLatest}) that
 * throw are counted and skip that value; they do not need restarting. The default is {@code
 * backoff(100 ms, 30 s)} without a restart limit: a device nobody can reach should heal itself.
 */
public final class RestartPolicy {

  private static final RestartPolicy NEVER = new RestartPolicy(Duration.ZERO, Duration.ZERO, 0);
  private static final RestartPolicy DEFAULT =
      new RestartPolicy(Duration.ofMillis(100), Duration.ofSeconds(30), Integer.MAX_VALUE);

  private final Duration initial;
  private final Duration max;
  private final int maxRestarts;
  private final Backoff backoff;

  private RestartPolicy(Duration initial, Duration max, int maxRestarts) {
    this.initial = initial;
    this.max = max;
    this.maxRestarts = maxRestarts;
    this.backoff = maxRestarts == 0 ? null : Backoff.exponential(initial, max);
  }

  /** A failed task stays failed. */
  public static RestartPolicy never() {
    return NEVER;
  }

  /** The default: {@code backoff(100 ms, 30 s)}, no limit. */
  public static RestartPolicy defaultPolicy() {
    return DEFAULT;
  }

  /**
   * Restart after a delay drawn uniformly from {@code [0, min(max, initial * 2^attempt)]} (full
   * jitter). The attempt count resets once a run lasts longer than {@code max}.
   */
  public static RestartPolicy backoff(Duration initial, Duration max) {
    Checks.positive("initial", initial);
    Checks.notNull("max", max);
    Checks.notAbove("initial", initial, "max", max);
    Checks.notAbove("max", max, "1 day", Duration.ofDays(1));
    return new RestartPolicy(initial, max, Integer.MAX_VALUE);
  }

  /** The same policy, giving up after {@code maxRestarts} restarts in a row. */
  public RestartPolicy maxRestarts(int maxRestarts) {
    Checks.notNegative("maxRestarts", maxRestarts);
    return this == NEVER ? NEVER : new RestartPolicy(initial, max, maxRestarts);
  }

  public boolean restarts() {
    return maxRestarts > 0;
  }

  public Duration initial() {
    return initial;
  }

  public Duration max() {
    return max;
  }

  public int maxRestartsInARow() {
    return maxRestarts;
  }

  /**
   * The delay before restart number {@code attempt} (0-based), or {@code null} to give up: {@link
   * Backoff#delay(int, RandomGenerator)} of {@code Backoff.exponential(initial, max)} (full
   * jitter).
   */
  public Duration delayBefore(int attempt) {
    return delayBefore(attempt, ThreadLocalRandom.current());
  }

  /**
   * Like {@link #delayBefore(int)}, drawing the jitter from {@code random} (seeded in a
   * simulation).
   */
  public Duration delayBefore(int attempt, RandomGenerator random) {
    return attempt >= maxRestarts ? null : backoff.delay(attempt, random);
  }

  @Override
  public String toString() {
    if (!restarts()) {
      return "never";
    }
    return "backoff("
        + initial
        + ", "
        + max
        + (maxRestarts == Integer.MAX_VALUE ? "" : ", max " + maxRestarts)
        + ")";
  }
}
