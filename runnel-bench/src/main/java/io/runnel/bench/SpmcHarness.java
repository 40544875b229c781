package io.runnel.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * One producer (the JMH benchmark thread) and N long-lived reader threads behind one of the
 * compared implementations. Shared by {@link RingThroughput} and {@link RingLatency}.
 *
 * <p>The producer publishes sequence numbers 0, 1, 2, ...; the value of sequence {@code s} is
 * {@code POOL[s & POOL_MASK]} (a preallocated {@code Long} whose value is {@code s & POOL_MASK}),
 * so publishing allocates nothing and every reader can check that it got the value it expected.
 * Each reader publishes its position (values received + values missed) in a padded {@link
 * ReaderProgress}; {@link #awaitAll(long)} spins until every reader reached a position.
 *
 * <p>Every wait is bounded by {@link #TIMEOUT_NANOS} and throws when exceeded, and {@link #stop()}
 * stops and joins every reader thread (also bounded). Reader threads are daemons, so even a failed
 * teardown cannot keep the forked JVM alive.
 */
abstract class SpmcHarness {

  /** The compared implementations (values of the {@code impl} JMH parameter). */
  static final String RUNNEL = "runnel";

  /** Runnel ring with readers busy-polling {@code tryRecv()}: never parks. Not run by default. */
  static final String RUNNEL_SPIN = "runnel-spin";

  static final String DISRUPTOR_BLOCKING = "disruptor-blocking";
  static final String DISRUPTOR_YIELDING = "disruptor-yielding";
  static final String ABQ = "abq";

  /** Ring size of every implementation (one ArrayBlockingQueue of this capacity per reader). */
  static final int CAPACITY = 1024;

  static final int POOL_SIZE = 1 << 16;
  static final int POOL_MASK = POOL_SIZE - 1;

  /** Preallocated values; {@code POOL[i] == i}, each a distinct object. */
  static final Long[] POOL = new Long[POOL_SIZE];

  static {
    for (int i = 0; i < POOL_SIZE; i++) {
      POOL[i] = Long.valueOf(i);
    }
  }

  /** Bound of every wait: generous, only ever reached if something is broken. */
  static final long TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(10);

  /** Spins between two checks of the clock (and of reader failures) while waiting. */
  private static final int SPINS_PER_CHECK = 1024;

  final String impl;
  final ReaderProgress[] progress;
  private final List<Thread> threads = new ArrayList<>();

  /** The first exception a reader thread died with; makes waits fail fast. */
  private volatile Throwable failure;

  SpmcHarness(String impl, int readers) {
    if (readers < 1) {
      throw new IllegalArgumentException("readers must be >= 1: " + readers);
    }
    this.impl = impl;
    this.progress = new ReaderProgress[readers];
    for (int i = 0; i < readers; i++) {
      progress[i] = new ReaderProgress();
    }
  }

  /** Creates the harness for {@code impl} with {@code readers} running reader threads. */
  static SpmcHarness start(String impl, int readers) {
    return start(impl, readers, CAPACITY);
  }

  /** Like {@link #start(String, int)} with a given ring (or queue) capacity, a power of two. */
  static SpmcHarness start(String impl, int readers, int capacity) {
    return switch (impl) {
      case RUNNEL -> new RunnelHarness(impl, readers, capacity, false);
      case RUNNEL_SPIN -> new RunnelHarness(impl, readers, capacity, true);
      case DISRUPTOR_BLOCKING -> new DisruptorHarness(impl, readers, capacity, true);
      case DISRUPTOR_YIELDING -> new DisruptorHarness(impl, readers, capacity, false);
      case ABQ -> new AbqHarness(readers, capacity);
      default ->
          throw new IllegalArgumentException(
              "unknown impl '"
                  + impl
                  + "'; expected one of "
                  + List.of(RUNNEL, RUNNEL_SPIN, DISRUPTOR_BLOCKING, DISRUPTOR_YIELDING, ABQ));
    };
  }

  /** Publishes sequence {@code seq} (0, 1, 2, ... in order) to every reader. Producer thread. */
  abstract void publish(long seq);

  /** Stops the readers (bounded) and verifies what they received. */
  final void stop() {
    try {
      stopReaders();
      joinReaders();
      verify();
    } finally {
      for (Thread t : threads) {
        t.interrupt(); // last resort; they are daemons anyway
      }
    }
  }

  /** Asks every reader thread to end: close, halt, interrupt. */
  abstract void stopReaders();

  /** Additional checks after the readers stopped. */
  void verifyReaders() {}

  /** Spins until every reader's position is at least {@code count}; throws after the timeout. */
  final void awaitAll(long count) {
    for (ReaderProgress p : progress) {
      if (p.position() < count) {
        awaitSlow(p, count);
      }
    }
  }

  private void awaitSlow(ReaderProgress p, long count) {
    long deadline = 0;
    int spins = 0;
    while (p.position() < count) {
      Thread.onSpinWait();
      if (++spins == SPINS_PER_CHECK) {
        spins = 0;
        long now = System.nanoTime();
        if (deadline == 0) {
          deadline = now + TIMEOUT_NANOS;
        } else if (now - deadline > 0) {
          throw timeout("waiting for readers to reach position " + count);
        }
        checkFailure();
        // Over-subscribed machines (2 cores, 5 threads): let a descheduled reader run.
        Thread.yield();
      }
    }
  }

  /** Producer side, for implementations whose publish may wait: fails if a reader died. */
  final void checkFailure() {
    Throwable f = failure;
    if (f != null) {
      throw new IllegalStateException(impl + ": a reader thread failed", f);
    }
  }

  final IllegalStateException timeout(String what) {
    StringBuilder sb = new StringBuilder(impl).append(": timed out ").append(what).append(" [");
    for (int i = 0; i < progress.length; i++) {
      sb.append(i == 0 ? "" : ", ")
          .append("reader ")
          .append(i)
          .append(" at ")
          .append(progress[i].position())
          .append(" (missed ")
          .append(progress[i].missed())
          .append(')');
    }
    return new IllegalStateException(sb.append(']').toString(), failure);
  }

  /** Sum over readers of the values received. Exact when the readers are idle. */
  final long deliveredTotal() {
    long sum = 0;
    for (ReaderProgress p : progress) {
      sum += p.delivered();
    }
    return sum;
  }

  /** Sum over readers of the values missed. Exact when the readers are idle. */
  final long missedTotal() {
    long sum = 0;
    for (ReaderProgress p : progress) {
      sum += p.missed();
    }
    return sum;
  }

  /** Sum over readers of the LaggedExceptions received. Exact when the readers are idle. */
  final long lagEventsTotal() {
    long sum = 0;
    for (ReaderProgress p : progress) {
      sum += p.lagEvents();
    }
    return sum;
  }

  /** Starts a daemon reader thread running {@code body}; a throwable it dies with is recorded. */
  final Thread startReader(String name, Runnable body) {
    Thread t = newReaderThread(name, body);
    t.start();
    return t;
  }

  /** A daemon thread (not started) that records the throwable it dies with; joined by stop(). */
  final Thread newReaderThread(String name, Runnable body) {
    Thread t =
        new Thread(
            () -> {
              try {
                body.run();
              } catch (Throwable e) {
                if (failure == null) {
                  failure = e;
                }
                throw e;
              }
            },
            name);
    t.setDaemon(true);
    synchronized (threads) {
      threads.add(t);
    }
    return t;
  }

  /** A thread factory for libraries that start their own threads (the Disruptor). */
  final ThreadFactory readerThreadFactory(String prefix) {
    return new ThreadFactory() {
      private int next;

      @Override
      public synchronized Thread newThread(Runnable r) {
        return newReaderThread(prefix + next++, r);
      }
    };
  }

  private void joinReaders() {
    long deadline = System.nanoTime() + TIMEOUT_NANOS;
    List<Thread> snapshot;
    synchronized (threads) {
      snapshot = List.copyOf(threads);
    }
    for (Thread t : snapshot) {
      long left = deadline - System.nanoTime();
      try {
        if (left > 0) {
          t.join(TimeUnit.NANOSECONDS.toMillis(left) + 1);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(impl + ": interrupted while stopping readers", e);
      }
      if (t.isAlive()) {
        throw new IllegalStateException(impl + ": reader thread " + t.getName() + " did not stop");
      }
    }
  }

  private void verify() {
    Throwable f = failure;
    if (f != null) {
      throw new IllegalStateException(impl + ": a reader thread failed", f);
    }
    for (int i = 0; i < progress.length; i++) {
      if (progress[i].errors() != 0) {
        throw new IllegalStateException(
            impl + ": reader " + i + " received " + progress[i].errors() + " unexpected value(s)");
      }
    }
    verifyReaders();
  }
}
