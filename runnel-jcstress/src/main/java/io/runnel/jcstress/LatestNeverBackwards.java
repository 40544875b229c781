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
 * Single latest: the writer produces 8 preallocated values (twice around the 4-slot ring behind
 * {@code SingleLatest}) while one reader, subscribed before, calls {@code tryRecv} 4 times.
 *
 * <p>Checked: the reader never goes backwards and never gets a value twice (each value is newer
 * than the previous one, see {@link Trace#increasing}), never lags, and every value's contents are
 * visible. In the arbiter (writer finished) a final {@code tryRecv} yields exactly the newest
 * value, or {@code null} if the reader already had it, and the one after that {@code null}; {@code
 * lastValue()}, {@code produced()} and the reader's {@code received()} must agree.
 *
 * <p>Result: (verdict, values received by the reader actor, 1 if the reader skipped values between
 * two it received, else 0). Verdict 0 is valid, anything else is a {@link Trace} violation code.
 */
@JCStressTest
@Outcome(id = "0, \\d+, 0", expect = ACCEPTABLE, desc = "valid, no value skipped")
@Outcome(id = "0, \\d+, 1", expect = ACCEPTABLE_INTERESTING, desc = "valid, skipped to newer")
@Outcome(expect = FORBIDDEN, desc = "violation (Trace code)")
@State
public class LatestNeverBackwards {

  static final int N = 8;

  final Val[] values = Val.upTo(N);
  final Buffer<Val> buffer = BufferSpec.latest().create("latest");
  final Trace trace = Trace.increasing(buffer.subscribe(), N);
  boolean skipped;

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
    for (int i = 0; i < 4 && trace.ok(); i++) {
      int before = trace.last;
      Val v = trace.step();
      if (v != null && before >= 0 && v.seq > before + 1) {
        skipped = true;
      }
    }
    r.r2 = trace.received;
    r.r3 = skipped ? 1 : 0;
  }

  @Arbiter
  public void check(III_Result r) {
    if (trace.ok()) {
      boolean hadNewest = trace.last == N - 1;
      Val v = trace.step();
      if (trace.ok() && (hadNewest ? v != null : v == null || v.seq != N - 1)) {
        trace.fail(Trace.BAD_DRAIN);
      }
      if (trace.ok() && trace.step() != null) {
        trace.fail(Trace.BAD_DRAIN);
      }
      trace.checkCounters();
      if (trace.ok() && (buffer.lastValue() != values[N - 1] || buffer.produced() != N)) {
        trace.fail(Trace.BAD_COUNTERS);
      }
    }
    r.r1 = trace.verdict;
  }
}
