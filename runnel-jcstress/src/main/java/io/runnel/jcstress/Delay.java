package io.runnel.jcstress;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Random busy waits, so that one thread's step lands at varying points of the other's waiting
 * phases: before its first poll, while it spins or yields, between arming its signal and the
 * re-check, or after it parked. Not a test; used by the blocking tests of this package.
 */
final class Delay {

  /** Up to 150 µs: a receive spins and yields for some microseconds to tens of them, then parks. */
  static final long AROUND_PARK_NANOS = 150_000;

  private Delay() {}

  /** Busy-waits a random time in {@code [0, maxNanos)}. */
  static void upTo(long maxNanos) {
    spinFor(ThreadLocalRandom.current().nextLong(maxNanos));
  }

  private static void spinFor(long nanos) {
    long end = System.nanoTime() + nanos;
    while (System.nanoTime() - end < 0) {
      Thread.onSpinWait();
    }
  }

  /**
   * Aims a {@code Mode.Termination} actor's wait at the moment its signal comes. The harness starts
   * the actor, sleeps until it sees it running (about 1 ms, more under load), then calls the
   * signal; a lost wake-up needs the signal to land in the few hundred nanoseconds between the
   * reader's re-check and its park, after a spin-and-yield phase of some microseconds, and a
   * uniform delay over the whole millisecond rarely hits that. (A planted bug, a reader arming its
   * signal after the re-check, showed up about once in 2,000 to 2,600 states: in 3 of the 5
   * affected tests of one quick run with a uniform delay, in 4 of 5 with this one.) So the delay is
   * centred on where the signal landed in earlier states of the same run (a moving average of the
   * signal's offset from the actor's start) and spread ±100 µs around it; one state in four uses a
   * uniform delay up to 1.5 ms instead, so that long parks and early signals stay covered.
   *
   * <p>One per state: the actor calls {@link #actorStarts()} first, the signal calls {@link
   * #signalled()} first.
   */
  static final class AtSignal {
    private static final long SPREAD_NANOS = 100_000;
    private static final long WIDE_NANOS = 1_500_000;

    /** Learned offset of the signal from the actor's start; racy updates are fine (a hint). */
    private static volatile long signalOffsetNanos = 1_100_000;

    private volatile long actorStartedAt;

    void actorStarts() {
      actorStartedAt = System.nanoTime();
      ThreadLocalRandom rnd = ThreadLocalRandom.current();
      if (rnd.nextInt(4) == 0) {
        spinFor(rnd.nextLong(WIDE_NANOS));
      } else {
        long centre = signalOffsetNanos;
        spinFor(Math.max(0, centre - SPREAD_NANOS + rnd.nextLong(2 * SPREAD_NANOS)));
      }
    }

    void signalled() {
      long started = actorStartedAt;
      if (started != 0) {
        long offset = System.nanoTime() - started;
        signalOffsetNanos = signalOffsetNanos - (signalOffsetNanos >> 3) + (offset >> 3);
      }
    }
  }
}
