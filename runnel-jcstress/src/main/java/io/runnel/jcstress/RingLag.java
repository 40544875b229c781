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
 * Ring produce vs. read with lag: a ring of capacity 2 whose writer produces 4 values (allocated by
 * the writer itself, so their contents must be published by the ring) while one reader, subscribed
 * before, calls {@code tryRecv} 4 times. (Capacity 1 is covered by {@link SeqlockTornRead}.)
 *
 * <p>Checked (see {@link Trace#exact}): the reader's run is increasing, no value comes twice, every
 * gap between consecutive values equals the {@code LaggedException.missed()} reported in between,
 * the first value after a lag is exactly the resume point, a lag never moves the reader past what
 * was produced, and every value's contents are visible. The arbiter then drains the quiescent ring,
 * where the outcome is fully determined: if the reader is more than 2 behind, one lag of the exact
 * size to the oldest value held, then the rest in order, then nothing. The reader's {@code
 * received()}/{@code missed()} and the buffer's {@code delivered()}/{@code lagged()}/{@code
 * produced()} must match.
 *
 * <p>Result: (verdict, values received by the reader actor, lags seen by the reader actor). Verdict
 * 0 is valid, anything else is a {@link Trace} violation code.
 */
@JCStressTest
@Outcome(id = "0, \\d+, 0", expect = ACCEPTABLE, desc = "valid run, no lag")
@Outcome(id = "0, \\d+, [1-9]\\d*", expect = ACCEPTABLE_INTERESTING, desc = "valid run with lag")
@Outcome(expect = FORBIDDEN, desc = "violation (Trace code)")
@State
public class RingLag {

  static final int N = 4;
  static final int CAPACITY = 2;

  final Buffer<Val> buffer = BufferSpec.ring(CAPACITY).create("ring2");
  final Trace trace = Trace.exact(buffer.subscribe(), N);

  @Actor
  public void writer() {
    for (int i = 0; i < N; i++) {
      buffer.produce(new Val(i));
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
    trace.drainQuiescentRing(CAPACITY);
    if (trace.ok()
        && (buffer.delivered() != trace.received
            || buffer.lagged() != trace.missed
            || buffer.produced() != N)) {
      trace.fail(Trace.BAD_COUNTERS);
    }
    r.r1 = trace.verdict;
  }
}
