package io.runnel.buffer;

/**
 * Single-producer multi-consumer ring holding the last N values; a lagging reader is told exactly
 * how many values it missed. See {@link SlotRing} for the algorithm.
 */
final class SpmcRing<T> extends AbstractBuffer<T> {

  final SlotRing ring;

  SpmcRing(String name, BufferSpec spec) {
    super(name, spec);
    this.ring = new SlotRing(spec.capacity());
  }

  @Override
  public void produce(T value) {
    checkProducible(value);
    if (!ring.publish(value)) {
      throw concurrentProduce();
    }
    wakeParkedReaders();
  }

  @Override
  @SuppressWarnings("unchecked")
  public T lastValue() {
    return (T) ring.newest();
  }

  @Override
  public long produced() {
    return ring.tail();
  }

  @Override
  AbstractReader<T> newReader(Signal signal) {
    return new RingReader(signal, ring.tail());
  }

  private final class RingReader extends AbstractReader<T> {
    /** The tail when it subscribed: the sequence of the first value it may receive. */
    private final long start;

    /**
     * Sequence of the next value this reader receives; touched only by the receiving thread. Other
     * threads derive it as {@code start + received() + missed()} (both already published, opaque),
     * so publishing the position costs the receive path nothing.
     */
    private long next;

    RingReader(Signal signal, long start) {
      super(SpmcRing.this, signal);
      this.start = start;
      this.next = start;
    }

    @Override
    @SuppressWarnings("unchecked")
    T poll() {
      Object value = ring.read(next);
      if (value == SlotRing.NOT_YET) {
        return null;
      }
      if (value != SlotRing.OVERWRITTEN) {
        next++;
        countReceived();
        return (T) value;
      }
      // Sequence `next` is gone (or going). Resume at tail - capacity, the oldest value held when
      // the writer is idle, but never before next + 1. If the writer is overwriting that very
      // slot right now, the next poll reports one more lag: each report is exact, reports never
      // overlap, and received + missed always equals what was produced since subscribing.
      long resume = Math.max(next + 1, ring.tail() - ring.capacity);
      long missedNow = resume - next;
      next = resume;
      throw lagged(missedNow);
    }

    @Override
    boolean available() {
      return ring.published(next);
    }

    @Override
    long backlog() {
      // the counters before the tail: a receive racing this read can make it overstate, never
      // understate
      long position = start + received() + missed();
      return Math.max(0, ring.tail() - position);
    }
  }
}
