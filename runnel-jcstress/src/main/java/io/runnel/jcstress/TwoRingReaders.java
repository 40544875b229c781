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
 * Two independent ring readers receiving concurrently, while the writer produces (ring of capacity
 * 2, 4 preallocated values, both readers subscribed before the first produce).
 *
 * <p>jcstress needs one CPU per actor (a 3-actor test does not run at all on a 2-CPU machine), so
 * this is a 2-actor test: reader A has its own actor; reader B receives on the writer's thread,
 * interleaved with the produces in a fixed pattern (produce 0, B; produce 1, 2, 3, B, B, B). On its
 * own, B's run is therefore fully determined: 0, then a lag of exactly 1 (to the oldest held value,
 * 2), then 2, 3, then nothing. A concurrently receives and lags at arbitrary points.
 *
 * <p>Checked: B's run is exactly that (anything else means A, or the writer, disturbed it); A's run
 * passes all {@link Trace#exact} checks and the exact quiescent drain in the arbiter; the buffer's
 * {@code delivered()}/{@code lagged()} equal the sums over both readers.
 *
 * <p>Result: (verdict of reader A or of the buffer counters, verdict of reader B, lags reader A saw
 * in its actor). Verdicts 0 are valid; anything else is a {@link Trace} violation code, 10 = B's
 * run differs from its determined run.
 */
@JCStressTest
@Outcome(id = "0, 0, 0", expect = ACCEPTABLE, desc = "both runs valid, A did not lag")
@Outcome(id = "0, 0, [1-9]\\d*", expect = ACCEPTABLE_INTERESTING, desc = "both valid, A lagged")
@Outcome(expect = FORBIDDEN, desc = "violation: reader A (or counters) or reader B broken")
@State
public class TwoRingReaders {

  static final int N = 4;
  static final int CAPACITY = 2;
  static final int DISTURBED = 10;

  final Val[] values = Val.upTo(N);
  final Buffer<Val> buffer = BufferSpec.ring(CAPACITY).create("ring2");
  final Trace a = Trace.exact(buffer.subscribe(), N);
  final Trace b = Trace.exact(buffer.subscribe(), N);
  final Val[] bGot = new Val[5];

  @Actor
  public void writerAndReaderB() {
    buffer.produce(values[0]);
    bGot[0] = b.step();
    buffer.produce(values[1]);
    buffer.produce(values[2]);
    buffer.produce(values[3]);
    bGot[1] = b.step(); // lag: 1 is gone (3 overwrote it), resume at 2
    bGot[2] = b.step();
    bGot[3] = b.step();
    bGot[4] = b.step(); // nothing left
  }

  @Actor
  public void readerA(III_Result r) {
    a.steps(N);
    r.r3 = a.lags;
  }

  @Arbiter
  public void check(III_Result r) {
    if (b.ok()
        && (bGot[0] != values[0]
            || bGot[1] != null
            || bGot[2] != values[2]
            || bGot[3] != values[3]
            || bGot[4] != null
            || b.lags != 1
            || b.missed != 1
            || b.nulls != 1)) {
      b.fail(DISTURBED);
    }
    a.drainQuiescentRing(CAPACITY);
    b.drainQuiescentRing(CAPACITY);
    if (a.ok()
        && b.ok()
        && (buffer.delivered() != a.received + b.received
            || buffer.lagged() != a.missed + b.missed)) {
      a.fail(Trace.BAD_COUNTERS);
    }
    r.r1 = a.verdict;
    r.r2 = b.verdict;
  }
}
