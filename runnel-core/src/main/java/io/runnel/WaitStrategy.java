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
   * Park until shortly before a deadline, then spin: timers fire within microseconds of their
   * deadline at the cost of spinning for the last {@value LaneSpec#SPIN_WINDOW_MICROS} µs of each
   * wait. Receives without a deadline park. The default for dedicated lanes.
   */
  SPIN_THEN_PARK,
  /**
   * Never park: spin for the whole wait. Lowest latency; burns a core. Use only with a core to
   * spare.
   */
  BUSY_SPIN
}
