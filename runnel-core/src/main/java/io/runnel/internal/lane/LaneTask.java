package io.runnel.internal.lane;

/**
 * What a lane needs to know of a task it runs: for the watchdog's report and the JFR events. The
 * runtime's {@code TaskRunner} implements it; the lane package does not depend on the runtime.
 */
public interface LaneTask {
  /** The id of the record the task writes or reads. */
  String recordId();

  /** Counts a watchdog report against the task. */
  void watchdogReported();

  /** The task's logger (tagged with its record and task name). */
  System.Logger log();
}
