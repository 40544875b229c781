package io.runnel.store.wal;

import io.runnel.store.StoreException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * The durable sequence of a store and the wait for it: the highest sequence such that every entry
 * up to it is on stable storage (or was dropped), and the store's failure, if it failed.
 *
 * <h2>Model</h2>
 *
 * <p>Only the writer thread moves it ({@link #advanceTo}), only forwards, and only after the fsync
 * that made the entries durable (or, when the policy never forces, after the write), and it wakes
 * every waiter each time. Any thread reads it ({@link #get}, a volatile read) or waits for a
 * sequence ({@link #await}). A waiter returns {@code true} as soon as its sequence is durable,
 * {@code false} when its timeout elapses, and throws {@link StoreException} when the store failed
 * ({@link #fail}) or its writer stopped for good before the sequence became durable: every wait is
 * bounded and none outlives the store.
 */
public final class DurableSequence {
  private final Path dir;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition advanced = lock.newCondition();
  private volatile long durable;
  private volatile Throwable failure;

  public DurableSequence(Path dir, long initial) {
    this.dir = dir;
    this.durable = initial;
  }

  /** The durable sequence; -1 if nothing is durable. */
  public long get() {
    return durable;
  }

  /** Why the store failed, or null. */
  public Throwable failure() {
    return failure;
  }

  /**
   * Waits until {@code sequence} is durable.
   *
   * @param writerGone true once the store is closed and its writer has stopped (nothing will ever
   *     become durable again)
   * @return true if it is durable, false if the timeout elapsed first
   * @throws StoreException if the store failed (or was closed) before the sequence became durable
   */
  public boolean await(long sequence, Duration timeout, BooleanSupplier writerGone)
      throws InterruptedException {
    long nanos = timeout.toNanos();
    lock.lock();
    try {
      while (durable < sequence) {
        Throwable f = failure;
        if (f != null) {
          throw new StoreException(
              "history store in " + dir + " failed before sequence " + sequence + " was durable",
              f);
        }
        if (writerGone.getAsBoolean()) {
          throw new StoreException(
              "history store in "
                  + dir
                  + " was closed before sequence "
                  + sequence
                  + " was durable (it was never appended?)");
        }
        if (nanos <= 0) {
          return false;
        }
        nanos = advanced.awaitNanos(nanos);
      }
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** Writer thread: everything up to {@code sequence} is durable now; wakes the waiters. */
  void advanceTo(long sequence) {
    if (sequence > durable) {
      durable = sequence;
    }
    signal();
  }

  /** Records the store's failure (the writer's, or a simulated crash); wake the waiters after. */
  public void fail(Throwable t) {
    failure = t;
  }

  /** Wakes every waiter, so that it checks again (after a failure or a close). */
  public void signal() {
    lock.lock();
    try {
      advanced.signalAll();
    } finally {
      lock.unlock();
    }
  }
}
