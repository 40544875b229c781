package io.runnel.internal.time;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A one-shot "it has ended" flag whose {@link #await} is a Runnel waiting point: the waiter parks
 * through {@link Parking}, so its lane sees the wait (a slot lane gives its slot back, a simulation
 * schedules another thread and moves virtual time) and {@link #complete} wakes it through {@link
 * Parking#unpark}. Used for joining a spawned child task; {@code Thread.join} would block the
 * waiter outside Runnel and keep the slot the child needs.
 *
 * <p>No lost wake-up (Dekker style): a waiter enqueues itself, then reads {@code done}; {@link
 * #complete} writes {@code done}, then reads the waiters. Both are volatile accesses, so either the
 * waiter sees {@code done} or the completer sees the waiter.
 */
public final class Completion {
  private volatile boolean done;
  private final Queue<Thread> waiters = new ConcurrentLinkedQueue<>();

  /** Marks it ended and wakes every waiter. Idempotent. */
  public void complete() {
    done = true;
    for (Thread t : waiters) {
      Parking.unpark(t);
    }
  }

  public boolean isDone() {
    return done;
  }

  /**
   * Waits at a Runnel waiting point until {@link #complete} or the timeout (on the current thread's
   * clock: virtual time under simulation).
   *
   * @return whether it completed
   */
  public boolean await(long timeoutNanos) throws InterruptedException {
    if (done) {
      return true;
    }
    long deadline = Parking.deadlineAfter(timeoutNanos);
    Thread self = Thread.currentThread();
    waiters.add(self);
    try {
      for (; ; ) {
        if (done) {
          return true;
        }
        if (Thread.interrupted()) {
          throw new InterruptedException("interrupted while joining");
        }
        if (deadline != Parking.NO_DEADLINE && deadline - Parking.nanoTime() <= 0) {
          return false;
        }
        Parking.park(this, deadline);
      }
    } finally {
      waiters.remove(self);
      Parking.waitEnded();
    }
  }
}
