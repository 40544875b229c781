package io.runnel.internal.lane;

import io.runnel.LaneSpec;
import io.runnel.internal.time.Parking;

/**
 * {@link LaneSpec#dedicated()}: one platform thread per task, pinned and prioritised where possible
 * ({@link ThreadTuning}), waiting the way its {@link LaneWait} does.
 */
final class DedicatedLane extends Lane {
  private final LaneWait wait;

  DedicatedLane(String name, LaneSpec spec) {
    super(name, spec);
    this.wait = LaneWait.of(spec.waitStrategy());
  }

  @Override
  Thread newThread(String threadName, Runnable body) {
    return Thread.ofPlatform().name(threadName).daemon(true).unstarted(body);
  }

  @Override
  void enter(Activity activity) {
    ThreadTuning.apply(this, activity);
  }

  @Override
  boolean spinBeforePark() {
    return wait.spinBeforePark();
  }

  @Override
  Parking.Parker parker(Activity activity) {
    return wait.parker(activity);
  }
}
