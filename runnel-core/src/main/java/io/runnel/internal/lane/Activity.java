package io.runnel.internal.lane;

import io.runnel.internal.event.RunnelEvents;

/**
 * The run state of one thread of a lane: written by that thread at every transition between running
 * and waiting, read by the {@link Watchdog} and by {@link Lane#busyRatio()}.
 */
public final class Activity {
  final LaneTask task;
  final Lane lane;
  final Thread thread;
  final String name;

  /** {@link System#nanoTime} when it last started running, or 0 while it waits. */
  volatile long runningSince;

  /** Nanoseconds spent running in completed run episodes. */
  volatile long busyNanos;

  /** Whether the watchdog already reported the current run episode. */
  volatile boolean reported;

  Activity(LaneTask task, Lane lane, Thread thread, String name) {
    this.task = task;
    this.lane = lane;
    this.thread = thread;
    this.name = name;
  }

  /** The thread runs (it left a waiting point, or started). */
  public void running() {
    long now = System.nanoTime();
    runningSince = now == 0 ? 1 : now;
    reported = false;
  }

  /** The thread waits at one of Runnel's waiting points. */
  public void waiting() {
    long since = runningSince;
    if (since != 0) {
      long ran = System.nanoTime() - since;
      busyNanos += ran;
      if (ran >= RunnelEvents.TASK_RUN_THRESHOLD_NANOS) {
        RunnelEvents.taskRun(lane.name, name, task.recordId(), ran);
      }
      runningSince = 0;
    }
  }

  /** Whether it is marked waiting (read by its own thread at the end of a wait). */
  boolean isWaiting() {
    return runningSince == 0;
  }

  long busyNanosNow() {
    long since = runningSince;
    return busyNanos + (since != 0 ? System.nanoTime() - since : 0);
  }
}
