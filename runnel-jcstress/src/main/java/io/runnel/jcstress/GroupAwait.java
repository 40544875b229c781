package io.runnel.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.runnel.buffer.Buffer;
import io.runnel.buffer.BufferSpec;
import io.runnel.buffer.EndOfStreamException;
import io.runnel.buffer.Reader;
import io.runnel.buffer.ReaderGroup;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Mode;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.Signal;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * A join's wait: a {@link ReaderGroup} over two buffers (member 0 a ring of capacity 2, member 1 a
 * single latest) whose consumer polls both and, when neither has anything, calls {@code await}. The
 * group's one signal is registered with both buffers, so a produce into (or a close of)
 * <em>either</em> member must wake it. Which member the other thread acts on is chosen at random
 * for each state. {@code await} may return spuriously, so the consumer loops, as the contract says
 * callers must.
 *
 * <ul>
 *   <li>{@link WokenByProduce}, {@link WokenByClose} ({@code Mode.Termination}): the actor waits
 *       (after a random delay of up to 1.5 ms) until it receives a value, or until a member ends;
 *       the signal produces into, or closes, one member. <b>STALE</b> means the group was never
 *       woken (a lost wake-up: the member's buffer did not see the group parked, or the group's
 *       re-check missed the value or the close). <b>ERROR</b>: a wrong value, or an exception.
 *   <li>{@link ExactlyOnce} (arbiter): see there.
 * </ul>
 */
public class GroupAwait {

  abstract static class Base {
    final Val value = new Val(0);
    final Buffer<Val>[] members = members();
    final ReaderGroup group = new ReaderGroup();
    final Reader<Val> r0 = group.subscribe(members[0]);
    final Reader<Val> r1 = group.subscribe(members[1]);
    final int target = ThreadLocalRandom.current().nextInt(2);

    @SuppressWarnings("unchecked")
    private static Buffer<Val>[] members() {
      return new Buffer[] {BufferSpec.ring(2).create("ring"), BufferSpec.latest().create("latest")};
    }

    /** Polls both members once: the value and from which member (0, 1), or null. */
    Val poll(int[] from) {
      Val v = r0.tryRecv();
      if (v != null) {
        from[0] = 0;
        return v;
      }
      v = r1.tryRecv();
      if (v != null) {
        from[0] = 1;
      }
      return v;
    }
  }

  /** A consumer waiting on the group receives the value produced into either member. */
  @JCStressTest(Mode.Termination)
  @Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "woken by the produce, got the value")
  @Outcome(id = "STALE", expect = FORBIDDEN, desc = "lost wake-up: the group never woke")
  @Outcome(expect = FORBIDDEN, desc = "a wrong value, or an exception")
  @State
  public static class WokenByProduce extends Base {
    @Actor
    public void consumer() throws InterruptedException {
      Delay.upTo(Delay.AROUND_SIGNAL_NANOS);
      int[] from = {-1};
      Val v;
      while ((v = poll(from)) == null) {
        group.await();
      }
      if (v != value || from[0] != target) {
        throw new IllegalStateException("got " + v + " from member " + from[0]);
      }
    }

    @Signal
    public void produce() {
      members[target].produce(value);
    }
  }

  /** A consumer waiting on the group sees the end of the member that was closed. */
  @JCStressTest(Mode.Termination)
  @Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "woken by close, end of stream")
  @Outcome(id = "STALE", expect = FORBIDDEN, desc = "lost wake-up: the group never woke")
  @Outcome(expect = FORBIDDEN, desc = "a value from an empty buffer, or an exception")
  @State
  public static class WokenByClose extends Base {
    @Actor
    public void consumer() throws InterruptedException {
      Delay.upTo(Delay.AROUND_SIGNAL_NANOS);
      int[] from = {-1};
      try {
        while (poll(from) == null) {
          group.await();
        }
        throw new IllegalStateException("a value from member " + from[0] + ", none was produced");
      } catch (EndOfStreamException expected) {
        // the only way out
      }
    }

    @Signal
    public void close() {
      members[target].close();
    }
  }

  /**
   * Exactly once through the group: the writer produces one value into member {@code target} after
   * a random delay of up to 150 µs; the consumer polls both members and waits with {@code
   * await(remaining)} until it has a value or 10 s have passed.
   *
   * <p>Checked in the arbiter: the consumer got exactly that value, from that member, with its
   * contents visible; afterwards neither member has anything ({@code tryRecv} null on both), and
   * the counters say one produced and one delivered, on that member only.
   *
   * <p>Result: (verdict, the member produced into, 1 if the consumer called {@code await} at least
   * once). Verdict 0 is valid; 1 = no value within 10 s (a lost wake-up, or a writer starved for 10
   * s); 2 = a wrong value, from the wrong member, or with invisible contents; 3 = a value received
   * again; 4 = counters wrong; 5 = an exception.
   */
  @JCStressTest
  @Outcome(id = "0, [01], 0", expect = ACCEPTABLE, desc = "received once, without waiting")
  @Outcome(id = "0, [01], 1", expect = ACCEPTABLE_INTERESTING, desc = "received once, after await")
  @Outcome(expect = FORBIDDEN, desc = "violation (see class comment)")
  @State
  public static class ExactlyOnce extends Base {
    static final long TIMEOUT_NANOS = Duration.ofSeconds(10).toNanos();

    int verdict;
    boolean awaited;

    @Actor
    public void writer() {
      Delay.upTo(Delay.AROUND_PARK_NANOS);
      members[target].produce(value);
    }

    @Actor
    public void consumer() {
      long deadline = System.nanoTime() + TIMEOUT_NANOS;
      int[] from = {-1};
      try {
        Val v;
        while ((v = poll(from)) == null) {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            verdict = 1;
            return;
          }
          awaited = true;
          group.await(Duration.ofNanos(left));
        }
        verdict = v != value || !v.intact() || from[0] != target ? 2 : 0;
      } catch (InterruptedException | RuntimeException e) {
        verdict = 5;
      }
    }

    @Arbiter
    public void check(III_Result r) {
      if (verdict == 0) {
        try {
          if (r0.tryRecv() != null || r1.tryRecv() != null) {
            verdict = 3;
          }
        } catch (RuntimeException e) {
          verdict = 5;
        }
      }
      Buffer<Val> hit = members[target];
      Buffer<Val> other = members[1 - target];
      Reader<Val> hitReader = target == 0 ? r0 : r1;
      if (verdict == 0
          && (hit.produced() != 1
              || hit.delivered() != 1
              || hitReader.received() != 1
              || other.produced() != 0
              || other.delivered() != 0)) {
        verdict = 4;
      }
      r.r1 = verdict;
      r.r2 = target;
      r.r3 = awaited ? 1 : 0;
    }
  }
}
