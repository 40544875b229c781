package io.runnel;

/**
 * What a {@link Ticker} does when ticks were missed (the task took longer than a period, or the
 * thread was not scheduled in time). Modelled on Tokio's {@code MissedTickBehavior}. Ticks are
 * scheduled on the grid {@code start + k * period}; a tick is "missed" when its deadline has passed
 * by a full period or more before {@link Ticker#await()} is called.
 */
public enum MissedTickPolicy {
  /**
   * Fire every missed tick at once, back to back, until caught up; the grid never moves. Right when
   * every tick must be counted (integrators, counters); can cause a burst of work after a stall.
   */
  BURST,
  /**
   * Drop missed ticks and fire at the next grid point; the grid never moves. Right for sampling and
   * control loops: no burst, no drift. The default.
   */
  SKIP,
  /**
   * Fire the late tick now and re-anchor the grid there, so the next tick is one full period after
   * it. Keeps a minimum spacing between ticks, at the price of drifting by the delay.
   */
  DELAY
}
