package io.runnel.store;

import java.time.Duration;
import java.util.Objects;

/**
 * What {@link HistoryStore#append} does when the hand-off queue is full. Every outcome other than
 * success is counted in {@link StoreStats}; none blocks without bound.
 */
public sealed interface OverflowPolicy {

  /**
   * Wait up to {@code timeout} for room, then throw {@link StoreFullException}. The default (with
   * {@link StoreConfig#DEFAULT_WAIT}): no data is lost silently and no call blocks for long.
   */
  static OverflowPolicy waitUpTo(Duration timeout) {
    return new Wait(timeout);
  }

  /**
   * Drop the oldest value still in the queue (not yet written) to make room; counted as {@code
   * droppedOldest}. Its sequence becomes a gap in the history.
   */
  static OverflowPolicy dropOldest() {
    return DropOldest.INSTANCE;
  }

  /** Throw {@link StoreFullException} at once; counted as {@code rejected}. */
  static OverflowPolicy fail() {
    return Fail.INSTANCE;
  }

  /** See {@link #waitUpTo(Duration)}. */
  record Wait(Duration timeout) implements OverflowPolicy {
    public Wait {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isNegative()) {
        throw new IllegalArgumentException("wait timeout must not be negative: " + timeout);
      }
    }
  }

  /** See {@link #dropOldest()}. */
  enum DropOldest implements OverflowPolicy {
    INSTANCE
  }

  /** See {@link #fail()}. */
  enum Fail implements OverflowPolicy {
    INSTANCE
  }
}
