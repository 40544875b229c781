package io.runnel.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.runnel.buffer.Buffer;
import io.runnel.buffer.BufferSpec;
import io.runnel.buffer.Reader;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * Mailbox: two readers race to take values while the writer produces 2 values (0, then 1).
 *
 * <p>jcstress needs one CPU per actor (a 3-actor test does not run at all on a 2-CPU machine), so
 * this is a 2-actor test: reader 1 has its own actor and calls {@code tryRecv} twice; reader 2
 * calls {@code tryRecv} once on the writer's thread, between the two produces. So reader 2 races
 * reader 1 for value 0, and the produce of value 1 races reader 1's takes.
 *
 * <p>Checked in the arbiter (after taking what is left in the slot with one more {@code tryRecv}):
 * no value is taken twice; value 0 is either taken or counted in {@code dropped()}, exactly one of
 * the two; value 1 is taken exactly once (by reader 1 or by the drain), never dropped; a reader
 * never gets 1 before 0; {@code produced() == 2}, {@code delivered()} equals the values taken and
 * taken + dropped == produced; {@code lastValue()} is value 1; no receive throws.
 *
 * <p>Result: (what reader 1 took in its actor: -1 nothing, 0, 1, or 2 for both 0 then 1; what
 * reader 2 took: -1 nothing, 0 or 1; verdict). Verdict 0 is valid; 1 = a value taken twice; 2 =
 * value 0 both taken and dropped, or neither; 3 = value 1 not taken exactly once; 4 = counters
 * wrong; 5 = an exception, a foreign value, or 1 before 0.
 */
@JCStressTest
@Outcome(
    id = "1, 0, 0",
    expect = ACCEPTABLE_INTERESTING,
    desc = "valid, reader 2 took 0, reader 1 took 1")
@Outcome(id = "(-1|0|1|2), (-1|0), 0", expect = ACCEPTABLE, desc = "valid")
@Outcome(expect = FORBIDDEN, desc = "violation (see class comment)")
@State
public class MailboxTakeOnce {

  static final int ERROR = -2;

  final Val[] values = Val.upTo(2);
  final Buffer<Val> buffer = BufferSpec.mailbox().create("mailbox");
  final Reader<Val> reader1 = buffer.subscribe();
  final Reader<Val> reader2 = buffer.subscribe();
  int took1a;
  int took1b;

  @Actor
  public void writerAndReader2(III_Result r) {
    buffer.produce(values[0]);
    r.r2 = take(reader2);
    buffer.produce(values[1]);
  }

  @Actor
  public void reader1() {
    took1a = take(reader1);
    took1b = take(reader1);
  }

  private int take(Reader<Val> reader) {
    try {
      Val v = reader.tryRecv();
      return v == null ? -1 : v == values[v.seq & 1] ? v.seq : ERROR;
    } catch (RuntimeException e) {
      return ERROR;
    }
  }

  @Arbiter
  public void check(III_Result r) {
    int left = take(reader1);
    int[] taken = {took1a, took1b, r.r2, left};
    int taken0 = 0;
    int taken1 = 0;
    for (int t : taken) {
      taken0 += t == 0 ? 1 : 0;
      taken1 += t == 1 ? 1 : 0;
    }
    long dropped = buffer.dropped();
    boolean both = took1a >= 0 && took1b >= 0;
    r.r1 = both ? 2 : Math.max(took1a, took1b);
    if (took1a == ERROR || took1b == ERROR || r.r2 == ERROR || left == ERROR) {
      r.r3 = 5;
    } else if (both && (took1a != 0 || took1b != 1)) {
      r.r3 = 5; // 1 before 0, or the same value twice
    } else if (taken0 > 1 || taken1 > 1) {
      r.r3 = 1;
    } else if (taken0 + dropped != 1) {
      r.r3 = 2;
    } else if (taken1 != 1) {
      r.r3 = 3;
    } else if (buffer.produced() != 2
        || buffer.delivered() != taken0 + taken1
        || taken0 + taken1 + dropped != 2
        || buffer.lastValue() != values[1]) {
      r.r3 = 4;
    } else {
      r.r3 = 0;
    }
  }
}
