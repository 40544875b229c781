package io.runnel.internal.lane;

import io.runnel.internal.time.Parking;

/**
 * {@link io.runnel.WaitStrategy#BUSY_SPIN}: never parks; each call is one spin step and the caller
 * re-checks. The thread keeps its core; the activity stays marked running (see issue 10).
 */
final class BusySpinWait implements LaneWait {

  @Override
  public Parking.Parker parker(Activity activity) {
    return (blocker, deadline) -> Thread.onSpinWait(); // the caller re-checks and calls again
  }

  @Override
  public boolean spinBeforePark() {
    return true;
  }
}
