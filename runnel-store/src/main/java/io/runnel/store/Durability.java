package io.runnel.store;

import java.time.Duration;
import java.util.Objects;

/**
 * When the writer thread forces written entries to stable storage ({@code fsync}). Only forced
 * entries count as durable ({@link HistoryStore#durableSequence()}); {@link HistoryStore#close()}
 * always forces, whatever the policy.
 */
public sealed interface Durability {

  /**
   * Group commit: after each batch the writer took from the queue (everything appended while the
   * previous batch was being written and forced), one {@code fsync} covers the whole batch.
   */
  static Durability everyBatch() {
    return EveryBatch.INSTANCE;
  }

  /** At most one {@code fsync} per interval, as long as something was written since the last. */
  static Durability every(Duration interval) {
    return new Interval(interval);
  }

  /**
   * Never force (except on close and {@link HistoryStore#sync()}): the OS writes back when it
   * likes. Entries survive a process crash once written, but not a power loss.
   */
  static Durability never() {
    return Never.INSTANCE;
  }

  /** See {@link #everyBatch()}. */
  enum EveryBatch implements Durability {
    INSTANCE
  }

  /** See {@link #never()}. */
  enum Never implements Durability {
    INSTANCE
  }

  /** See {@link #every(Duration)}. */
  record Interval(Duration interval) implements Durability {
    public Interval {
      Objects.requireNonNull(interval, "interval");
      if (interval.isNegative() || interval.isZero()) {
        throw new IllegalArgumentException("durability interval must be positive: " + interval);
      }
    }
  }
}
