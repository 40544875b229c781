package io.runnel.buffer;

import io.runnel.internal.time.Parking;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.CancellationException;

/**
 * The receive logic common to every buffer kind. Subclasses implement only {@link #poll()} (take
 * the next value if there is one) and {@link #available()} (would {@code poll} return or throw
 * now).
 *
 * <p>Waiting is: poll; spin briefly (a producer on another core often publishes within
 * microseconds); yield a few times (a producer on the same core gets to run without a futex round
 * trip; from here the lane counts the thread as waiting); then arm the signal, announce the park to
 * the buffer, re-check, and park through {@link Parking} (so lanes decide how a wait is spent).
 */
abstract class AbstractReader<T> implements Reader<T> {

  /** Polls made while spinning before parking. */
  static final int SPINS = 64;

  /**
   * Yields (giving the core to other runnable threads) after spinning and before parking. A park
   * costs a futex round trip on both sides (the producer's unpark, the reader's wake-up); yielding
   * first lets a reader that shares a core with its producer pick up the next values without one.
   * On 2 cores with 1 producer and 4 readers this raised delivered throughput about 4-5x (see
   * docs/BENCHMARKS.md); an idle reader pays at most {@value} sched_yield calls before it parks.
   */
  static final int YIELDS = 32;

  private static final VarHandle RECEIVED;
  private static final VarHandle MISSED;

  static {
    try {
      MethodHandles.Lookup l = MethodHandles.lookup();
      RECEIVED = l.findVarHandle(AbstractReader.class, "received", long.class);
      MISSED = l.findVarHandle(AbstractReader.class, "missed", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  final AbstractBuffer<T> buffer;

  /** Woken when this reader may have something. Owned by this reader alone. */
  final Signal signal;

  /** The signal of the {@link ReaderGroup} this reader belongs to, or null; set at subscribe. */
  Signal group;

  /** Written only by the receiving thread (opaque), read by anyone. */
  @SuppressWarnings("unused")
  private long received;

  @SuppressWarnings("unused")
  private long missed;

  private volatile boolean closedByUser;
  private boolean ended;

  AbstractReader(AbstractBuffer<T> buffer, Signal signal) {
    this.buffer = buffer;
    this.signal = signal;
  }

  /**
   * Takes the next value if one is available; returns {@code null} otherwise. May throw {@link
   * LaggedException}. Called only by the receiving thread.
   */
  abstract T poll();

  /** Whether {@link #poll()} would return a value or throw now. May be called by any thread. */
  abstract boolean available();

  /** See {@link Buffer#maxBacklog()}: this reader's part. May be called by any thread. */
  abstract long backlog();

  final void countReceived() {
    RECEIVED.setOpaque(this, (long) RECEIVED.getOpaque(this) + 1);
  }

  final LaggedException lagged(long count) {
    MISSED.setOpaque(this, (long) MISSED.getOpaque(this) + count);
    return new LaggedException(buffer.name, count);
  }

  @Override
  public final long received() {
    return (long) RECEIVED.getOpaque(this);
  }

  @Override
  public final long missed() {
    return (long) MISSED.getOpaque(this);
  }

  @Override
  public final T tryRecv() {
    if (closedByUser || ended) {
      throw end(); // end of stream is final: a produce that raced close() is not delivered late
    }
    T value = poll();
    if (value != null) {
      return value;
    }
    if (buffer.closed) {
      // Everything produced before close() is visible now; drain it before ending.
      value = poll();
      if (value != null) {
        return value;
      }
      throw end();
    }
    return null;
  }

  private EndOfStreamException end() {
    ended = true;
    return new EndOfStreamException(buffer.name);
  }

  @Override
  public final T recv() throws InterruptedException {
    return recvUntil(Parking.NO_DEADLINE);
  }

  @Override
  public final T recv(Duration timeout) throws InterruptedException {
    return recvUntil(Parking.deadlineAfter(timeout.toNanos()));
  }

  final T recvUntil(long deadline) throws InterruptedException {
    T value = tryRecv();
    if (value != null) {
      return value;
    }
    int rounds = Parking.spinBeforePark() ? SPINS + YIELDS : 0;
    boolean waiting = false;
    try {
      for (int i = 0; i < rounds; i++) {
        if (i < SPINS) {
          Thread.onSpinWait();
        } else {
          if (!waiting) {
            waiting = true;
            Parking.waitBegan(); // yields hand the core to others: time slices, not running time
          }
          Thread.yield();
        }
        if (available() || buffer.closed || closedByUser) {
          value = tryRecv();
          if (value != null) {
            return value;
          }
        }
        if (deadline != Parking.NO_DEADLINE && deadline - Parking.nanoTime() <= 0) {
          return null;
        }
      }
      waiting = true;
      return await(deadline);
    } finally {
      if (waiting) {
        Parking.waitEnded();
      }
    }
  }

  private T await(long deadline) throws InterruptedException {
    buffer.enterPark();
    try {
      for (; ; ) {
        signal.arm(); // re-armed on every round: a wake-up consumes the arming
        T value = tryRecv();
        if (value != null) {
          return value;
        }
        if (Thread.interrupted()) {
          throw new InterruptedException("interrupted while receiving from '" + buffer.name + "'");
        }
        if (deadline != Parking.NO_DEADLINE && deadline - Parking.nanoTime() <= 0) {
          return null;
        }
        Parking.park(this, deadline);
        signal.afterPark();
      }
    } finally {
      buffer.exitPark();
      signal.disarm();
    }
  }

  @Override
  public final boolean isClosed() {
    return closedByUser || ended;
  }

  @Override
  public final void close() {
    if (!closedByUser) {
      closedByUser = true;
      buffer.retire(this);
      signal.wake();
      Signal g = group;
      if (g != null) {
        g.wake();
      }
    }
  }

  @Override
  public final Iterator<T> iterator() {
    return new Iterator<>() {
      private T next;

      @Override
      public boolean hasNext() {
        while (next == null) {
          try {
            next = recv();
          } catch (LaggedException e) {
            // counted in missed(); continue from the oldest value still held
          } catch (EndOfStreamException e) {
            return false;
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted while iterating '" + buffer.name + "'");
          }
        }
        return true;
      }

      @Override
      public T next() {
        if (!hasNext()) {
          throw new NoSuchElementException("end of stream: '" + buffer.name + "'");
        }
        T value = next;
        next = null;
        return value;
      }
    };
  }

  @Override
  public String toString() {
    return "Reader[" + buffer.name + ", received=" + received() + ", missed=" + missed() + "]";
  }
}
