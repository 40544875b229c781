package io.runnel.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.runnel.buffer.Buffer;
import io.runnel.buffer.BufferSpec;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * Close vs. read, for each buffer kind: the writer produces values 0 and 1 and then closes the
 * buffer, while one reader (subscribed before) calls {@code tryRecv} up to 3 times, stopping at end
 * of stream; the arbiter keeps receiving until end of stream.
 *
 * <p>The contract: values produced before {@code close()} are delivered to a reader before its end
 * of stream (as far as the kind still holds them). A reader that observes the closed flag also sees
 * everything produced before {@code close()} (the flag is volatile and written after the values),
 * so {@code tryRecv} re-polls after seeing it. Checked: end of stream never comes before the newest
 * value (1) was received; nothing but end of stream comes after it; the values themselves follow
 * the kind's rules ({@link Trace#exact} for the ring, {@link Trace#increasing} otherwise), and the
 * end does come. For the ring (capacity 2 holds both values) both values must arrive and there is
 * no lag; for the mailbox value 0 may have been dropped.
 *
 * <p>Result: (verdict, values received by the reader actor, 1 if the reader actor itself reached
 * end of stream). Verdict 0 is valid, anything else is a {@link Trace} violation code.
 */
public class CloseVsRead {

  abstract static class Base {
    final Val[] values = Val.upTo(2);
    final Buffer<Val> buffer;
    final Trace trace;

    Base(BufferSpec spec) {
      buffer = spec.create("closing");
      trace =
          spec.kind() == BufferSpec.Kind.RING
              ? Trace.exact(buffer.subscribe(), 2).allowEnd()
              : Trace.increasing(buffer.subscribe(), 2).allowEnd();
    }

    void write() {
      buffer.produce(values[0]);
      buffer.produce(values[1]);
      buffer.close();
    }

    void read(III_Result r) {
      for (int i = 0; i < 3 && trace.ok() && !trace.ended; i++) {
        trace.step();
      }
      r.r2 = trace.received;
      r.r3 = trace.ended ? 1 : 0;
    }

    void arbiter(III_Result r) {
      trace.drainUntilEnd();
      r.r1 = trace.verdict;
    }
  }

  /** Ring of capacity 2: both values are held, so both must be received, in order, no lag. */
  @JCStressTest
  @Outcome(id = "0, \\d+, 0", expect = ACCEPTABLE, desc = "valid, end seen by the arbiter")
  @Outcome(id = "0, \\d+, 1", expect = ACCEPTABLE_INTERESTING, desc = "valid, reader reached end")
  @Outcome(expect = FORBIDDEN, desc = "violation (Trace code)")
  @State
  public static class Ring extends Base {
    public Ring() {
      super(BufferSpec.ring(2));
    }

    @Actor
    public void writer() {
      write();
    }

    @Actor
    public void reader(III_Result r) {
      read(r);
    }

    @Arbiter
    public void check(III_Result r) {
      arbiter(r);
      if (trace.ok() && (trace.lags != 0 || trace.received != 2)) {
        r.r1 = Trace.BAD_DRAIN;
      }
    }
  }

  /** Single latest: the newest value must be received before the end. */
  @JCStressTest
  @Outcome(id = "0, \\d+, 0", expect = ACCEPTABLE, desc = "valid, end seen by the arbiter")
  @Outcome(id = "0, \\d+, 1", expect = ACCEPTABLE_INTERESTING, desc = "valid, reader reached end")
  @Outcome(expect = FORBIDDEN, desc = "violation (Trace code)")
  @State
  public static class Latest extends Base {
    public Latest() {
      super(BufferSpec.latest());
    }

    @Actor
    public void writer() {
      write();
    }

    @Actor
    public void reader(III_Result r) {
      read(r);
    }

    @Arbiter
    public void check(III_Result r) {
      arbiter(r);
    }
  }

  /** Mailbox: value 1 must be taken before the end; value 0 was taken or dropped. */
  @JCStressTest
  @Outcome(id = "0, \\d+, 0", expect = ACCEPTABLE, desc = "valid, end seen by the arbiter")
  @Outcome(id = "0, \\d+, 1", expect = ACCEPTABLE_INTERESTING, desc = "valid, reader reached end")
  @Outcome(expect = FORBIDDEN, desc = "violation (Trace code)")
  @State
  public static class Mailbox extends Base {
    public Mailbox() {
      super(BufferSpec.mailbox());
    }

    @Actor
    public void writer() {
      write();
    }

    @Actor
    public void reader(III_Result r) {
      read(r);
    }

    @Arbiter
    public void check(III_Result r) {
      arbiter(r);
      if (trace.ok() && trace.received + buffer.dropped() != 2) {
        r.r1 = Trace.BAD_COUNTERS;
      }
    }
  }
}
