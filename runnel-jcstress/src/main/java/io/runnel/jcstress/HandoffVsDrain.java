package io.runnel.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.runnel.store.OverflowPolicy;
import io.runnel.store.wal.HandoffQueue;
import io.runnel.store.wal.HandoffQueue.Pending;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIIII_Result;
import org.openjdk.jcstress.infra.results.IIII_Result;
import org.openjdk.jcstress.infra.results.III_Result;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * The history store's lock-free hand-off ({@code io.runnel.store.wal.HandoffQueue}, a white-box
 * test of the store's internals): producers claim positions with a CAS and publish each entry with
 * a release store of its slot; the writer takes batches by a CAS on the head; a drop-oldest
 * producer on a full queue compacts the oldest slots while holding a flag in the head.
 *
 * <p>Each value is a {@link Val} (created on the offering thread, so a reader that sees its
 * contents unset got an entry before it was published) in a {@code Pending} of its own key, so that
 * {@code droppedFor(key)} tells whether that very value was dropped. The checks, in the arbiter or
 * on the draining thread:
 *
 * <ul>
 *   <li>every value is either consumed (taken by a drain) or counted dropped: status 1 consumed, 2
 *       dropped; 0 (lost) and 3 (both) are forbidden, as is a value consumed twice (status 4);
 *   <li>the entries come out in strictly increasing sequence order, each with the sequence its
 *       {@code offer} returned, and a value dropped on arrival got {@link HandoffQueue#DROPPED};
 *   <li>no entry is torn: its {@code Val} and its sequence are visible to the thread that took it.
 * </ul>
 *
 * <p>A violation of the order or visibility checks sets the first result field to 9. All tests have
 * two actors (see the package comment), so the "writer" is an actor calling {@code drain(out, 0)}
 * once, and the arbiter drains what is left.
 */
public class HandoffVsDrain {

  private static final OverflowPolicy DROP = OverflowPolicy.dropOldest();
  private static final OverflowPolicy WAIT = OverflowPolicy.waitUpTo(Duration.ofSeconds(10));

  /** A queue, the values offered so far, and what the drains took. */
  abstract static class Harness {
    final HandoffQueue queue;
    final List<Pending> offered = new ArrayList<>();
    final long[] returned = new long[8];
    final Pending[] first = new Pending[8];
    int firstCount;
    boolean firstTorn;

    Harness(int capacity) {
      queue = new HandoffQueue(capacity, 0);
    }

    /** A fresh entry for value number {@code i}, key {@code "k<i>"}. */
    static Pending entry(int i) {
      return new Pending("k" + i, i, new Val(i), null);
    }

    /** Offers and records what the offer returned (for value {@code i}). */
    void offer(int i, Pending p, OverflowPolicy policy) {
      returned[i] = queue.offer(p, policy);
    }

    /** The writer's drain, on an actor: takes one batch and checks each entry's visibility. */
    void drainOnce() {
      try {
        firstCount = queue.drain(first, 0);
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
      for (int i = 0; i < firstCount; i++) {
        if (torn(first[i])) {
          firstTorn = true;
        }
      }
    }

    private static boolean torn(Pending p) {
      Val v = (Val) p.value();
      return !v.intact() || p.sequence() < 0;
    }

    /**
     * Drains the rest and computes each value's status (1 consumed, 2 dropped, 0 lost, 3 both, 4
     * consumed twice), or 9 in {@code status[0]} on an order, sequence or visibility violation.
     */
    int[] statuses() {
      List<Pending> taken = new ArrayList<>();
      for (int i = 0; i < firstCount; i++) {
        taken.add(first[i]);
      }
      Pending[] rest = new Pending[8];
      int n;
      try {
        n = queue.drain(rest, 0);
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
      boolean bad = firstTorn;
      for (int i = 0; i < n; i++) {
        taken.add(rest[i]);
        bad |= torn(rest[i]);
      }
      long last = -1;
      for (Pending p : taken) {
        bad |= p.sequence() <= last;
        last = p.sequence();
      }
      int[] status = new int[offered.size()];
      for (int i = 0; i < status.length; i++) {
        Pending p = offered.get(i);
        int consumed = 0;
        for (Pending q : taken) {
          if (q == p) {
            consumed++;
          }
        }
        long dropped = queue.droppedFor(p.key());
        status[i] = consumed > 1 ? 4 : (int) (consumed + 2 * dropped);
        if (consumed == 1 && returned[i] != HandoffQueue.DROPPED) {
          bad |= p.sequence() != returned[i];
        }
        if (returned[i] == HandoffQueue.DROPPED) {
          bad |= consumed != 0;
        }
      }
      if (bad) {
        status[0] = 9;
      }
      return status;
    }
  }

  /**
   * Two producers offer one value each into a queue with room (one under drop-oldest, one under
   * waitUpTo): both are consumed exactly once, with distinct sequences 0 and 1 in consumption
   * order. Result: (status of value 0, of value 1).
   */
  @JCStressTest
  @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "both consumed once, in sequence order")
  @Outcome(expect = FORBIDDEN, desc = "lost, duplicated, dropped, torn or out of order")
  @State
  public static class TwoProducers extends Harness {
    final Pending a = entry(0);
    final Pending b = entry(1);

    public TwoProducers() {
      super(4);
      offered.add(a);
      offered.add(b);
    }

    @Actor
    public void producerA() {
      offer(0, a, DROP);
    }

    @Actor
    public void producerB() {
      offer(1, b, WAIT);
    }

    @Arbiter
    public void check(II_Result r) {
      int[] s = statuses();
      r.r1 = s[0];
      r.r2 = s[1];
    }
  }

  /**
   * A producer offers value 1 while the writer drains (value 0 was queued before): neither is lost
   * or taken twice, and the entry the writer takes is fully visible to it. Result: (status of 0,
   * status of 1, how many the writer's drain took).
   */
  @JCStressTest
  @Outcome(id = "1, 1, 1", expect = ACCEPTABLE, desc = "the writer took 0; 1 was left for later")
  @Outcome(id = "1, 1, 2", expect = ACCEPTABLE, desc = "the writer took both")
  @Outcome(expect = FORBIDDEN, desc = "lost, duplicated, torn or out of order")
  @State
  public static class ProducerVsDrain extends Harness {
    public ProducerVsDrain() {
      super(4);
      Pending a = entry(0);
      offered.add(a);
      offer(0, a, WAIT);
      offered.add(null); // value 1 is created on the producer's thread: its contents race too
    }

    @Actor
    public void producer() {
      Pending b = entry(1);
      offered.set(1, b);
      offer(1, b, WAIT);
    }

    @Actor
    public void writer() {
      drainOnce();
    }

    @Arbiter
    public void check(III_Result r) {
      int[] s = statuses();
      r.r1 = s[0];
      r.r2 = s[1];
      r.r3 = firstCount;
    }
  }

  /**
   * Drop-oldest on a full queue vs drain, with compaction: a full queue of capacity 4 holds 0
   * (waitUpTo, never droppable), 1 (droppable), 2 (waitUpTo) and 3 (droppable); value 4 is offered
   * under drop-oldest while the writer drains. The victim can only be 1 (the oldest droppable: 0
   * moves up into its slot) or the new value; the non-droppable values are never dropped, and the
   * order survives the move. Result: statuses of 0..4.
   */
  @JCStressTest
  @Outcome(id = "1, 1, 1, 1, 1", expect = ACCEPTABLE, desc = "the writer made room first")
  @Outcome(id = "1, 2, 1, 1, 1", expect = ACCEPTABLE, desc = "1 dropped, 0 moved up, in order")
  @Outcome(
      id = "1, 1, 1, 1, 2",
      expect = ACCEPTABLE_INTERESTING,
      desc = "the new value dropped: the writer was taking its batch out")
  @Outcome(expect = FORBIDDEN, desc = "lost, both, the wrong one dropped, torn or out of order")
  @State
  public static class CompactionVsDrain extends Harness {
    final Pending e = entry(4);

    public CompactionVsDrain() {
      super(4);
      for (int i = 0; i < 4; i++) {
        Pending p = entry(i);
        offered.add(p);
        offer(i, p, i % 2 == 0 ? WAIT : DROP);
      }
      offered.add(e);
    }

    @Actor
    public void producer() {
      offer(4, e, DROP);
    }

    @Actor
    public void writer() {
      drainOnce();
    }

    @Arbiter
    public void check(IIIII_Result r) {
      int[] s = statuses();
      r.r1 = s[0];
      r.r2 = s[1];
      r.r3 = s[2];
      r.r4 = s[3];
      r.r5 = s[4];
    }
  }

  /**
   * Two drop-oldest producers on a full queue (0 and 1, droppable, capacity 2), no writer: each
   * compaction drops the oldest (the victim at the head: nothing moves) and appends its value; the
   * two compactions exclude each other. A producer that finds the other compacting for long drops
   * its own value (never waits). Result: statuses of 0..3.
   */
  @JCStressTest
  @Outcome(id = "2, 2, 1, 1", expect = ACCEPTABLE, desc = "both made room: 0 and 1 dropped")
  @Outcome(
      id = {"2, 1, 2, 1", "2, 1, 1, 2"},
      expect = ACCEPTABLE_INTERESTING,
      desc = "one gave up on the other's compaction and dropped its own value")
  @Outcome(expect = FORBIDDEN, desc = "lost, both, the wrong one dropped, torn or out of order")
  @State
  public static class TwoDroppers extends Harness {
    final Pending c = entry(2);
    final Pending d = entry(3);

    public TwoDroppers() {
      super(2);
      for (int i = 0; i < 2; i++) {
        Pending p = entry(i);
        offered.add(p);
        offer(i, p, DROP);
      }
      offered.add(c);
      offered.add(d);
    }

    @Actor
    public void producerC() {
      offer(2, c, DROP);
    }

    @Actor
    public void producerD() {
      offer(3, d, DROP);
    }

    @Arbiter
    public void check(IIII_Result r) {
      int[] s = statuses();
      r.r1 = s[0];
      r.r2 = s[1];
      r.r3 = s[2];
      r.r4 = s[3];
    }
  }
}
