package io.runnel.store.wal;

import io.runnel.codec.Codec;
import io.runnel.store.OverflowPolicy;
import io.runnel.store.StoreException;
import io.runnel.store.StoreFullException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The bounded queue between producers (any thread) and the store's single writer thread. Assigns
 * sequence numbers, so sequence order is queue order is file order.
 *
 * <h2>Implementation overview</h2>
 *
 * <p>A power-of-two ring of {@link Pending} guarded by one lock. A producer holds the lock only to
 * apply the overflow policy, take the next sequence and store one reference; it signals the writer
 * only if the writer is waiting and the queue is half full. Otherwise the writer finds the values
 * by polling (with a short, backing-off timeout), so the producer never pays for a thread wake-up.
 * The writer drains everything present in one lock hold, so under load one lock acquisition serves
 * a whole batch. Counters are plain fields written under the lock.
 */
public final class HandoffQueue {

  /**
   * What {@link #offer} returns for a value dropped on arrival (drop-oldest, nothing older to
   * drop).
   */
  public static final long DROPPED = -1;

  /** One value on its way to the writer. */
  public static final class Pending {
    final String key;
    final long timestampMicros;
    final Object value;
    final Codec<?> codec;
    long sequence;

    /** Appended under drop-oldest: may be dropped to make room for a newer value. */
    boolean droppable;

    public Pending(String key, long timestampMicros, Object value, Codec<?> codec) {
      this.key = key;
      this.timestampMicros = timestampMicros;
      this.value = value;
      this.codec = codec;
    }
  }

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition notFull = lock.newCondition();
  private final Condition notEmpty = lock.newCondition();
  private final Pending[] ring;
  private final int mask;
  private int head;
  private int count;
  private long nextSequence;
  private boolean closed;
  private String closedReason = "the history store is closed";
  private boolean writerWaiting;

  /** Slots from head being copied out by the writer right now (owned by it, not droppable). */
  private int draining;

  private long waited;
  private long waitTimeouts;
  private long droppedOldest;
  private long rejected;
  private long appended;

  /** Values dropped under drop-oldest, by key (touched only when something is dropped). */
  private final java.util.Map<String, Long> droppedByKey = new java.util.HashMap<>();

  public HandoffQueue(int capacity, long firstSequence) {
    int c = Integer.highestOneBit(capacity);
    if (c < capacity) {
      c <<= 1;
    }
    ring = new Pending[c];
    mask = c - 1;
    nextSequence = firstSequence;
  }

  public int capacity() {
    return ring.length;
  }

  /**
   * Enqueues a value under the given policy.
   *
   * @return its sequence
   * @throws StoreFullException if refused
   * @throws StoreException if closed
   */
  public long offer(Pending p, OverflowPolicy policy) {
    lock.lock();
    try {
      if (closed) {
        throw new StoreException(closedReason);
      }
      p.droppable = policy instanceof OverflowPolicy.DropOldest;
      if (count == ring.length) {
        if (!makeRoom(policy)) {
          // Nothing older may go: the new value is dropped. It gets no sequence, so a dropped
          // value never leaves a gap at the tail that a reopened store would reuse.
          dropped(p.key);
          return DROPPED;
        }
        if (closed) { // closed while this producer waited for room
          throw new StoreException(closedReason);
        }
      }
      long seq = nextSequence++;
      p.sequence = seq;
      ring[(head + count) & mask] = p;
      count++;
      appended++;
      // Producers do not wake the writer for every value (a futex wake costs microseconds): the
      // writer polls (see SegmentWriter.run). Only a half-full queue or a durability waiter
      // (HistoryStore.awaitDurable) wakes it at once.
      if (writerWaiting && count >= (ring.length >> 1)) {
        writerWaiting = false;
        notEmpty.signal();
      }
      return seq;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Makes room for one value under {@code policy}.
   *
   * @return false if the new value itself must be dropped (drop-oldest found nothing droppable)
   */
  private boolean makeRoom(OverflowPolicy policy) {
    switch (policy) {
      case OverflowPolicy.Fail f -> {
        rejected++;
        throw new StoreFullException(
            "history queue full ("
                + ring.length
                + " entries): the writer cannot keep up with the appends; value rejected (policy"
                + " fail). Use a larger queue, a cheaper durability policy, or wait/drop policies");
      }
      case OverflowPolicy.DropOldest d -> {
        return dropOldestDroppable();
      }
      case OverflowPolicy.Wait w -> {
        waited++;
        long nanos = w.timeout().toNanos();
        boolean interrupted = false;
        while (count == ring.length && !closed) {
          if (nanos <= 0) {
            waitTimeouts++;
            if (interrupted) {
              Thread.currentThread().interrupt();
            }
            throw new StoreFullException(
                "history queue full ("
                    + ring.length
                    + " entries) for "
                    + w.timeout().toMillis()
                    + " ms: the writer cannot keep up (slow disk?); value rejected. Use a larger"
                    + " queue, a longer wait, or a cheaper durability policy");
          }
          try {
            nanos = notFull.awaitNanos(nanos);
          } catch (InterruptedException e) {
            interrupted = true;
            nanos = 0;
          }
        }
        if (interrupted) {
          Thread.currentThread().interrupt();
        }
        if (closed) {
          throw new StoreException(closedReason);
        }
      }
    }
    return true;
  }

  /** How far from the head drop-oldest looks for a droppable value (bounds the work per call). */
  static final int DROP_SEARCH = 64;

  /** How long drop-oldest waits for the writer to finish copying a batch out (frees room). */
  private static final long DRAIN_WAIT_NANOS = 1_000_000L;

  /**
   * Makes room under drop-oldest: if the writer is copying a batch out, waits up to 1 ms for it
   * (that usually empties the queue, dropping nothing); otherwise drops the oldest queued value
   * among the first {@value #DROP_SEARCH} that was itself appended under drop-oldest, so that one
   * record's flood never evicts another record's history. The older values before it move up one
   * slot (at most {@value #DROP_SEARCH} moves).
   *
   * @return true if there is room now; false if the new value must be dropped instead
   */
  private boolean dropOldestDroppable() {
    long nanos = DRAIN_WAIT_NANOS;
    boolean interrupted = false;
    while (draining > 0 && count == ring.length && nanos > 0) {
      try {
        nanos = notFull.awaitNanos(nanos);
      } catch (InterruptedException e) {
        interrupted = true;
        nanos = 0;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    if (count < ring.length) {
      return true;
    }
    if (draining > 0) {
      return false; // the writer still holds the oldest slots: drop the new value, never wait more
    }
    int victim = -1;
    for (int k = 0, end = Math.min(count, DROP_SEARCH); k < end; k++) {
      if (ring[(head + k) & mask].droppable) {
        victim = k;
        break;
      }
    }
    if (victim < 0) {
      return false;
    }
    dropped(ring[(head + victim) & mask].key);
    for (int k = victim; k > 0; k--) {
      ring[(head + k) & mask] = ring[(head + k - 1) & mask];
    }
    ring[head] = null;
    head = (head + 1) & mask;
    count--;
    return true;
  }

  private void dropped(String key) {
    droppedOldest++;
    droppedByKey.merge(key, 1L, Long::sum);
  }

  /** Values of {@code key} dropped under drop-oldest so far. */
  public long droppedFor(String key) {
    lock.lock();
    try {
      return droppedByKey.getOrDefault(key, 0L);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Writer side: moves up to {@code out.length} values into {@code out}, waiting up to {@code
   * waitNanos} if none is present.
   *
   * @return how many; 0 on timeout; -1 if closed and empty
   */
  int drain(Pending[] out, long waitNanos) throws InterruptedException {
    int start;
    int n;
    lock.lock();
    try {
      if (count == 0 && !closed && waitNanos > 0) {
        writerWaiting = true;
        notEmpty.awaitNanos(waitNanos);
        writerWaiting = false;
      }
      if (count == 0) {
        return closed ? -1 : 0;
      }
      n = Math.min(count, out.length);
      start = head;
      draining = n;
    } finally {
      lock.unlock();
    }
    // Copy outside the lock so producers are not held up by a large batch. The slots stay
    // counted (so no producer reuses them) and drop-oldest skips them (see makeRoom) until the
    // second lock hold below releases them; the lock hold above made their contents visible.
    for (int i = 0; i < n; i++) {
      int idx = (start + i) & mask;
      out[i] = ring[idx];
      ring[idx] = null;
    }
    lock.lock();
    try {
      head = (head + n) & mask;
      count -= n;
      draining = 0;

      notFull.signalAll();
      return n;
    } finally {
      lock.unlock();
    }
  }

  /** Refuses further offers; the writer still drains what is queued. */
  public void close(String reason) {
    lock.lock();
    try {
      if (!closed) {
        closed = true;
        closedReason = reason;
      }
      notFull.signalAll();
      notEmpty.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Wakes the writer, e.g. to sync now. */
  public void wakeWriter() {
    lock.lock();
    try {
      notEmpty.signalAll();
    } finally {
      lock.unlock();
    }
  }

  public long lastAssignedSequence() {
    lock.lock();
    try {
      return nextSequence - 1;
    } finally {
      lock.unlock();
    }
  }

  public void fillStats(long[] out) {
    lock.lock();
    try {
      out[0] = appended;
      out[1] = waited;
      out[2] = waitTimeouts;
      out[3] = droppedOldest;
      out[4] = rejected;
      out[5] = count;
    } finally {
      lock.unlock();
    }
  }
}
