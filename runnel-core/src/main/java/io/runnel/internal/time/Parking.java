package io.runnel.internal.time;

import java.util.concurrent.locks.LockSupport;

/**
 * The single place where Runnel's waiting points (receive, sleep, tick, join) give up the CPU.
 *
 * <p>Buffers and timers never call {@link LockSupport} directly: they call {@link #park}, which
 * asks the {@link Parker} installed for the current thread. The default parks the thread (for a
 * virtual thread this unmounts it from its carrier). Execution lanes install their own parker (a
 * spin-then-park wait, a cooperative hand-off, a simulated clock) so that pipeline code runs
 * unchanged on every lane.
 *
 * <p>A waiting point is a loop: check its condition, {@link #park}, check again; it may call park
 * many times (park may return early, and a spinning parker returns at once). A waiting point that
 * spins and yields before it parks calls {@link #waitBegan} when it starts yielding (a few spins
 * cost microseconds; yields to other threads can cost time slices). When it returns to its caller,
 * or throws, after having parked or begun to wait, it calls {@link #waitEnded}.
 */
public final class Parking {

  /** How a thread waits. Implementations must return early on unpark and on interrupt. */
  public interface Parker {
    /**
     * Waits until unparked, interrupted, or {@code deadlineNanos} (a {@link System#nanoTime()}
     * value) has passed; {@code deadlineNanos == NO_DEADLINE} waits without a deadline. Spurious
     * returns are allowed: callers re-check their condition.
     */
    void park(Object blocker, long deadlineNanos);

    /** Whether a waiter should spin and yield before parking (false on one-at-a-time lanes). */
    default boolean spinBeforePark() {
      return true;
    }

    /**
     * The clock that {@code deadlineNanos} refers to: {@link System#nanoTime()} unless simulated.
     */
    default long nanoTime() {
      return System.nanoTime();
    }

    /**
     * Told how long the thread took to run again after it was due: after a wake-up, the time since
     * the waker's unpark; after a deadline, the time since the deadline.
     */
    default void woke(long delayNanos) {}

    /**
     * Told that a waiting point starts to wait without parking yet (it yields before it parks):
     * from here the thread waits, even though it keeps its core.
     */
    default void waitBegan() {}

    /**
     * Told that the waiting point returns to its caller (or throws) after {@link #waitBegan} or
     * {@link #park} (once or many times): the thread runs again. A lane marks its thread running
     * here if a wait left it marked waiting (a busy spin marks the wait once, not per call).
     */
    default void waitEnded() {}
  }

  /** Routes wake-ups of threads owned by a simulation (see {@link #unpark}). */
  public interface Waker {
    /** Makes {@code thread} runnable; returns false if it does not own that thread. */
    boolean unpark(Thread thread);
  }

  private static volatile Waker waker;

  /**
   * Installs the waker of simulated threads (one per process; tests run simulations one by one: a
   * new simulation replaces the previous one's waker).
   */
  public static synchronized void installWaker(Waker w) {
    waker = w;
  }

  /**
   * Removes {@code w} if it is the installed waker (a closed simulation never removes another's).
   */
  public static synchronized void uninstallWaker(Waker w) {
    if (waker == w) {
      waker = null;
    }
  }

  /**
   * Wakes {@code thread} from a Runnel wait. Every wake-up of a waiting point goes through here, so
   * that a simulation decides deterministically when a woken thread runs.
   */
  public static void unpark(Thread thread) {
    Waker w = waker;
    if (w == null || !w.unpark(thread)) {
      LockSupport.unpark(thread);
    }
  }

  /** The clock of the current thread's waits: virtual time on a simulated thread. */
  public static long nanoTime() {
    Parker parker = CURRENT.get();
    return parker == null ? System.nanoTime() : parker.nanoTime();
  }

  /** Marks a wait without a deadline. */
  public static final long NO_DEADLINE = Long.MAX_VALUE;

  /** Parks the thread with {@link LockSupport}. */
  public static final Parker LOCK_SUPPORT =
      (blocker, deadline) -> {
        if (deadline == NO_DEADLINE) {
          LockSupport.park(blocker);
        } else {
          long remaining = deadline - System.nanoTime();
          if (remaining > 0) {
            LockSupport.parkNanos(blocker, remaining);
          }
        }
      };

  private static final ThreadLocal<Parker> CURRENT = new ThreadLocal<>();

  private Parking() {}

  /** Parks the current thread with its lane's parker (see {@link Parker#park}). */
  public static void park(Object blocker, long deadlineNanos) {
    Parker parker = CURRENT.get();
    (parker != null ? parker : LOCK_SUPPORT).park(blocker, deadlineNanos);
  }

  /**
   * Reports the current thread's wake-to-run delay to its lane (see {@link Parker#woke}); a no-op
   * outside lanes.
   */
  public static void woke(long delayNanos) {
    Parker parker = CURRENT.get();
    if (parker != null) {
      parker.woke(delayNanos);
    }
  }

  /**
   * Called by a waiting point that yields before it parks, when it starts yielding: see {@link
   * Parker#waitBegan}. A no-op outside lanes.
   */
  public static void waitBegan() {
    Parker parker = CURRENT.get();
    if (parker != null) {
      parker.waitBegan();
    }
  }

  /**
   * Called by every waiting point when it returns (or throws) after having called {@link #park} or
   * {@link #waitBegan}: see {@link Parker#waitEnded}. A no-op outside lanes.
   */
  public static void waitEnded() {
    Parker parker = CURRENT.get();
    if (parker != null) {
      parker.waitEnded();
    }
  }

  /** Whether the current thread's lane wants a receive to spin and yield before it parks. */
  public static boolean spinBeforePark() {
    Parker parker = CURRENT.get();
    return parker == null || parker.spinBeforePark();
  }

  /** Installs {@code parker} for the current thread; {@code null} restores the default. */
  public static void install(Parker parker) {
    if (parker == null) {
      CURRENT.remove();
    } else {
      CURRENT.set(parker);
    }
  }

  /** Converts a timeout into an absolute deadline, saturating instead of overflowing. */
  public static long deadlineAfter(long timeoutNanos) {
    if (timeoutNanos <= 0) {
      return nanoTime();
    }
    if (timeoutNanos >= MAX_TIMEOUT_NANOS) {
      return NO_DEADLINE;
    }
    long deadline = nanoTime() + timeoutNanos;
    return deadline == NO_DEADLINE ? deadline - 1 : deadline;
  }

  /** Timeouts this long (about 100 years) or longer mean "no deadline". */
  private static final long MAX_TIMEOUT_NANOS = 100L * 365 * 24 * 3600 * 1_000_000_000L;
}
