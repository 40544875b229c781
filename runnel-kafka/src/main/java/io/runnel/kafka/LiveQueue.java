package io.runnel.kafka;

import io.runnel.spi.Checks;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.ToIntFunction;

/**
 * A queue bounded by message count and by payload bytes, for the live outbound queue (tap tasks to
 * the link's live sender), which must never block the tap. (Derived from the MQTT link's {@code
 * DropOldestQueue}, package-private there; a candidate for {@code io.runnel.spi}.) Adding never
 * blocks: while either bound would be exceeded the oldest message is dropped and counted ({@link
 * LiveOverflow#DROP_OLDEST}), or the new one is ({@link LiveOverflow#DROP_NEWEST}); a message
 * larger than the byte bound on its own is dropped (and counted) at once, so what is held never
 * exceeds either bound.
 *
 * <p>Both bounds are needed on a small device: 10 000 messages of 1 MiB are 10 GiB.
 */
final class LiveQueue<E> {

  private final int capacity;
  private final long maxBytes;
  private final ToIntFunction<? super E> sizeOf;
  private final ArrayDeque<E> queue = new ArrayDeque<>();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition notEmpty = lock.newCondition();
  private long bytes;
  private long dropped;
  private final boolean dropNewest;

  /**
   * @param capacity most messages held
   * @param maxBytes most payload bytes held (the sum of {@code sizeOf})
   * @param sizeOf the payload bytes of one message
   */
  LiveQueue(int capacity, long maxBytes, ToIntFunction<? super E> sizeOf, LiveOverflow overflow) {
    this.dropNewest = overflow == LiveOverflow.DROP_NEWEST;
    this.capacity = Checks.positive("capacity", capacity);
    this.maxBytes = Checks.positive("maxBytes", maxBytes);
    this.sizeOf = sizeOf;
  }

  /** Appends; drops the oldest messages first while a bound would be exceeded. */
  void add(E m) {
    long size = sizeOf.applyAsInt(m);
    lock.lock();
    try {
      if (size > maxBytes) {
        dropped++;
        return;
      }
      if (dropNewest && (queue.size() >= capacity || bytes + size > maxBytes)) {
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
   * Puts back a message at the head (its publish failed); dropped (and counted) if it won't fit.
   */
  void putBack(E m) {
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
  E poll() {
    lock.lock();
    try {
      return take();
    } finally {
      lock.unlock();
    }
  }

  /** The oldest message, waiting up to the timeout; {@code null} if none came. */
  E poll(long timeoutNanos) throws InterruptedException {
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
    }
    return m;
  }

  int size() {
    lock.lock();
    try {
      return queue.size();
    } finally {
      lock.unlock();
    }
  }

  /** Payload bytes held now. */
  long bytes() {
    lock.lock();
    try {
      return bytes;
    } finally {
      lock.unlock();
    }
  }

  long dropped() {
    lock.lock();
    try {
      return dropped;
    } finally {
      lock.unlock();
    }
  }

  /** Waits until the queue is empty or the timeout passes. */
  boolean awaitEmpty(long timeoutNanos) throws InterruptedException {
    long deadline = System.nanoTime() + timeoutNanos;
    while (size() > 0) {
      if (System.nanoTime() - deadline >= 0) {
        return false;
      }
      TimeUnit.MILLISECONDS.sleep(5);
    }
    return true;
  }
}
