package io.runnel.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.runnel.buffer.Buffer;
import io.runnel.buffer.BufferSpec;
import io.runnel.buffer.EndOfStreamException;
import io.runnel.buffer.Reader;
import java.util.concurrent.ThreadLocalRandom;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Mode;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.Signal;
import org.openjdk.jcstress.annotations.State;

/**
 * Blocking receive vs. close ({@code Mode.Termination}): a reader waiting in {@code recv()} (no
 * timeout) on an empty buffer must end with {@link EndOfStreamException} when the buffer is closed
 * ({@link BufferClosed}: {@code Buffer.close()} sets the volatile closed flag, then wakes every
 * registered signal unconditionally), or when its own reader is closed from another thread ({@link
 * ReaderClosed}: {@code Reader.close()} sets the reader's flag and wakes its signal).
 *
 * <p>The kind (ring of capacity 2, single latest, mailbox) is chosen at random for each state:
 * closing and ending are the same code for every kind ({@code AbstractBuffer.close}, {@code
 * AbstractReader.tryRecv}; only the spin phase's {@code available()} differs), so one test per
 * close covers them at a third of the cost. (A STALE outcome does not say which kind hung; to tell,
 * fix {@link #anyKind()} to one kind and re-run.) The actor starts waiting after a random delay
 * aimed at the signal ({@link Delay.AtSignal}), so the close lands before its first poll, while it
 * spins or yields, around the arming of its signal, or while it is parked.
 *
 * <p><b>STALE</b> means the reader was never woken, or woke and went back to sleep without seeing
 * the close: a lost wake-up on close. <b>ERROR</b> means {@code recv} returned a value from an
 * empty buffer, or threw something other than end of stream.
 */
public class RecvVsClose {

  private static final BufferSpec[] KINDS = {
    BufferSpec.ring(2), BufferSpec.latest(), BufferSpec.mailbox()
  };

  static BufferSpec anyKind() {
    return KINDS[ThreadLocalRandom.current().nextInt(KINDS.length)];
  }

  abstract static class Base {
    final Buffer<Val> buffer = anyKind().create("closing");
    final Reader<Val> reader = buffer.subscribe();
    final Delay.AtSignal timing = new Delay.AtSignal();

    void receiveUntilEnd() throws InterruptedException {
      timing.actorStarts();
      try {
        Val v = reader.recv();
        throw new IllegalStateException(
            buffer.spec() + ": received " + v + ", nothing was produced");
      } catch (EndOfStreamException expected) {
        // the only way out
      }
    }
  }

  /** The buffer is closed: a reader blocked in {@code recv()} ends. */
  @JCStressTest(Mode.Termination)
  @Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "woken by Buffer.close, end of stream")
  @Outcome(id = "STALE", expect = FORBIDDEN, desc = "lost wake-up: recv() never returned")
  @Outcome(expect = FORBIDDEN, desc = "recv() returned a value or threw something else")
  @State
  public static class BufferClosed extends Base {
    @Actor
    public void reader() throws InterruptedException {
      receiveUntilEnd();
    }

    @Signal
    public void close() {
      timing.signalled();
      buffer.close();
    }
  }

  /** The reader is closed by another thread: its blocked {@code recv()} ends. */
  @JCStressTest(Mode.Termination)
  @Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "woken by Reader.close, end of stream")
  @Outcome(id = "STALE", expect = FORBIDDEN, desc = "lost wake-up: recv() never returned")
  @Outcome(expect = FORBIDDEN, desc = "recv() returned a value or threw something else")
  @State
  public static class ReaderClosed extends Base {
    @Actor
    public void reader() throws InterruptedException {
      receiveUntilEnd();
    }

    @Signal
    public void close() {
      timing.signalled();
      reader.close();
    }
  }
}
