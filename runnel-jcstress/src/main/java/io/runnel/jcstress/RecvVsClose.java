package io.runnel.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.runnel.buffer.Buffer;
import io.runnel.buffer.BufferSpec;
import io.runnel.buffer.EndOfStreamException;
import io.runnel.buffer.Reader;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Mode;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.Signal;
import org.openjdk.jcstress.annotations.State;

/**
 * Blocking receive vs. close ({@code Mode.Termination}): a reader waiting in {@code recv()} (no
 * timeout) on an empty buffer must end with {@link EndOfStreamException} when the buffer is closed
 * ({@link Ring}, {@link Latest}, {@link Mailbox}: {@code Buffer.close()} sets the volatile closed
 * flag, then wakes every registered signal unconditionally), or when its own reader is closed from
 * another thread ({@link ReaderClosed}: {@code Reader.close()} wakes that reader's signal).
 *
 * <p>The actor starts waiting after a random delay of up to 1.5 ms, so the close lands before its
 * first poll, while it spins or yields, around the arming of its signal, or while it is parked.
 * <b>STALE</b> means the reader was never woken, or woke and went back to sleep without seeing the
 * close: a lost wake-up on close. <b>ERROR</b> means {@code recv} returned a value from an empty
 * buffer, or threw something other than end of stream.
 */
public class RecvVsClose {

  abstract static class Base {
    final Buffer<Val> buffer;
    final Reader<Val> reader;

    Base(BufferSpec spec) {
      buffer = spec.create("closing");
      reader = buffer.subscribe();
    }

    void receiveUntilEnd() throws InterruptedException {
      Delay.upTo(Delay.AROUND_SIGNAL_NANOS);
      try {
        Val v = reader.recv();
        throw new IllegalStateException("received " + v + " from a buffer nothing was produced to");
      } catch (EndOfStreamException expected) {
        // the only way out
      }
    }
  }

  /** Ring: a reader blocked in {@code recv()} ends when the buffer closes. */
  @JCStressTest(Mode.Termination)
  @Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "woken by close, end of stream")
  @Outcome(id = "STALE", expect = FORBIDDEN, desc = "lost wake-up: recv() never returned")
  @Outcome(expect = FORBIDDEN, desc = "recv() returned a value or threw something else")
  @State
  public static class Ring extends Base {
    public Ring() {
      super(BufferSpec.ring(2));
    }

    @Actor
    public void reader() throws InterruptedException {
      receiveUntilEnd();
    }

    @Signal
    public void close() {
      buffer.close();
    }
  }

  /** Single latest: a reader blocked in {@code recv()} ends when the buffer closes. */
  @JCStressTest(Mode.Termination)
  @Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "woken by close, end of stream")
  @Outcome(id = "STALE", expect = FORBIDDEN, desc = "lost wake-up: recv() never returned")
  @Outcome(expect = FORBIDDEN, desc = "recv() returned a value or threw something else")
  @State
  public static class Latest extends Base {
    public Latest() {
      super(BufferSpec.latest());
    }

    @Actor
    public void reader() throws InterruptedException {
      receiveUntilEnd();
    }

    @Signal
    public void close() {
      buffer.close();
    }
  }

  /** Mailbox: a reader blocked in {@code recv()} ends when the buffer closes. */
  @JCStressTest(Mode.Termination)
  @Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "woken by close, end of stream")
  @Outcome(id = "STALE", expect = FORBIDDEN, desc = "lost wake-up: recv() never returned")
  @Outcome(expect = FORBIDDEN, desc = "recv() returned a value or threw something else")
  @State
  public static class Mailbox extends Base {
    public Mailbox() {
      super(BufferSpec.mailbox());
    }

    @Actor
    public void reader() throws InterruptedException {
      receiveUntilEnd();
    }

    @Signal
    public void close() {
      buffer.close();
    }
  }

  /**
   * Ring, the reader itself closed by another thread ({@code Reader.close()}, documented as waking
   * a receive blocked on it): the blocked {@code recv()} ends with end of stream.
   */
  @JCStressTest(Mode.Termination)
  @Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "woken by Reader.close, end of stream")
  @Outcome(id = "STALE", expect = FORBIDDEN, desc = "lost wake-up: recv() never returned")
  @Outcome(expect = FORBIDDEN, desc = "recv() returned a value or threw something else")
  @State
  public static class ReaderClosed extends Base {
    public ReaderClosed() {
      super(BufferSpec.ring(2));
    }

    @Actor
    public void reader() throws InterruptedException {
      receiveUntilEnd();
    }

    @Signal
    public void close() {
      reader.close();
    }
  }
}
