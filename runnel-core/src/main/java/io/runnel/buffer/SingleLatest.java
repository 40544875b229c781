package io.runnel.buffer;

/**
 * Holds the newest value. A reader first sees the current value (if any), then each change; a slow
 * reader skips straight to the newest value and never gets an error.
 *
 * <p>Stored in a small {@link SlotRing} so that a reader copying the newest value never waits for a
 * writer that is mid-publication: the writer always writes a different slot than the newest one,
 * and a reader only retries if the writer lapped the whole ring during one read.
 */
final class SingleLatest<T> extends AbstractBuffer<T> {

  private static final int SLOTS = 4;

  private static final java.lang.invoke.VarHandle SEEN;

  static {
    try {
      SEEN =
          java.lang.invoke.MethodHandles.lookup()
              .findVarHandle(SingleLatest.LatestReader.class, "seen", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final SlotRing ring = new SlotRing(SLOTS);

  SingleLatest(String name, BufferSpec spec) {
    super(name, spec);
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
    return new LatestReader(signal);
  }

  private final class LatestReader extends AbstractReader<T> {
    /**
     * The tail at the last value received; 0 so that a new reader first gets the current value.
     * Written only by the receiving thread (opaque, which costs what a plain store does), read by
     * {@link #backlog()} on any thread.
     */
    private long seen;

    LatestReader(Signal signal) {
      super(SingleLatest.this, signal);
    }

    @Override
    @SuppressWarnings("unchecked")
    T poll() {
      for (int attempts = 0; ; ) {
        long t = ring.tail();
        if (t == seen) {
          return null;
        }
        Object value = ring.read(t - 1);
        if (value != SlotRing.NOT_YET && value != SlotRing.OVERWRITTEN) {
          SEEN.setOpaque(this, t);
          countReceived();
          return (T) value;
        }
        SlotRing.backOff(++attempts); // lapped during the read: retry with the new tail
      }
    }

    @Override
    boolean available() {
      return ring.tail() != (long) SEEN.getOpaque(this);
    }

    @Override
    long backlog() {
      long seenNow = (long) SEEN.getOpaque(this);
      return Math.max(0, ring.tail() - seenNow);
    }
  }
}
