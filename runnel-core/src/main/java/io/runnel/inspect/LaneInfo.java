package io.runnel.inspect;

import java.util.List;

/**
 * A lane at the moment of the snapshot.
 *
 * @param name the lane's name
 * @param kind {@code VIRTUAL}, {@code DEDICATED}, {@code BLOCKING_POOL} or {@code COOPERATIVE}
 * @param spec the lane's settings, e.g. {@code dedicated(spin_then_park, cpus [2])}
 * @param tasks ids of the tasks assigned to it
 * @param liveThreads threads of the lane currently alive (tasks and spawned children)
 * @param busyRatio time its threads spent running (not waiting at a Runnel waiting point) divided
 *     by elapsed time and the lane's parallelism (1 for cooperative, the thread count for a pool,
 *     the live thread count otherwise)
 * @param waitingForSlot tasks waiting for a slot (cooperative lanes and blocking pools), else 0
 * @param rejected tasks or spawns refused because the lane was full
 * @param watchdogLimitMillis the watchdog limit
 * @param watchdogReports times the watchdog reported a task holding the lane too long
 * @param lastWatchdogReports the last few reports, with stack traces
 * @param tuningFailures CPU pinning or priority requests that could not be applied
 * @param lateness ticker lateness of all the lane's tasks together
 * @param wakeToRun how long the lane's threads took to run again once due: after a wake-up by a
 *     producer (from its unpark) or after a sleep or tick deadline (from the deadline); this is
 *     what the scheduler and the wait strategy cost, per lane
 */
public record LaneInfo(
    String name,
    String kind,
    String spec,
    List<String> tasks,
    int liveThreads,
    double busyRatio,
    int waitingForSlot,
    long rejected,
    long watchdogLimitMillis,
    long watchdogReports,
    List<String> lastWatchdogReports,
    long tuningFailures,
    TaskInfo.Lateness lateness,
    Delay wakeToRun) {

  /**
   * A delay distribution.
   *
   * @param count delays recorded
   */
  public record Delay(long count, long p50Nanos, long p99Nanos, long p999Nanos, long maxNanos) {}

  public LaneInfo {
    tasks = List.copyOf(tasks);
    lastWatchdogReports = List.copyOf(lastWatchdogReports);
  }
}
