package io.runnel.buffer;

import java.util.Objects;

/**
 * Which kind of buffer holds a record, and its capacity. An immutable value.
 *
 * <p>Ring capacities are rounded up to the next power of two (so the slot of a sequence number is a
 * mask, not a division); {@link #capacity()} reports the capacity actually used.
 */
public final class BufferSpec {

  /** The buffer kinds; see the package documentation for their contracts. */
  public enum Kind {
    /** Single-producer multi-consumer ring holding the last N values. */
    RING,
    /** Holds only the newest value. */
    LATEST,
    /** One slot, overwritten; each value is taken by exactly one reader. */
    MAILBOX
  }

  /** The largest ring capacity: 2^30 slots. */
  public static final int MAX_RING_CAPACITY = 1 << 30;

  private static final BufferSpec LATEST = new BufferSpec(Kind.LATEST, 1, 1);
  private static final BufferSpec MAILBOX = new BufferSpec(Kind.MAILBOX, 1, 1);

  private final Kind kind;
  private final int requestedCapacity;
  private final int capacity;

  private BufferSpec(Kind kind, int requestedCapacity, int capacity) {
    this.kind = kind;
    this.requestedCapacity = requestedCapacity;
    this.capacity = capacity;
  }

  /**
   * An SPMC ring holding the last {@code capacity} values, rounded up to a power of two.
   *
   * @throws IllegalArgumentException if {@code capacity} is not between 1 and {@value
   *     #MAX_RING_CAPACITY}
   */
  public static BufferSpec ring(int capacity) {
    if (capacity < 1 || capacity > MAX_RING_CAPACITY) {
      throw new IllegalArgumentException(
          "ring capacity must be between 1 and "
              + MAX_RING_CAPACITY
              + " (it is rounded up to a power of two), got "
              + capacity);
    }
    int rounded = capacity == 1 ? 1 : Integer.highestOneBit(capacity - 1) << 1;
    return new BufferSpec(Kind.RING, capacity, rounded);
  }

  /** A single-latest buffer. */
  public static BufferSpec latest() {
    return LATEST;
  }

  /** A mailbox. */
  public static BufferSpec mailbox() {
    return MAILBOX;
  }

  public Kind kind() {
    return kind;
  }

  /** The number of values held: the rounded ring capacity, or 1. */
  public int capacity() {
    return capacity;
  }

  /** The capacity asked for, before rounding. */
  public int requestedCapacity() {
    return requestedCapacity;
  }

  /** Creates an empty buffer of this kind; {@code name} appears in messages. */
  public <T> Buffer<T> create(String name) {
    Objects.requireNonNull(name, "name");
    return switch (kind) {
      case RING -> new SpmcRing<>(name, this);
      case LATEST -> new SingleLatest<>(name, this);
      case MAILBOX -> new Mailbox<>(name, this);
    };
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof BufferSpec other && other.kind == kind && other.capacity == capacity;
  }

  @Override
  public int hashCode() {
    return kind.hashCode() * 31 + capacity;
  }

  @Override
  public String toString() {
    return switch (kind) {
      case RING -> "ring(" + capacity + ")";
      case LATEST -> "latest";
      case MAILBOX -> "mailbox";
    };
  }
}
