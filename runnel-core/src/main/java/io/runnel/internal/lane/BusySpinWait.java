package io.runnel.internal.lane;

import io.runnel.internal.time.Parking;

/**
 * {@link io.runnel.WaitStrategy#BUSY_SPIN}: never parks; each call is one spin step and the caller
 * re-checks. The thread keeps its core, but it is at a waiting point: the first spin step of a wait
 * marks the activity waiting, and the waiting point's return ({@link Parking#waitEnded}) marks it
 * running again (in {@link Lane}), so the watchdog does not report an idle spinner and the busy
 * ratio counts only time outside waiting points. A spin step after the first costs one read of a
 * plain field.
 */
final class BusySpinWait implements LaneWait {

  @Override
  public Parking.Parker parker(Activity activity) {
    return new Spinner(activity);
  }

  @Override
  public boolean spinBeforePark() {
    return true;
  }

  /** The parker of one thread; its state is that thread's alone. */
  private static final class Spinner implements Parking.Parker {
    private final Activity activity;
    private boolean waiting;

    Spinner(Activity activity) {
      this.activity = activity;
    }

    @Override
    public void park(Object blocker, long deadlineNanos) {
      if (!waiting) {
        waiting = true;
        activity.waiting();
      }
      Thread.onSpinWait(); // the caller re-checks and calls again
    }

    @Override
    public void waitEnded() {
      waiting = false; // the lane marks the activity running
    }
  }
}
