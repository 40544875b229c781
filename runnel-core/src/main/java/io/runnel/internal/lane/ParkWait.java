package io.runnel.internal.lane;

import io.runnel.internal.time.Parking;

/** {@link io.runnel.WaitStrategy#PARK}: parks at once, marking the activity waiting meanwhile. */
final class ParkWait implements LaneWait {

  @Override
  public Parking.Parker parker(Activity activity) {
    return track(activity);
  }

  @Override
  public boolean spinBeforePark() {
    return false;
  }

  /** Parks like {@link Parking#LOCK_SUPPORT}, marking the activity waiting meanwhile. */
  static Parking.Parker track(Activity activity) {
    return (blocker, deadline) -> {
      activity.waiting();
      try {
        Parking.LOCK_SUPPORT.park(blocker, deadline);
      } finally {
        activity.running();
      }
    };
  }
}
