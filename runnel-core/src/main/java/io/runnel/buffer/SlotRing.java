package io.runnel.buffer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A single-writer ring of slots, each guarded by its own sequence stamp (a per-slot seqlock). The
 * storage behind {@link SpmcRing} and {@link SingleLatest}.
 *
 * <h2>Implementation overview</h2>
 *
 * <p>Sequence numbers start at 0; value {@code s} lives in slot {@code s & mask}. Each slot carries
 * a {@code stamp}:
 *
 * <ul>
 *   <li>{@code 2s} — the slot holds the complete value of sequence {@code s};
 *   <li>{@code 2s - 1} — the writer is replacing the slot's content with sequence {@code s}.
 * </ul>
 *
 * Initially slot {@code i} has stamp {@code 2(i - capacity)}, as if sequence {@code i - capacity}
 * had been written. So for a reader expecting sequence {@code r} (expected stamp {@code 2r}) a
 * smaller stamp means "not produced yet" (including "being written right now") and a larger one
 * means "overwritten: the reader lagged".
 *
 * <p>Writer, for sequence {@code t}: {@code stamp = 2t-1} (opaque); store-store fence; {@code value
 * = v} (opaque); {@code stamp = 2t} (release); {@code tail = t+1} (compare-and-set, which is also
 * the full fence the wake-up protocol of {@link AbstractBuffer} needs).
 *
 * <p>Reader, for sequence {@code r}: {@code s1 = stamp} (acquire); if {@code s1 == 2r}: {@code v =
 * value} (opaque); load-load fence; {@code s2 = stamp}; the value is valid iff {@code s2 == s1}. If
 * the writer overwrote the slot after {@code s1} was read, it first stored {@code 2(r+capacity)-1};
 * a reader that saw the new value therefore also sees the changed stamp (store-store fence on the
 * writer side, load-load fence on the reader side), and discards the value. References are never
 * torn, so no other validation is needed.
 *
 * <p>Producing allocates nothing and never waits for readers. Readers never write shared state
 * here, so they never disturb each other or the writer.
 */
final class SlotRing {

  static final class Slot {
    @SuppressWarnings("unused")
    long stamp;

    @SuppressWarnings("unused")
    Object value;
  }

  static final VarHandle STAMP;
  static final VarHandle VALUE;
  private static final VarHandle TAIL;

  static {
    try {
      MethodHandles.Lookup l = MethodHandles.lookup();
      STAMP = l.findVarHandle(Slot.class, "stamp", long.class);
      VALUE = l.findVarHandle(Slot.class, "value", Object.class);
      TAIL = l.findVarHandle(SlotRing.class, "tail", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  final Slot[] slots;
  final int mask;
  final int capacity;

  // Padding keeps the producer-written tail off the cache line of the (read-mostly) fields above.
  @SuppressWarnings("unused")
  private long p01, p02, p03, p04, p05, p06, p07;

  /** Number of values published; sequence of the next value. Written only by the producer. */
  @SuppressWarnings("unused")
  private long tail;

  @SuppressWarnings("unused")
  private long p11, p12, p13, p14, p15, p16, p17;

  SlotRing(int capacity) {
    if (Integer.bitCount(capacity) != 1) {
      throw new IllegalArgumentException("capacity must be a power of two: " + capacity);
    }
    this.capacity = capacity;
    this.mask = capacity - 1;
    this.slots = new Slot[capacity];
    for (int i = 0; i < capacity; i++) {
      Slot slot = new Slot();
      slot.stamp = 2L * (i - capacity);
      slots[i] = slot;
    }
  }

  /**
   * Publishes {@code value} as the next sequence. Single writer only.
   *
   * <p>The tail is advanced with a compare-and-set rather than a plain volatile store: on x86 both
   * are one locked instruction, and the CAS turns overlapping calls from two threads (a misuse that
   * would corrupt the ring) into a loud error in most cases instead of silent damage.
   *
   * @return false if another thread published concurrently (the ring's content is then undefined)
   */
  boolean publish(Object value) {
    long t = (long) TAIL.getOpaque(this);
    Slot slot = slots[(int) t & mask];
    STAMP.setOpaque(slot, 2 * t - 1);
    VarHandle.storeStoreFence();
    VALUE.setOpaque(slot, value);
    STAMP.setRelease(slot, 2 * t);
    return TAIL.compareAndSet(this, t, t + 1);
  }

  /** Values published so far. */
  long tail() {
    return (long) TAIL.getAcquire(this);
  }

  /**
   * Reads the value of sequence {@code seq} if it is complete and still held.
   *
   * @return the value; {@link #NOT_YET} if {@code seq} is not published yet; {@link #OVERWRITTEN}
   *     if it was overwritten (or is being overwritten) by a later sequence
   */
  Object read(long seq) {
    Slot slot = slots[(int) seq & mask];
    long expected = seq << 1;
    long stamp = (long) STAMP.getAcquire(slot);
    if (stamp == expected) {
      Object value = VALUE.getOpaque(slot);
      VarHandle.loadLoadFence();
      if ((long) STAMP.getOpaque(slot) == expected) {
        return value;
      }
      return OVERWRITTEN;
    }
    return stamp < expected ? NOT_YET : OVERWRITTEN;
  }

  /** Whether sequence {@code seq} is published (whether or not it is still held). */
  boolean published(long seq) {
    return (long) STAMP.getAcquire(slots[(int) seq & mask]) >= seq << 1;
  }

  /** The newest complete value, or {@code null} if nothing was published. Lock-free. */
  Object newest() {
    for (int attempts = 0; ; ) {
      long t = tail();
      if (t == 0) {
        return null;
      }
      Object value = read(t - 1);
      if (value != NOT_YET && value != OVERWRITTEN) {
        return value;
      }
      backOff(++attempts); // the writer lapped us during the read: retry with the new tail
    }
  }

  /** Spins first, then yields, so a reader racing a very fast writer does not burn a core. */
  static void backOff(int attempts) {
    if (attempts < 16) {
      Thread.onSpinWait();
    } else {
      Thread.yield();
    }
  }

  static final Object NOT_YET = new Object();
  static final Object OVERWRITTEN = new Object();
}
