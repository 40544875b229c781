package io.runnel.internal.lane;

import io.runnel.LaneSpec;
import io.runnel.internal.time.Parking;
import io.runnel.internal.time.SimScheduler;

/**
 * A lane of a simulated pipeline: keeps the declared lane's settings (name, budget, watchdog) but
 * runs every thread under the {@link SimScheduler}.
 */
final class SimulatedLane extends Lane {
  private final SimScheduler scheduler;

  SimulatedLane(String name, LaneSpec spec, SimScheduler scheduler) {
    super(name, spec);
    this.scheduler = scheduler;
  }

  @Override
  Thread newThread(String threadName, Runnable body) {
    Thread t = Thread.ofVirtual().name(threadName).unstarted(body);
    scheduler.register(t);
    return t;
  }

  @Override
  void enter(Activity activity) {
    scheduler.begin();
  }

  @Override
  void leave(Activity activity) {
    scheduler.end();
  }

  @Override
  boolean spinBeforePark() {
    return false;
  }

  @Override
  Parking.Parker parker(Activity activity) {
    return new Parking.Parker() {
      @Override
      public void park(Object blocker, long deadlineNanos) {
        activity.waiting();
        try {
          scheduler.park(deadlineNanos);
        } finally {
          activity.running();
        }
      }

      @Override
      public long nanoTime() {
        return scheduler.nanoTime();
      }
    };
  }
}
