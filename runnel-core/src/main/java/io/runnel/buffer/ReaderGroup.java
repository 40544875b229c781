package io.runnel.buffer;

import io.runnel.internal.time.Parking;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Readers on several buffers that share one wake-up signal, so that one consumer (a join) can wait
 * until <em>any</em> of them has something, without a thread per input.
 *
 * <p>Use: subscribe a reader per input with {@link #subscribe(Buffer)}; poll them with {@link
 * Reader#tryRecv()}; when none has anything, call {@link #await}. Used by one thread.
 */
public final class ReaderGroup implements AutoCloseable {

  private final Signal signal = new Signal();
  private final List<AbstractReader<?>> readers = new ArrayList<>();

  /** Subscribes a reader to {@code buffer} that wakes this group. */
  public <T> Reader<T> subscribe(Buffer<T> buffer) {
    if (!(buffer instanceof AbstractBuffer<T> b)) {
      throw new IllegalArgumentException("not a Runnel buffer: " + buffer);
    }
    AbstractReader<T> reader = b.subscribe(signal);
    readers.add(reader);
    return reader;
  }

  /**
   * Waits until at least one reader of the group has a value, a lag or an end of stream to report,
   * or the timeout passes. Spurious returns are possible: callers poll again.
   *
   * @return whether some reader is ready (false on timeout)
   */
  public boolean await(Duration timeout) throws InterruptedException {
    return awaitUntil(
        timeout == null ? Parking.NO_DEADLINE : Parking.deadlineAfter(timeout.toNanos()));
  }

  /** Like {@link #await(Duration)} without a timeout. */
  public void await() throws InterruptedException {
    awaitUntil(Parking.NO_DEADLINE);
  }

  private boolean awaitUntil(long deadline) throws InterruptedException {
    if (anyReady()) {
      return true;
    }
    for (AbstractReader<?> r : readers) {
      r.buffer.enterPark();
    }
    try {
      for (; ; ) {
        signal.arm(); // re-armed on every round: a wake-up consumes the arming
        if (anyReady()) {
          return true;
        }
        if (Thread.interrupted()) {
          throw new InterruptedException("interrupted while waiting on " + names());
        }
        if (deadline != Parking.NO_DEADLINE && deadline - Parking.nanoTime() <= 0) {
          return false;
        }
        Parking.park(this, deadline);
        signal.afterPark();
      }
    } finally {
      for (AbstractReader<?> r : readers) {
        r.buffer.exitPark();
      }
      signal.disarm();
      Parking.waitEnded();
    }
  }

  /** True if a live reader has something to report, or if no live reader is left. */
  private boolean anyReady() {
    boolean anyLive = false;
    for (AbstractReader<?> r : readers) {
      if (r.isClosed()) {
        continue; // ended or unsubscribed: nothing more will come from it
      }
      anyLive = true;
      if (r.available() || r.buffer.closed) {
        return true;
      }
    }
    return !anyLive;
  }

  private List<String> names() {
    return readers.stream().map(r -> r.buffer.name).toList();
  }

  /** Closes every reader of the group. */
  @Override
  public void close() {
    for (AbstractReader<?> r : readers) {
      r.close();
    }
  }
}
