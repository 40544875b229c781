package io.runnel.internal.lane;

import io.runnel.LaneSpec;
import io.runnel.internal.time.Parking;

/** {@link LaneSpec#virtual()}: a virtual thread per task; waits park the virtual thread. */
final class VirtualLane extends Lane {
  VirtualLane(String name, LaneSpec spec) {
    super(name, spec);
  }

  @Override
  Parking.Parker parker(Activity activity) {
    return ParkWait.track(activity);
  }
}
