package io.runnel.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.runnel.buffer.EndOfStreamException;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Mode;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.Signal;
import org.openjdk.jcstress.annotations.State;

/**
 * A join's wait ({@code Mode.Termination}): a consumer of a {@link Join} (a {@code ReaderGroup}
 * over a ring and a single latest) polls both members and, when neither has anything, calls {@code
 * await()} (no timeout). {@code await} may return spuriously, so the consumer loops, as its
 * contract says callers must. It starts after a random delay aimed at the signal ({@link
 * Delay.AtSignal}), so the signal lands before its first poll, around the arming of the group's
 * signal, or while it is parked.
 *
 * <p><b>STALE</b> means the group was never woken: a lost wake-up (the member's buffer did not see
 * the group parked, its signal was not registered with that member, or the group's re-check missed
 * the value or the close). <b>ERROR</b>: a wrong value, a value from an empty buffer, or an
 * exception. The exactly-once check through a group (with a racing produce and a timed {@code
 * await}) is part of {@link RecvVsProduce.ExactlyOnce}.
 */
public class GroupAwait {

  /** A produce into either member (chosen at random per state) wakes the consumer. */
  @JCStressTest(Mode.Termination)
  @Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "woken by the produce, got the value")
  @Outcome(id = "STALE", expect = FORBIDDEN, desc = "lost wake-up: the group never woke")
  @Outcome(expect = FORBIDDEN, desc = "a wrong value, or an exception")
  @State
  public static class WokenByProduce {
    final Join join = new Join();
    final Delay.AtSignal timing = new Delay.AtSignal();
    final Val value = new Val(0);

    @Actor
    public void consumer() throws InterruptedException {
      timing.actorStarts();
      Val v;
      while ((v = join.poll()) == null) {
        join.group.await();
      }
      if (v != value || join.from != join.target) {
        throw new IllegalStateException("got " + v + " from member " + join.from);
      }
    }

    @Signal
    public void produce() {
      timing.signalled();
      join.target().produce(value);
    }
  }

  /** A close of either member (chosen at random per state) wakes the consumer: end of stream. */
  @JCStressTest(Mode.Termination)
  @Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "woken by close, end of stream")
  @Outcome(id = "STALE", expect = FORBIDDEN, desc = "lost wake-up: the group never woke")
  @Outcome(expect = FORBIDDEN, desc = "a value from an empty buffer, or an exception")
  @State
  public static class WokenByClose {
    final Join join = new Join();
    final Delay.AtSignal timing = new Delay.AtSignal();

    @Actor
    public void consumer() throws InterruptedException {
      timing.actorStarts();
      try {
        while (join.poll() == null) {
          join.group.await();
        }
        throw new IllegalStateException("a value from member " + join.from + ", none produced");
      } catch (EndOfStreamException expected) {
        // the only way out
      }
    }

    @Signal
    public void close() {
      timing.signalled();
      join.target().close();
    }
  }
}
