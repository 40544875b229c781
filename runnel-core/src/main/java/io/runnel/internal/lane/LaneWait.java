package io.runnel.internal.lane;

import io.runnel.WaitStrategy;
import io.runnel.internal.time.Parking;

/**
 * How a thread of a dedicated lane waits at a Runnel waiting point: one class per {@link
 * WaitStrategy} ({@link ParkWait}, {@link SpinThenParkWait}, {@link BusySpinWait}), chosen once
 * when the lane is created, so the waiting path has no switch.
 *
 * <p>Contract of the parker it returns: it may return early (spurious wake-up, or a spin step); the
 * caller re-checks its condition and calls again. It marks the activity {@linkplain
 * Activity#waiting() waiting} while it blocks, so the watchdog does not count the wait as running;
 * a parker that never blocks (a busy spin) marks it waiting from its first call of a wait until the
 * waiting point ends ({@link Parking.Parker#waitEnded}).
 */
interface LaneWait {

  /** The parker of one thread. */
  Parking.Parker parker(Activity activity);

  /** Whether readers should spin and yield briefly before they park. */
  boolean spinBeforePark();

  static LaneWait of(WaitStrategy strategy) {
    return switch (strategy) {
      case PARK -> new ParkWait();
      case SPIN_THEN_PARK -> new SpinThenParkWait();
      case BUSY_SPIN -> new BusySpinWait();
    };
  }
}
