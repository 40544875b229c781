package io.runnel.inspect;

import java.util.List;

/**
 * A task (source, tap, transform or join) at the moment of the snapshot.
 *
 * @param id a stable id, e.g. {@code sensor.temp.indoor/source}
 * @param kind what the task does
 * @param key the record it writes (source, transform, join) or reads (tap)
 * @param inputs the records it reads
 * @param state its lifecycle state
 * @param failures times the task body threw
 * @param valueFailures values for which a per-value callback threw (value skipped)
 * @param restarts restarts after failures
 * @param lastError the last failure, or {@code null}
 * @param lane the lane the task runs on
 * @param watchdogReports times the watchdog reported this task holding its lane too long
 * @param lateness how late this task's tickers fired
 */
public record TaskInfo(
    String id,
    Kind kind,
    String key,
    List<String> inputs,
    State state,
    long failures,
    long valueFailures,
    long restarts,
    String lastError,
    String lane,
    long watchdogReports,
    Lateness lateness) {

  public TaskInfo {
    inputs = List.copyOf(inputs);
  }

  /**
   * Lateness of the task's periodic ticks (all its tickers together), from an HdrHistogram with 3
   * significant digits; 0 when it has no ticker.
   *
   * @param ticks ticks fired
   * @param missedTicks ticks skipped (SKIP) or re-anchorings (DELAY)
   */
  public record Lateness(
      long ticks, long missedTicks, long p50Nanos, long p99Nanos, long p999Nanos, long maxNanos) {}

  /** The kinds of task. */
  public enum Kind {
    SOURCE,
    TAP,
    TRANSFORM,
    JOIN
  }

  /** A task's lifecycle. */
  public enum State {
    /** Built, not started yet. */
    NEW,
    RUNNING,
    /** Failed and waiting for its restart delay. */
    RESTARTING,
    /** Ended normally (returned, or its input ended). */
    DONE,
    /** Failed and not restarted (policy exhausted). */
    FAILED,
    /** Did not stop within the shutdown timeout, even after an interrupt. */
    STUCK
  }
}
