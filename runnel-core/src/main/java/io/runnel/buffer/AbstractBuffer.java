package io.runnel.buffer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.Objects;

/**
 * What every buffer kind shares: the closed flag, the readers, and the wake-up protocol.
 *
 * <p><b>Wake-up protocol (Dekker style).</b> A reader about to park first arms its {@link Signal},
 * then increments {@link #parked} with a full fence, then re-checks for data, and only then parks.
 * A producer publishes its value, executes a full fence (each kind's publish ends with a volatile
 * store or an atomic read-modify-write), and then reads {@code parked}; only if it is non-zero does
 * it wake the registered signals. Either the reader's re-check sees the value or the producer sees
 * the reader parked: a wake-up is never lost, and a producer with no parked reader pays one read.
 */
abstract class AbstractBuffer<T> implements Buffer<T> {

  private static final VarHandle PARKED;

  static {
    try {
      PARKED = MethodHandles.lookup().findVarHandle(AbstractBuffer.class, "parked", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private static final Signal[] NO_SIGNALS = new Signal[0];
  private static final AbstractReader<?>[] NO_READERS = new AbstractReader<?>[0];

  final String name;
  final BufferSpec spec;
  volatile boolean closed;

  /** Consumers currently parked (or about to park) on this buffer; accessed via {@link #PARKED}. */
  @SuppressWarnings("unused")
  private int parked;

  /** Copy-on-write; written under {@code this} lock. */
  private volatile Signal[] signals = NO_SIGNALS;

  private volatile AbstractReader<?>[] readers = NO_READERS;

  /** Totals of readers that have been closed; written under {@code this} lock. */
  private volatile long retiredReceived;

  private volatile long retiredMissed;

  AbstractBuffer(String name, BufferSpec spec) {
    this.name = Objects.requireNonNull(name, "name");
    this.spec = spec;
  }

  @Override
  public final BufferSpec spec() {
    return spec;
  }

  @Override
  public final String name() {
    return name;
  }

  @Override
  public final boolean isClosed() {
    return closed;
  }

  @Override
  public final Reader<T> subscribe() {
    return subscribe(null);
  }

  /**
   * Creates a reader. Every reader has its own signal; a non-null {@code group} signal (a {@link
   * ReaderGroup}'s) is woken as well, so that one consumer can wait on several buffers at once.
   */
  final AbstractReader<T> subscribe(Signal group) {
    synchronized (this) {
      AbstractReader<T> reader = newReader(new Signal());
      reader.group = group;
      addSignal(reader.signal);
      if (group != null) {
        addSignal(group);
      }
      AbstractReader<?>[] old = readers;
      AbstractReader<?>[] grown = Arrays.copyOf(old, old.length + 1);
      grown[old.length] = reader;
      readers = grown;
      return reader;
    }
  }

  abstract AbstractReader<T> newReader(Signal signal);

  final void retire(AbstractReader<?> reader) {
    synchronized (this) {
      AbstractReader<?>[] old = readers;
      int index = Arrays.asList(old).indexOf(reader);
      if (index < 0) {
        return;
      }
      // Totals first, then the smaller array: a concurrent sum never undercounts.
      retiredReceived += reader.received();
      retiredMissed += reader.missed();
      AbstractReader<?>[] shrunk = new AbstractReader<?>[old.length - 1];
      System.arraycopy(old, 0, shrunk, 0, index);
      System.arraycopy(old, index + 1, shrunk, index, old.length - index - 1);
      readers = shrunk;
      removeSignal(reader.signal);
      if (reader.group != null && !groupInUse(reader.group)) {
        removeSignal(reader.group);
      }
    }
  }

  private boolean groupInUse(Signal group) {
    for (AbstractReader<?> r : readers) {
      if (r.group == group) {
        return true;
      }
    }
    return false;
  }

  private void addSignal(Signal signal) {
    Signal[] old = signals;
    for (Signal s : old) {
      if (s == signal) {
        return;
      }
    }
    Signal[] grown = Arrays.copyOf(old, old.length + 1);
    grown[old.length] = signal;
    signals = grown;
  }

  private void removeSignal(Signal signal) {
    Signal[] old = signals;
    int index = Arrays.asList(old).indexOf(signal);
    if (index >= 0) {
      Signal[] shrunk = new Signal[old.length - 1];
      System.arraycopy(old, 0, shrunk, 0, index);
      System.arraycopy(old, index + 1, shrunk, index, old.length - index - 1);
      signals = shrunk;
    }
  }

  /** Called by the producer right after a publication that ended with a full fence. */
  final void wakeParkedReaders() {
    if ((int) PARKED.getVolatile(this) != 0) {
      wakeAll();
    }
  }

  final void wakeAll() {
    for (Signal s : signals) {
      s.wake();
    }
  }

  /**
   * Announces a park. The full fence after the increment orders it before the caller's re-check of
   * the buffer state whatever access mode that re-check uses (the JMM orders a volatile
   * read-modify-write only against other volatile accesses).
   */
  final void enterPark() {
    PARKED.getAndAdd(this, 1);
    VarHandle.fullFence();
  }

  final void exitPark() {
    PARKED.getAndAdd(this, -1);
  }

  final void checkProducible(Object value) {
    if (value == null) {
      throw new NullPointerException(
          "cannot produce null into '" + name + "': null is never a value");
    }
    if (closed) {
      throw new BufferClosedException(name);
    }
  }

  final IllegalStateException concurrentProduce() {
    return new IllegalStateException(
        "concurrent produce() calls into '"
            + name
            + "': a "
            + spec
            + " buffer has a single writer, and its content is now undefined; produce from one"
            + " thread, or serialise the calls (Runnel.producer() does), or use a mailbox");
  }

  @Override
  public final void close() {
    closed = true;
    wakeAll();
  }

  @Override
  public final long delivered() {
    long sum = retiredReceived;
    for (AbstractReader<?> r : readers) {
      sum += r.received();
    }
    return sum;
  }

  @Override
  public final long lagged() {
    long sum = retiredMissed;
    for (AbstractReader<?> r : readers) {
      sum += r.missed();
    }
    return sum;
  }

  @Override
  public final long maxBacklog() {
    long max = 0;
    for (AbstractReader<?> r : readers) {
      max = Math.max(max, r.backlog());
    }
    return max;
  }

  @Override
  public long dropped() {
    return 0;
  }

  @Override
  public final int readerCount() {
    return readers.length;
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "[" + name + ", " + spec + (closed ? ", closed" : "") + "]";
  }
}
