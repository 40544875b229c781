package io.runnel.spi;

import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.ToIntFunction;

/**
 * A queue bounded by message count and by payload bytes, for a connector's hand-overs that must
 * never block the side that adds: a tap task's values to the link's sender thread, a client's event
 * loop to a source task. Adding never waits: while either bound would be exceeded the oldest
 * message is dropped ({@link Overflow#DROP_OLDEST}), or the new one is ({@link
 * Overflow#DROP_NEWEST}), and counted ({@link #dropped()}); a message larger than the byte bound on
 * its own is dropped (and counted) at once, so what is held never exceeds either bound.
 *
 * <p>Both bounds are needed on a small device: 10 000 messages of 1 MiB are 10 GiB.
 *
 * <p>Thread-safe (one lock). {@link #poll(long)} is for the connector's own threads; a task reading
 * it must wait at a Runnel waiting point instead (e.g. poll without waiting, then {@code
 * ctx.sleep}).
 *
 * @param <E> the message type
 */
public final class DropQueue<E> {

  /** Which message goes when the queue is full. */
  public enum Overflow {
    /** The oldest held messages make room for the new one. */
    DROP_OLDEST,
    /** The new message is dropped; what is held stays. */
    DROP_NEWEST
  }

  private final int capacity;
  private final long maxBytes;
  private final ToIntFunction<? super E> sizeOf;
  private final boolean dropNewest;
  private final ArrayDeque<E> queue = new ArrayDeque<>();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition notEmpty = lock.newCondition();
  private final Condition empty = lock.newCondition();
  private long bytes;
  private long dropped;

  /**
   * @param capacity most messages held (positive)
   * @param maxBytes most payload bytes held, the sum of {@code sizeOf} (positive)
   * @param sizeOf the payload bytes of one message
   * @param overflow which message goes when a bound would be exceeded
   */
  public DropQueue(
      int capacity, long maxBytes, ToIntFunction<? super E> sizeOf, Overflow overflow) {
    this.capacity = Checks.positive("capacity", capacity);
    this.maxBytes = Checks.positive("maxBytes", maxBytes);
    this.sizeOf = Checks.notNull("sizeOf", sizeOf);
    this.dropNewest = Checks.notNull("overflow", overflow) == Overflow.DROP_NEWEST;
  }

  /** Appends {@code m}, or drops (and counts) by the overflow rule; never waits. */
  public void add(E m) {
    long size = sizeOf.applyAsInt(m);
    lock.lock();
    try {
      if (size > maxBytes
          || (dropNewest && (queue.size() >= capacity || bytes + size > maxBytes))) {
        dropped++;
        return;
      }
      while (!queue.isEmpty() && (queue.size() >= capacity || bytes + size > maxBytes)) {
        bytes -= sizeOf.applyAsInt(queue.pollFirst());
        dropped++;
      }
      queue.addLast(m);
      bytes += size;
      notEmpty.signal();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Puts {@code m} back at the head (its send failed and it goes first next time); dropped (and
   * counted) if it does not fit, whatever the overflow rule: what was queued after it is newer.
   */
  public void putBack(E m) {
    long size = sizeOf.applyAsInt(m);
    lock.lock();
    try {
      if (queue.size() >= capacity || bytes + size > maxBytes) {
        dropped++;
        return;
      }
      queue.addFirst(m);
      bytes += size;
      notEmpty.signal();
    } finally {
      lock.unlock();
    }
  }

  /** The oldest message, or {@code null} if the queue is empty; never waits. */
  public E poll() {
    lock.lock();
    try {
      return take();
    } finally {
      lock.unlock();
    }
  }

  /** The oldest message, waiting up to {@code timeoutNanos}; {@code null} if none came. */
  public E poll(long timeoutNanos) throws InterruptedException {
    lock.lock();
    try {
      long nanos = timeoutNanos;
      while (queue.isEmpty()) {
        if (nanos <= 0) {
          return null;
        }
        nanos = notEmpty.awaitNanos(nanos);
      }
      return take();
    } finally {
      lock.unlock();
    }
  }

  private E take() {
    E m = queue.pollFirst();
    if (m != null) {
      bytes -= sizeOf.applyAsInt(m);
      if (queue.isEmpty()) {
        empty.signalAll();
      }
    }
    return m;
  }

  /** Messages held now. */
  public int size() {
    lock.lock();
    try {
      return queue.size();
    } finally {
      lock.unlock();
    }
  }

  /** Payload bytes held now. */
  public long bytes() {
    lock.lock();
    try {
      return bytes;
    } finally {
      lock.unlock();
    }
  }

  /** Messages dropped so far, by either bound or by {@link #putBack}. */
  public long dropped() {
    lock.lock();
    try {
      return dropped;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Waits until the queue is empty or {@code timeoutNanos} passes (for a connector's close).
   *
   * @return whether it is empty
   */
  public boolean awaitEmpty(long timeoutNanos) throws InterruptedException {
    lock.lock();
    try {
      long nanos = timeoutNanos;
      while (!queue.isEmpty()) {
        if (nanos <= 0) {
          return false;
        }
        nanos = empty.awaitNanos(nanos);
      }
      return true;
    } finally {
      lock.unlock();
    }
  }
}
