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
 * Seqlock torn read: a ring of capacity 1, so every produce overwrites the one slot the reader is
 * reading. The writer produces 8 preallocated values back to back (as fast as possible) while the
 * reader calls {@code tryRecv} 8 times.
 *
 * <p>Checked: the reader never returns a value for a sequence other than the one it must be at
 * given the lags reported so far (see {@link Trace#exact}); a value read while the writer replaced
 * it (which the stamp re-check of {@code SlotRing.read} must discard) shows up as a wrong sequence.
 * The arbiter drains the quiescent ring exactly and checks the counters.
 *
 * <p>Result: (verdict, values received by the reader actor, lags seen by the reader actor). Verdict
 * 0 is valid, anything else is a {@link Trace} violation code.
 */
@JCStressTest
@Outcome(id = "0, \\d+, 0", expect = ACCEPTABLE, desc = "valid run, no lag")
@Outcome(id = "0, \\d+, [1-9]\\d*", expect = ACCEPTABLE_INTERESTING, desc = "valid run with lag")
@Outcome(expect = FORBIDDEN, desc = "violation (Trace code)")
@State
public class SeqlockTornRead {

  static final int N = 8;

  final Val[] values = Val.upTo(N);
  final Buffer<Val> buffer = BufferSpec.ring(1).create("ring1");
  final Trace trace = Trace.exact(buffer.subscribe(), N);

  @Actor
  public void writer() {
    Buffer<Val> b = buffer;
    Val[] vs = values;
    for (int i = 0; i < N; i++) {
      b.produce(vs[i]);
    }
  }

  @Actor
  public void reader(III_Result r) {
    trace.steps(N);
    r.r2 = trace.received;
    r.r3 = trace.lags;
  }

  @Arbiter
  public void check(III_Result r) {
    trace.drainQuiescentRing(1);
    r.r1 = trace.verdict;
  }
}
