package io.runnel.mqtt;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The bounded queue between the outbound taps and the link's sender thread. Adding never blocks:
 * when the queue is full the oldest message is dropped and counted. While the broker is away this
 * is the offline queue.
 */
final class OutboundQueue {

  /** One message to publish. */
  record Message(String topic, byte[] payload, Qos qos, boolean retain) {}

  private final int capacity;
  private final ArrayDeque<Message> queue = new ArrayDeque<>();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition notEmpty = lock.newCondition();
  private long dropped;

  OutboundQueue(int capacity) {
    this.capacity = capacity;
  }

  /** Appends; if full, drops the oldest message first. */
  void add(Message m) {
    lock.lock();
    try {
      if (queue.size() >= capacity) {
        queue.pollFirst();
        dropped++;
      }
      queue.addLast(m);
      notEmpty.signal();
    } finally {
      lock.unlock();
    }
  }

  /** Puts back a message whose publish failed, at the head; dropped (and counted) if full. */
  void putBack(Message m) {
    lock.lock();
    try {
      if (queue.size() >= capacity) {
        dropped++;
        return;
      }
      queue.addFirst(m);
      notEmpty.signal();
    } finally {
      lock.unlock();
    }
  }

  /** The oldest message, waiting up to the timeout; {@code null} if none came. */
  Message poll(long timeoutNanos) throws InterruptedException {
    lock.lock();
    try {
      long nanos = timeoutNanos;
      while (queue.isEmpty()) {
        if (nanos <= 0) {
          return null;
        }
        nanos = notEmpty.awaitNanos(nanos);
      }
      return queue.pollFirst();
    } finally {
      lock.unlock();
    }
  }

  int size() {
    lock.lock();
    try {
      return queue.size();
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
