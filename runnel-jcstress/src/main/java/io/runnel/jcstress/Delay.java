package io.runnel.jcstress;

import java.util.concurrent.ThreadLocalRandom;

/**
 * A random busy wait, so that one actor's step lands at varying points of the other's waiting
 * phases: before its first poll, while it spins or yields, between arming its signal and the
 * re-check, or after it parked. Not a test; used by the blocking tests of this package.
 */
final class Delay {

  /** Up to 150 µs: a receive spins and yields for some microseconds to tens of them, then parks. */
  static final long AROUND_PARK_NANOS = 150_000;

  /**
   * Up to 1.5 ms: in {@code Mode.Termination} the signal comes about 1 ms after the actor started
   * (the harness sleeps 1 ms until it sees the actor running), so the actor's wait starts before,
   * around, or (rarely) after the signal.
   */
  static final long AROUND_SIGNAL_NANOS = 1_500_000;

  private Delay() {}

  /** Busy-waits a random time in {@code [0, maxNanos)}. */
  static void upTo(long maxNanos) {
    long end = System.nanoTime() + ThreadLocalRandom.current().nextLong(maxNanos);
    while (System.nanoTime() - end < 0) {
      Thread.onSpinWait();
    }
  }
}
