package io.runnel.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.runnel.buffer.Buffer;
import io.runnel.buffer.BufferSpec;
import io.runnel.buffer.Reader;
import java.time.Duration;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Mode;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.Signal;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIIII_Result;

/**
 * Blocking receive vs. produce: a reader waiting in {@code recv} must be woken by a produce (the
 * wake-up protocol of {@code AbstractBuffer}: the reader arms its signal, announces the park with a
 * full fence and re-checks; the producer publishes with a full fence and then reads the park
 * count), for each buffer kind.
 *
 * <ul>
 *   <li>{@link Ring}, {@link Latest}, {@link Mailbox} ({@code Mode.Termination}): the actor blocks
 *       in {@code recv()} (no timeout) on an empty buffer; the signal produces one value. The actor
 *       must return that value. It starts waiting after a random delay aimed at the signal ({@link
 *       Delay.AtSignal}), so the produce lands before its first poll, while it spins or yields,
 *       around the arming of its signal, or while it is parked. <b>STALE</b> means the reader was
 *       never woken: a lost wake-up (the producer read a park count of 0 although the reader's
 *       re-check had missed the value, or the signal was consumed or never registered).
 *       <b>ERROR</b> means {@code recv} returned a different value or threw.
 *   <li>{@link ExactlyOnce} (arbiter): one value each into a ring, a single latest, a mailbox and a
 *       reader group, received with timed waits; see there.
 * </ul>
 */
public class RecvVsProduce {

  abstract static class Wake {
    final Val value = new Val(0);
    final Buffer<Val> buffer;
    final Reader<Val> reader;
    final Delay.AtSignal timing = new Delay.AtSignal();

    Wake(BufferSpec spec) {
      buffer = spec.create("wake");
      reader = buffer.subscribe();
    }

    void receive() throws InterruptedException {
      timing.actorStarts();
      Val v = reader.recv();
      if (v != value || !v.intact()) {
        throw new IllegalStateException("received " + v + " instead of " + value);
      }
    }
  }

  /** Ring of capacity 2: a reader blocked in {@code recv()} is woken by the produce. */
  @JCStressTest(Mode.Termination)
  @Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "woken by the produce, got the value")
  @Outcome(id = "STALE", expect = FORBIDDEN, desc = "lost wake-up: recv() never returned")
  @Outcome(expect = FORBIDDEN, desc = "recv() returned a wrong value or threw")
  @State
  public static class Ring extends Wake {
    public Ring() {
      super(BufferSpec.ring(2));
    }

    @Actor
    public void reader() throws InterruptedException {
      receive();
    }

    @Signal
    public void produce() {
      timing.signalled();
      buffer.produce(value);
    }
  }

  /** Single latest: a reader blocked in {@code recv()} is woken by the produce. */
  @JCStressTest(Mode.Termination)
  @Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "woken by the produce, got the value")
  @Outcome(id = "STALE", expect = FORBIDDEN, desc = "lost wake-up: recv() never returned")
  @Outcome(expect = FORBIDDEN, desc = "recv() returned a wrong value or threw")
  @State
  public static class Latest extends Wake {
    public Latest() {
      super(BufferSpec.latest());
    }

    @Actor
    public void reader() throws InterruptedException {
      receive();
    }

    @Signal
    public void produce() {
      timing.signalled();
      buffer.produce(value);
    }
  }

  /** Mailbox: a reader blocked in {@code recv()} is woken by the produce and takes the value. */
  @JCStressTest(Mode.Termination)
  @Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "woken by the produce, took the value")
  @Outcome(id = "STALE", expect = FORBIDDEN, desc = "lost wake-up: recv() never returned")
  @Outcome(expect = FORBIDDEN, desc = "recv() returned a wrong value or threw")
  @State
  public static class Mailbox extends Wake {
    public Mailbox() {
      super(BufferSpec.mailbox());
    }

    @Actor
    public void reader() throws InterruptedException {
      receive();
    }

    @Signal
    public void produce() {
      timing.signalled();
      buffer.produce(value);
    }
  }

  /**
   * Exactly once, no lost wake-up, for the three kinds and a join, in a row: the writer produces
   * one value into a ring (capacity 2), then one into a single latest, then one into a mailbox,
   * then one into a random member of a {@link Join} (a {@code ReaderGroup} over a ring and a
   * latest), each after a random delay of up to 150 µs, so that the produce lands before the
   * reader's first poll, while it spins or yields, between arming and re-check, or while it is
   * parked. The reader, subscribed to each before, calls {@code recv(10 s)} on the three buffers in
   * the same order, then polls the join and waits with {@code await(remaining)} until it has a
   * value or 10 s have passed. The timed waits are the deadline-bounded park ({@code parkNanos});
   * the untimed ones are covered by the termination tests, where a lost wake-up shows as STALE
   * instead of hanging the run.
   *
   * <p>Checked in the arbiter, per step: the reader got exactly the produced value (from the right
   * member, for the join) with its contents visible; a further {@code tryRecv} returns {@code null}
   * (not delivered twice; for the join on both members); the reader's {@code received()} and the
   * buffer's {@code produced()}, {@code delivered()} are 1 and {@code lagged()}, {@code dropped()}
   * 0 (for the join: on the member produced into; the other one has 0 produced).
   *
   * <p>Result: (verdict of the ring, the latest, the mailbox, the join; how many of the four waited
   * at least 10 µs). Verdict 0 is valid; 1 = no value within 10 s (a lost wake-up: the reader slept
   * until its deadline although the value was there, or the writer was starved for 10 s); 2 = a
   * wrong value, from the wrong member, or with invisible contents; 3 = the value was received
   * again; 4 = counters wrong; 5 = an exception.
   */
  @JCStressTest
  @Outcome(id = "0, 0, 0, 0, 0", expect = ACCEPTABLE, desc = "all received once, none waited")
  @Outcome(
      id = "0, 0, 0, 0, [1-4]",
      expect = ACCEPTABLE_INTERESTING,
      desc = "all received once, some waited (spun, yielded or parked)")
  @Outcome(expect = FORBIDDEN, desc = "violation (see class comment)")
  @State
  public static class ExactlyOnce {
    static final Duration TIMEOUT = Duration.ofSeconds(10);
    static final long WAITED_NANOS = 10_000;
    static final int KINDS = 3;

    static final int OK = 0;
    static final int NOTHING = 1;
    static final int WRONG = 2;
    static final int TWICE = 3;
    static final int COUNTERS = 4;
    static final int THREW = 5;

    final Val[] values = Val.upTo(KINDS + 1);
    final Buffer<Val>[] buffers = buffers();
    final Reader<Val>[] readers = readers(buffers);
    final Join join = new Join();
    final int[] verdicts = new int[KINDS + 1];
    int waited;

    @SuppressWarnings("unchecked")
    private static Buffer<Val>[] buffers() {
      return new Buffer[] {
        BufferSpec.ring(2).create("ring"),
        BufferSpec.latest().create("latest"),
        BufferSpec.mailbox().create("mailbox")
      };
    }

    @SuppressWarnings("unchecked")
    private static Reader<Val>[] readers(Buffer<Val>[] bs) {
      Reader<Val>[] rs = new Reader[bs.length];
      for (int i = 0; i < bs.length; i++) {
        rs[i] = bs[i].subscribe();
      }
      return rs;
    }

    @Actor
    public void writer() {
      for (int i = 0; i < KINDS; i++) {
        Delay.upTo(Delay.AROUND_PARK_NANOS);
        buffers[i].produce(values[i]);
      }
      Delay.upTo(Delay.AROUND_PARK_NANOS);
      join.target().produce(values[KINDS]);
    }

    @Actor
    public void reader() {
      for (int i = 0; i < KINDS; i++) {
        long t0 = System.nanoTime();
        try {
          verdicts[i] = judge(readers[i].recv(TIMEOUT), values[i]);
        } catch (InterruptedException | RuntimeException e) {
          verdicts[i] = THREW;
        }
        countWait(t0);
      }
      long t0 = System.nanoTime();
      long deadline = t0 + TIMEOUT.toNanos();
      try {
        Val v;
        while ((v = join.poll()) == null) {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            break;
          }
          join.group.await(Duration.ofNanos(left));
        }
        verdicts[KINDS] =
            join.from != -1 && join.from != join.target ? WRONG : judge(v, values[KINDS]);
      } catch (InterruptedException | RuntimeException e) {
        verdicts[KINDS] = THREW;
      }
      countWait(t0);
    }

    private static int judge(Val v, Val expected) {
      return v == null ? NOTHING : v != expected || !v.intact() ? WRONG : OK;
    }

    private void countWait(long t0) {
      if (System.nanoTime() - t0 >= WAITED_NANOS) {
        waited++;
      }
    }

    @Arbiter
    public void check(IIIII_Result r) {
      for (int i = 0; i < KINDS; i++) {
        if (verdicts[i] == OK) {
          verdicts[i] = afterwards(buffers[i], readers[i]);
        }
      }
      if (verdicts[KINDS] == OK) {
        Reader<Val> hit = join.target == 0 ? join.r0 : join.r1;
        verdicts[KINDS] = afterwards(join.target(), hit);
        if (verdicts[KINDS] == OK) {
          try {
            if (join.poll() != null) {
              verdicts[KINDS] = TWICE;
            } else if (join.members[1 - join.target].produced() != 0) {
              verdicts[KINDS] = COUNTERS;
            }
          } catch (RuntimeException e) {
            verdicts[KINDS] = THREW;
          }
        }
      }
      r.r1 = verdicts[0];
      r.r2 = verdicts[1];
      r.r3 = verdicts[2];
      r.r4 = verdicts[3];
      r.r5 = waited;
    }

    /** After one value was received: nothing more, and the counters say one produced, one got. */
    private static int afterwards(Buffer<Val> b, Reader<Val> reader) {
      try {
        if (reader.tryRecv() != null) {
          return TWICE;
        }
      } catch (RuntimeException e) {
        return THREW;
      }
      boolean counted =
          reader.received() == 1
              && reader.missed() == 0
              && b.produced() == 1
              && b.delivered() == 1
              && b.lagged() == 0
              && b.dropped() == 0;
      return counted ? OK : COUNTERS;
    }
  }
}
