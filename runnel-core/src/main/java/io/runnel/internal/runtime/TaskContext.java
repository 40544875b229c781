package io.runnel.internal.runtime;

import io.runnel.MissedTickPolicy;
import io.runnel.RecordKey;
import io.runnel.RuntimeContext;
import io.runnel.TaskHandle;
import io.runnel.Ticker;
import io.runnel.internal.time.DeadlineTicker;
import io.runnel.internal.time.Parking;
import io.runnel.internal.time.TimeSource;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/** The {@link RuntimeContext} of one task (or child task). */
public final class TaskContext implements RuntimeContext {
  private final TaskRunner runner;
  private final String taskName;
  private final TimeSource time;
  private final System.Logger log;

  public TaskContext(TaskRunner runner, String taskName, TimeSource time) {
    this.runner = runner;
    this.taskName = taskName;
    this.time = time;
    this.log = new TaggedLogger(runner.record.id, taskName);
  }

  public TaskRunner runner() {
    return runner;
  }

  @Override
  public RecordKey key() {
    return runner.record.key;
  }

  @Override
  public String taskName() {
    return taskName;
  }

  @Override
  public long nanoTime() {
    return time.nanoTime();
  }

  @Override
  public Instant now() {
    return time.now();
  }

  @Override
  public void sleep(Duration duration) throws InterruptedException {
    Objects.requireNonNull(duration, "duration");
    sleepUntil(
        duration.isNegative()
            ? nanoTime()
            : nanoTime()
                + Math.min(io.runnel.spi.Durations.saturatedNanos(duration), Long.MAX_VALUE / 4));
  }

  @Override
  public void sleepUntil(long deadlineNanos) throws InterruptedException {
    boolean parked = false;
    try {
      for (; ; ) {
        if (Thread.interrupted()) {
          throw new InterruptedException(taskName + " interrupted while sleeping");
        }
        long remaining = deadlineNanos - time.nanoTime();
        if (remaining <= 0) {
          if (parked) {
            Parking.woke(-remaining);
          }
          return;
        }
        parked = true;
        // The context's clock is the clock of its thread's waits (both virtual when simulated).
        Parking.park(
            this, deadlineNanos == Parking.NO_DEADLINE ? deadlineNanos - 1 : deadlineNanos);
      }
    } finally {
      if (parked) {
        Parking.waitEnded();
      }
    }
  }

  @Override
  public Ticker ticker(Duration period, MissedTickPolicy policy) {
    return new DeadlineTicker(this, period, policy);
  }

  @Override
  public System.Logger log() {
    return log;
  }

  @Override
  public TaskHandle spawn(String name, ChildTask task) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(task, "task");
    return runner.spawnChild(taskName + "/" + name, task);
  }

  @Override
  public boolean isStopping() {
    return runner.stopping();
  }

  @Override
  public String toString() {
    return "RuntimeContext[" + taskName + "]";
  }
}
