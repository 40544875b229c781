package io.runnel;

import java.time.Duration;
import java.time.Instant;

/**
 * Everything a pipeline task may ask of the runtime: time, logging and spawning. Deliberately no
 * executor: where a task runs (its lane) is configuration, and the same code runs on every lane.
 *
 * <p>Time comes in two kinds: {@link #nanoTime()} is monotonic (use it for periods, timeouts and
 * measuring), {@link #now()} is wall-clock (use it to stamp values). Waits ({@link #sleep}, {@link
 * Ticker#await()}) are interruptible; when the pipeline stops they throw {@link
 * InterruptedException}, which a task may simply let propagate.
 */
public interface RuntimeContext {

  /** The record this task belongs to. */
  RecordKey key();

  /** This task's name, e.g. {@code sensor.temp.indoor/source}. */
  String taskName();

  /** Monotonic time in nanoseconds; only differences are meaningful. */
  long nanoTime();

  /** Wall-clock time. */
  Instant now();

  /** Waits for {@code duration}. */
  void sleep(Duration duration) throws InterruptedException;

  /** Waits until {@link #nanoTime()} reaches {@code deadlineNanos}. */
  void sleepUntil(long deadlineNanos) throws InterruptedException;

  /**
   * A periodic ticker on absolute deadlines ({@code start + k * period}), so it never drifts.
   * Missed ticks follow {@link MissedTickPolicy#SKIP}.
   */
  default Ticker ticker(Duration period) {
    return ticker(period, MissedTickPolicy.SKIP);
  }

  /** A periodic ticker with the given policy for missed ticks. */
  Ticker ticker(Duration period, MissedTickPolicy policy);

  /** A logger whose messages are tagged with this task's record key and name. */
  System.Logger log();

  /**
   * Starts a child task on this task's lane. Children are interrupted when their parent task ends
   * and when the pipeline stops; their failures are logged and counted on the parent's record.
   */
  TaskHandle spawn(String name, ChildTask task);

  /** Whether the pipeline is stopping; long loops without waits should check it. */
  boolean isStopping();

  /** The body of a task started with {@link #spawn}. */
  @FunctionalInterface
  interface ChildTask {
    void run(RuntimeContext ctx) throws Exception;
  }
}
