package io.runnel.buffer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The wake-up target of one waiting consumer: a reader, or a {@link ReaderGroup} waiting on several
 * buffers at once. A buffer wakes every signal registered with it when it has something new.
 *
 * <p>A wake-up consumes the armed waiter (compare-and-set to null), so a parked thread is unparked
 * at most once per arming however many values are produced before it runs again; the waiter re-arms
 * before each re-check of its condition. Without this, a producer outrunning a descheduled reader
 * would pay an unpark per value.
 */
final class Signal {
  private static final VarHandle WAITER;

  static {
    try {
      WAITER = MethodHandles.lookup().findVarHandle(Signal.class, "waiter", Thread.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  @SuppressWarnings("unused")
  private volatile Thread waiter;

  /** When the last wake-up unparked the waiter ({@link System#nanoTime()}), or 0. */
  private volatile long wokenAt;

  /**
   * Arms the signal for the current thread. The full fence orders the arming before the caller's
   * re-check of its condition (store-load), so a producer that publishes after the re-check sees
   * the armed waiter.
   */
  void arm() {
    wokenAt = 0;
    waiter = Thread.currentThread();
    VarHandle.fullFence();
  }

  void disarm() {
    waiter = null;
  }

  void wake() {
    Thread t = waiter;
    if (t != null && WAITER.compareAndSet(this, t, null)) {
      wokenAt = System.nanoTime();
      io.runnel.internal.time.Parking.unpark(t);
    }
  }

  /**
   * Called by the waiter after a park: reports the time since a wake-up that unparked it (its
   * wake-to-run delay) to its lane.
   */
  void afterPark() {
    long at = wokenAt;
    if (at != 0) {
      wokenAt = 0;
      io.runnel.internal.time.Parking.woke(System.nanoTime() - at);
    }
  }
}
