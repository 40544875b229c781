package io.runnel.jcstress;

import io.runnel.buffer.EndOfStreamException;
import io.runnel.buffer.LaggedException;
import io.runnel.buffer.Reader;

/**
 * Replays what one reader observes, call by call, against the known production order {@code 0, 1,
 * 2, ...} (the values carry their sequence numbers, see {@link Val}) and records the first
 * violation as a verdict code. Not a test; used by the tests of this package. Used by one thread at
 * a time (the reader actor, then the arbiter).
 *
 * <p>Two ways of checking values:
 *
 * <ul>
 *   <li>{@link #exact} (ring): the reader has a position {@code pos}, starting at its subscription
 *       point. A value must be exactly sequence {@code pos} (then {@code pos} advances by one); a
 *       {@link LaggedException} with {@code missed() = m >= 1} advances {@code pos} by {@code m}.
 *       So the observed run is increasing, no value comes twice, the gap between two consecutive
 *       values equals the lag reported in between, and the first value after a lag is exactly the
 *       reported resume point.
 *   <li>{@link #increasing} (latest, mailbox): every value is newer than the previous one; a lag is
 *       a violation.
 * </ul>
 *
 * End of stream is a violation unless {@link #allowEnd} was given; then it is valid only once the
 * newest produced value was received, and after it every receive must end again.
 */
final class Trace {

  // Verdict codes (reported as the first result field by the tests; 0 = valid).
  static final int OK = 0;

  /** A value other than the one the reader must be at (wrong, repeated, older, or torn read). */
  static final int WRONG_VALUE = 1;

  /** A lag count below 1, or a lag on a buffer that never lags. */
  static final int BAD_LAG = 2;

  /** A lag moved the reader past the values that were ever produced. */
  static final int BEYOND_PRODUCED = 3;

  /** End of stream before the newest value was received, or when the buffer is not closed. */
  static final int EARLY_END = 4;

  /** Once ended, a receive did something other than end again. */
  static final int AFTER_END = 5;

  /** Any other exception. */
  static final int UNEXPECTED_EXCEPTION = 6;

  /** The arbiter's drain of a quiescent (writer finished) buffer did not give exactly the rest. */
  static final int BAD_DRAIN = 7;

  /** The reader's or buffer's counters disagree with what was observed. */
  static final int BAD_COUNTERS = 8;

  /** A value's fields (written before produce) were not visible: unsafe publication. */
  static final int UNPUBLISHED = 9;

  final Reader<Val> reader;
  private final boolean exact;
  private final int produced;
  private boolean endAllowed;

  /** Ring: sequence of the next value this reader must get. Others: last value received + 1. */
  long pos;

  int received;
  long missed;
  int lags;
  int nulls;
  int last = -1;
  boolean ended;
  int verdict = OK;

  private Trace(Reader<Val> reader, boolean exact, int produced) {
    this.reader = reader;
    this.exact = exact;
    this.produced = produced;
  }

  /** Ring reader subscribed before anything was produced; {@code produced} values will be. */
  static Trace exact(Reader<Val> reader, int produced) {
    return new Trace(reader, true, produced);
  }

  /** Latest or mailbox reader; {@code produced} values will be produced. */
  static Trace increasing(Reader<Val> reader, int produced) {
    return new Trace(reader, false, produced);
  }

  /** The buffer gets closed after the last value; end of stream is valid once it was received. */
  Trace allowEnd() {
    endAllowed = true;
    return this;
  }

  boolean ok() {
    return verdict == OK;
  }

  void fail(int code) {
    if (verdict == OK) {
      verdict = code;
    }
  }

  /** One {@code tryRecv}, checked. Returns the value received or null. */
  Val step() {
    Val v;
    try {
      v = reader.tryRecv();
    } catch (LaggedException e) {
      if (ended) {
        fail(AFTER_END);
        return null;
      }
      long m = e.missed();
      if (!exact || m < 1) {
        fail(BAD_LAG);
        return null;
      }
      pos += m;
      missed += m;
      lags++;
      if (pos > produced) {
        fail(BEYOND_PRODUCED);
      }
      return null;
    } catch (EndOfStreamException e) {
      if (!endAllowed || (!ended && last != produced - 1)) {
        fail(EARLY_END);
      }
      ended = true;
      return null;
    } catch (RuntimeException e) {
      fail(UNEXPECTED_EXCEPTION);
      return null;
    }
    if (ended) {
      fail(AFTER_END); // a value or null after end of stream: every receive must end again
      return v;
    }
    if (v == null) {
      nulls++;
      return null;
    }
    if (!v.intact()) {
      fail(UNPUBLISHED);
    } else if (exact ? v.seq != pos : v.seq <= last) {
      fail(WRONG_VALUE);
    }
    pos = v.seq + 1L;
    last = v.seq;
    received++;
    return v;
  }

  /** {@code n} steps (fewer if a violation was found). */
  void steps(int n) {
    for (int i = 0; i < n && ok(); i++) {
      step();
    }
  }

  /**
   * Arbiter, ring: the writer has finished, so the drain is fully determined: if the reader is more
   * than {@code capacity} behind, exactly one lag of the precise size moving it to the oldest value
   * held ({@code produced - capacity}), then every remaining value in order, then nothing.
   */
  void drainQuiescentRing(int capacity) {
    if (!ok()) {
      return;
    }
    long oldest = Math.max(0, produced - capacity);
    if (pos < oldest) {
      int lagsBefore = lags;
      step();
      if (lags != lagsBefore + 1 || pos != oldest) {
        fail(BAD_DRAIN);
      }
    }
    while (ok() && pos < produced) {
      long before = pos;
      if (step() == null || pos != before + 1) {
        fail(BAD_DRAIN);
      }
    }
    if (ok() && step() != null) {
      fail(BAD_DRAIN);
    }
    checkCounters();
  }

  /**
   * Arbiter, closed buffer: receives until end of stream (bounded); all checks of {@link #step()}
   * apply, and the end must come.
   */
  void drainUntilEnd() {
    for (int i = 0; i < produced + 4 && ok() && !ended; i++) {
      step();
    }
    if (ok() && !ended) {
      fail(BAD_DRAIN);
    }
    if (ok()) {
      step(); // must end again
    }
    checkCounters();
  }

  /** The reader's own counters match what it was seen to receive and miss. */
  void checkCounters() {
    if (ok() && (reader.received() != received || reader.missed() != missed)) {
      fail(BAD_COUNTERS);
    }
  }
}
