package io.runnel.mqtt;

/**
 * Spaces a history route's publishes to at most {@code rate} messages per second, with bursts of at
 * most {@code burst} (so that a subscriber consuming at {@code rate} never has more than {@code
 * burst} of them waiting at the broker). A rate of 0 means unlimited. Owned by one route's thread;
 * not thread-safe.
 *
 * <h2>Implementation overview</h2>
 *
 * <p>The generic cell rate algorithm (a token bucket kept as one time): {@code tat}, the
 * theoretical arrival time, is when the route would be back to zero credit if it sent nothing more.
 * Each message moves it one {@code interval} ({@code 1 s / rate}) further, starting from now if it
 * lies in the past; a message may go while {@code tat} is at most {@code burst - 1} intervals ahead
 * of now. So over any span of time {@code t} the route sends at most {@code burst + t * rate}
 * messages, and an idle route regains its full burst, never more.
 */
final class Pacer {

  /** The burst of a rate: 50 ms worth of messages, at least one. */
  static int burstOf(int rate) {
    return Math.max(1, rate / 20);
  }

  private final long intervalNanos;
  private final long toleranceNanos;
  private long tat;

  /** At most {@code rate} messages per second (0: unlimited), in bursts of {@link #burstOf}. */
  Pacer(int rate, long now) {
    if (rate < 0) {
      throw new IllegalArgumentException("rate must not be negative: " + rate);
    }
    this.intervalNanos = rate == 0 ? 0 : Math.max(1, 1_000_000_000L / rate);
    this.toleranceNanos = rate == 0 ? 0 : (long) burstOf(rate) * intervalNanos;
    this.tat = now;
  }

  boolean unlimited() {
    return intervalNanos == 0;
  }

  /** How many messages may go now (at most {@code Integer.MAX_VALUE} if unlimited). */
  int permits(long now) {
    if (unlimited()) {
      return Integer.MAX_VALUE;
    }
    long t = Math.max(tat, now);
    return (int) Math.max(0, (now + toleranceNanos - t) / intervalNanos);
  }

  /** {@code n} messages went at {@code now}. */
  void sent(int n, long now) {
    if (!unlimited() && n > 0) {
      tat = Math.max(tat, now) + n * intervalNanos;
    }
  }

  /** Nanoseconds until the next message may go (0: now). */
  long nanosToNext(long now) {
    if (unlimited()) {
      return 0;
    }
    long at = Math.max(tat, now) - toleranceNanos + intervalNanos;
    return Math.max(0, at - now);
  }
}
