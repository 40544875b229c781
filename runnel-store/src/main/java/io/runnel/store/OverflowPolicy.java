package io.runnel.store;

import java.time.Duration;
import java.util.Objects;

/**
 * What {@link HistoryStore#append} does when the hand-off queue is full: when the value would pass
 * either of its bounds, entries ({@link StoreConfig#queueCapacity()}) or bytes ({@link
 * StoreConfig#queueBytes()}). The policies act alike on both bounds. Every outcome other than
 * success is counted in {@link StoreStats} (those of the byte bound also on their own); none blocks
 * without bound.
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
   * Never wait, never take a lock: drop the oldest value still in the queue (not yet taken by the
   * writer) that was itself appended under drop-oldest (looking at the oldest 64), so that one
   * record's flood never evicts another record's history; if there is none, drop the new value
   * (then {@code append} returns -1). The new value is dropped as well while the writer is copying
   * a batch out of the queue (the room it makes is not reusable yet; microseconds) or while another
   * producer has been making room for ~10 µs. A dropped queued value's sequence becomes a gap in
   * the history; every drop is counted ({@code droppedOldest} in {@link StoreStats}, and per key by
   * {@link HistoryStore#droppedFor}). When the byte bound is what is full, as many of the oldest
   * droppable values (among the oldest 64) go as make room for the new one; if they cannot, only
   * the new value is dropped (counted as well as {@code droppedOverBytes}, per key by {@link
   * HistoryStore#droppedOverBytesFor}).
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
