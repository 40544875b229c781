package io.runnel;

import java.time.Duration;

/** A task started with {@link RuntimeContext#spawn}. */
public interface TaskHandle {
  String name();

  boolean isDone();

  /** Interrupts the task. */
  void cancel();

  /**
   * Waits up to {@code timeout} for the task to end.
   *
   * @return whether it ended
   */
  boolean join(Duration timeout) throws InterruptedException;
}
