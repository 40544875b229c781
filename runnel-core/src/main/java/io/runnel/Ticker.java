package io.runnel;

import java.time.Duration;

/**
 * A periodic timer on absolute deadlines of the monotonic clock. Create with {@link
 * RuntimeContext#ticker}. The first tick is due when the ticker is created; tick {@code k} is due
 * at {@code start + k * period}, so waiting never accumulates drift. Used by one task.
 *
 * <pre>{@code
 * Ticker ticker = ctx.ticker(Duration.ofMillis(10));
 * while (true) {
 *   ticker.await();
 *   out.produce(sample());
 * }
 * }</pre>
 */
public interface Ticker {

  /**
   * Waits for the next tick.
   *
   * @return the tick's scheduled deadline, in {@link RuntimeContext#nanoTime()} units
   */
  long await() throws InterruptedException;

  Duration period();

  MissedTickPolicy policy();

  /** Ticks fired so far. */
  long ticks();

  /** Ticks dropped under {@link MissedTickPolicy#SKIP}, or re-anchorings under DELAY. */
  long missedTicks();

  /** How late the last tick fired, in nanoseconds (0 if none yet). */
  long lastLatenessNanos();

  /** The largest lateness seen so far, in nanoseconds. */
  long maxLatenessNanos();
}
