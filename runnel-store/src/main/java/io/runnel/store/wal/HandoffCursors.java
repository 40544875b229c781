package io.runnel.store.wal;

/**
 * The {@link HandoffQueue}'s three cursors (two with a byte count beside them) and the writer's
 * park flag, each on its own pair of cache lines (128 bytes of padding on both sides, as the JDK's
 * {@code @Contended} and the Disruptor's {@code Sequence} do, so that adjacent-line prefetch does
 * not pair them up either).
 *
 * <p>Why they are apart: {@code tail} is written by every producer (one CAS per append); {@code
 * released} is written by the writer once per batch and read by every producer; {@code head} is
 * written by the writer and, rarely, by a producer making room under drop-oldest; the park flag is
 * written by the writer once per poll. The byte bound adds no line: the bytes producers reserve sit
 * beside {@code tail}, the bytes the writer frees beside {@code released}. On one line, each append
 * would invalidate the writer's view of its own cursor and each batch the producers' view of the
 * tail.
 *
 * <p>The padding is a chain of superclasses because the JVM lays out a superclass's fields before a
 * subclass's and does not reorder across that boundary; fields of one class it may reorder freely.
 * The padding fields are never read: they exist to occupy space.
 */
@SuppressWarnings("unused")
final class HandoffCursors {
  private HandoffCursors() {}

  abstract static class Pad0 {
    long p00, p01, p02, p03, p04, p05, p06, p07, p08, p09, p10, p11, p12, p13, p14, p15;
  }

  /**
   * Next position to claim, plus {@link HandoffQueue#CLOSED}; and the bytes ever reserved by
   * producers, less those given back. Both written by producers (CAS), on one line: an append
   * touches the line once.
   */
  abstract static class Tail extends Pad0 {
    volatile long tail;
    volatile long claimedBytes;
  }

  abstract static class Pad1 extends Tail {
    long p00, p01, p02, p03, p04, p05, p06, p07, p08, p09, p10, p11, p12, p13, p14, p15;
  }

  /**
   * First position not yet taken by the writer, plus {@link HandoffQueue#TAKING} or {@link
   * HandoffQueue#COMPACTING}. Written by the writer and by a drop-oldest producer (CAS).
   */
  abstract static class Head extends Pad1 {
    volatile long head;
  }

  abstract static class Pad2 extends Head {
    long p00, p01, p02, p03, p04, p05, p06, p07, p08, p09, p10, p11, p12, p13, p14, p15;
  }

  /**
   * First position whose slot is not yet free for reuse; and the bytes of every entry taken out (by
   * the writer) or evicted (by a compacting producer) so far. Written by whoever holds {@link
   * HandoffQueue#TAKING} or {@link HandoffQueue#COMPACTING}; read by every producer, together.
   */
  abstract static class Released extends Pad2 {
    volatile long released;
    volatile long releasedBytes;
  }

  abstract static class Pad3 extends Released {
    long p00, p01, p02, p03, p04, p05, p06, p07, p08, p09, p10, p11, p12, p13, p14, p15;
  }

  /** 1 while the writer is parked waiting for values (a producer may unpark it). */
  abstract static class WriterParked extends Pad3 {
    volatile int writerParked;
  }

  abstract static class Pad4 extends WriterParked {
    long p00, p01, p02, p03, p04, p05, p06, p07, p08, p09, p10, p11, p12, p13, p14, p15;
  }
}
