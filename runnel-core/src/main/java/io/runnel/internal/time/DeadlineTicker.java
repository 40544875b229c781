package io.runnel.internal.time;

import io.runnel.MissedTickPolicy;
import io.runnel.Ticker;
import io.runnel.internal.runtime.TaskContext;
import java.time.Duration;
import java.util.Objects;

/**
 * A {@link Ticker} on the grid {@code start + k * period} of the context's monotonic clock. Tick
 * deadlines are computed by addition from the start, never from "now", so waiting never adds drift;
 * only {@link MissedTickPolicy#DELAY} re-anchors the grid, by design.
 */
public final class DeadlineTicker implements Ticker {
  private final TaskContext ctx;
  private final long periodNanos;
  private final Duration period;
  private final MissedTickPolicy policy;
  private long next;
  private long ticks;
  private long missed;
  private long lastLateness;
  private long maxLateness;

  public DeadlineTicker(TaskContext ctx, Duration period, MissedTickPolicy policy) {
    Objects.requireNonNull(period, "period");
    Objects.requireNonNull(policy, "policy");
    if (period.isNegative() || period.isZero()) {
      throw new IllegalArgumentException("ticker period must be positive, got " + period);
    }
    this.ctx = ctx;
    this.period = period;
    this.periodNanos = period.toNanos();
    this.policy = policy;
    this.next = ctx.nanoTime();
  }

  @Override
  public long await() throws InterruptedException {
    long deadline = next;
    ctx.sleepUntil(deadline);
    long late = Math.max(0, ctx.nanoTime() - deadline);
    lastLateness = late;
    maxLateness = Math.max(maxLateness, late);
    ticks++;
    long missedBefore = missed;
    advance(deadline, late);
    ctx.runner().recordTick(late, missed - missedBefore);
    return deadline;
  }

  private void advance(long deadline, long late) {
    if (late < periodNanos) {
      next = deadline + periodNanos;
    } else {
      switch (policy) {
        case BURST -> next = deadline + periodNanos;
        case SKIP -> {
          long skipped = late / periodNanos;
          missed += skipped;
          next = deadline + (skipped + 1) * periodNanos;
        }
        case DELAY -> {
          missed++;
          next = deadline + late + periodNanos;
        }
      }
    }
  }

  @Override
  public Duration period() {
    return period;
  }

  @Override
  public MissedTickPolicy policy() {
    return policy;
  }

  @Override
  public long ticks() {
    return ticks;
  }

  @Override
  public long missedTicks() {
    return missed;
  }

  @Override
  public long lastLatenessNanos() {
    return lastLateness;
  }

  @Override
  public long maxLatenessNanos() {
    return maxLateness;
  }

  @Override
  public String toString() {
    return "Ticker[" + period + ", " + policy + ", ticks=" + ticks + ", missed=" + missed + "]";
  }
}
