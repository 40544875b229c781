package io.runnel.http;

import io.runnel.spi.Durations;
import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * The hand-off between the callers' threads and the sync thread: a wake-up ({@link
 * CloudSync#syncNow()}), the closing flag, and the signal that the cursor moved (for {@link
 * CloudSync#awaitForwarded}). It exists from the facade's construction, so that a wake-up or a wait
 * before {@code start()} behaves as it does after.
 *
 * <p>One lock guards {@code wakeRequested}; its one condition is signalled on every wake-up and
 * every cursor move. {@code closing} is volatile, set once, and read without the lock by the loop
 * and the sender.
 */
final class SyncSignal {
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private boolean wakeRequested; // guarded by lock
  private volatile boolean closing;

  /** Any thread: ends a {@link #pause} in progress, or the next one at once. */
  void wake() {
    lock.lock();
    try {
      wakeRequested = true;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Any thread, once: from now on the loop stops and the sender gives up. Then {@link #wake}. */
  void markClosing() {
    closing = true;
  }

  boolean closing() {
    return closing;
  }

  /** The sync thread: the cursor moved; wakes {@link #awaitPosition} callers. */
  void advanced() {
    lock.lock();
    try {
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** The sync thread: waits for {@code d}, or less after a {@link #wake} or when closing. */
  void pause(Duration d) {
    long nanos = Durations.saturatedNanos(d);
    lock.lock();
    try {
      while (nanos > 0 && !wakeRequested && !closing) {
        nanos = changed.awaitNanos(nanos);
      }
      wakeRequested = false;
    } catch (InterruptedException e) {
      // close() interrupts only as a last resort; the loop checks closing
    } finally {
      lock.unlock();
    }
  }

  /**
   * Any thread: waits until {@code position} has passed {@code sequence}.
   *
   * @return false if the timeout elapsed first
   */
  boolean awaitPosition(long sequence, Duration timeout, LongSupplier position)
      throws InterruptedException {
    long nanos = Durations.saturatedNanos(timeout);
    lock.lock();
    try {
      while (position.getAsLong() <= sequence) {
        if (nanos <= 0) {
          return false;
        }
        nanos = changed.awaitNanos(nanos);
      }
      return true;
    } finally {
      lock.unlock();
    }
  }
}
