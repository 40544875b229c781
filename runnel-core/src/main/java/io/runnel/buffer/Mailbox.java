package io.runnel.buffer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One slot, overwritten by each produce; each value is taken by exactly one reader (an atomic swap
 * with {@code null}). A value overwritten before any reader took it counts as dropped.
 *
 * <p>Unlike the other kinds, produce is an atomic swap and is therefore safe from several threads.
 */
final class Mailbox<T> extends AbstractBuffer<T> {

  private static final VarHandle SLOT;
  private static final VarHandle LAST;
  private static final VarHandle PRODUCED;
  private static final VarHandle DROPPED;

  static {
    try {
      MethodHandles.Lookup l = MethodHandles.lookup();
      SLOT = l.findVarHandle(Mailbox.class, "slot", Object.class);
      LAST = l.findVarHandle(Mailbox.class, "last", Object.class);
      PRODUCED = l.findVarHandle(Mailbox.class, "produced", long.class);
      DROPPED = l.findVarHandle(Mailbox.class, "dropped", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  @SuppressWarnings("unused")
  private Object slot;

  @SuppressWarnings("unused")
  private Object last;

  @SuppressWarnings("unused")
  private long produced;

  @SuppressWarnings("unused")
  private long dropped;

  Mailbox(String name, BufferSpec spec) {
    super(name, spec);
  }

  @Override
  public void produce(T value) {
    checkProducible(value);
    LAST.setRelease(this, value);
    Object previous = SLOT.getAndSet(this, value); // full fence, as the wake-up protocol needs
    PRODUCED.getAndAdd(this, 1L);
    if (previous != null) {
      DROPPED.getAndAdd(this, 1L);
    }
    wakeParkedReaders();
  }

  @Override
  @SuppressWarnings("unchecked")
  public T lastValue() {
    return (T) LAST.getAcquire(this);
  }

  @Override
  public long produced() {
    return (long) PRODUCED.getVolatile(this);
  }

  @Override
  public long dropped() {
    return (long) DROPPED.getVolatile(this);
  }

  @Override
  AbstractReader<T> newReader(Signal signal) {
    return new MailboxReader(signal);
  }

  private final class MailboxReader extends AbstractReader<T> {
    MailboxReader(Signal signal) {
      super(Mailbox.this, signal);
    }

    @Override
    @SuppressWarnings("unchecked")
    T poll() {
      if (SLOT.getAcquire(Mailbox.this) == null) {
        return null;
      }
      Object value = SLOT.getAndSet(Mailbox.this, null);
      if (value != null) {
        countReceived();
      }
      return (T) value;
    }

    @Override
    boolean available() {
      return SLOT.getAcquire(Mailbox.this) != null;
    }

    @Override
    long backlog() {
      return available() ? 1 : 0;
    }
  }
}
