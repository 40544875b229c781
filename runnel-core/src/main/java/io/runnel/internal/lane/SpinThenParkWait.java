package io.runnel.internal.lane;

import io.runnel.LaneSpec;
import io.runnel.internal.time.Parking;
import java.util.concurrent.locks.LockSupport;

/**
 * {@link io.runnel.WaitStrategy#SPIN_THEN_PARK}: parks until shortly before a deadline, then spins
 * the last {@value LaneSpec#SPIN_WINDOW_MICROS} µs, so a tick starts within about a microsecond of
 * its deadline without burning a core between ticks.
 */
final class SpinThenParkWait implements LaneWait {
  private static final long SPIN_WINDOW_NANOS = LaneSpec.SPIN_WINDOW_MICROS * 1_000;

  @Override
  public Parking.Parker parker(Activity activity) {
    return (blocker, deadline) -> {
      if (deadline != Parking.NO_DEADLINE && deadline - System.nanoTime() <= SPIN_WINDOW_NANOS) {
        Thread.onSpinWait(); // close to the deadline: spin, the caller re-checks
        return;
      }
      activity.waiting();
      try {
        if (deadline == Parking.NO_DEADLINE) {
          LockSupport.park(blocker);
        } else {
          long remaining = deadline - System.nanoTime() - SPIN_WINDOW_NANOS;
          if (remaining > 0) {
            LockSupport.parkNanos(blocker, remaining);
          }
        }
      } finally {
        activity.running();
      }
    };
  }

  @Override
  public boolean spinBeforePark() {
    return true;
  }
}
