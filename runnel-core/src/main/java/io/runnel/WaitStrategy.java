package io.runnel;

/**
 * How a task on a {@linkplain LaneSpec#dedicated() dedicated lane} spends a wait (receive, sleep,
 * tick). Modelled on the LMAX Disruptor's wait strategies.
 */
public enum WaitStrategy {
  /**
   * Park the thread: no CPU while waiting; wake-up and timer precision are the OS's (tens of µs).
   */
  PARK,
  /**
   * Park until shortly before a deadline, then spin for the last {@value
   * LaneSpec#SPIN_WINDOW_MICROS} µs: the median tick fires within a microsecond of its deadline
   * (docs/BENCHMARKS.md); the tail still depends on the OS scheduling the thread in time. Receives
   * without a deadline park. The default for dedicated lanes.
   */
  SPIN_THEN_PARK,
  /**
   * Never park: spin for the whole wait. Lowest latency; burns a core. Use only with a core to
   * spare.
   */
  BUSY_SPIN
}
