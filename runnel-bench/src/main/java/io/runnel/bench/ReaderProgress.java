package io.runnel.bench;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/** Left padding: HotSpot lays out superclass fields first, so this keeps neighbours away. */
abstract class ReaderProgressPadLeft {
  long p00, p01, p02, p03, p04, p05, p06, p07, p08, p09, p10, p11, p12, p13, p14, p15;
}

/** The fields one reader thread writes and the producer reads. */
abstract class ReaderProgressFields extends ReaderProgressPadLeft {
  /** Values accounted for by this reader: received plus missed. Written with release semantics. */
  long position;

  /** Values this reader missed (Runnel ring only). Written before {@link #position}. */
  long missed;

  /** LaggedExceptions this reader got (Runnel ring only). Written before {@link #position}. */
  long lagEvents;

  /** Values that were not the expected one (must stay 0). Written before {@link #position}. */
  long errors;
}

/**
 * A reader's progress, padded to its own cache lines (128 bytes each side, for adjacent-line
 * prefetch). Written only by its reader thread (single writer, so plain increments of locals
 * published with release/opaque stores); read by the producer thread, which first reads {@link
 * #position()} with acquire semantics and then the other fields.
 */
final class ReaderProgress extends ReaderProgressFields {
  long q00, q01, q02, q03, q04, q05, q06, q07, q08, q09, q10, q11, q12, q13, q14, q15;

  private static final VarHandle POSITION;
  private static final VarHandle MISSED;
  private static final VarHandle ERRORS;
  private static final VarHandle LAG_EVENTS;

  static {
    try {
      MethodHandles.Lookup l = MethodHandles.lookup();
      POSITION = l.findVarHandle(ReaderProgressFields.class, "position", long.class);
      MISSED = l.findVarHandle(ReaderProgressFields.class, "missed", long.class);
      ERRORS = l.findVarHandle(ReaderProgressFields.class, "errors", long.class);
      LAG_EVENTS = l.findVarHandle(ReaderProgressFields.class, "lagEvents", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** Reader side: publishes the position reached (a plain store on x86). */
  void setPosition(long value) {
    POSITION.setRelease(this, value);
  }

  /** Reader side; call before the matching {@link #setPosition}. */
  void setMissed(long value) {
    MISSED.setOpaque(this, value);
  }

  /** Reader side; call before the matching {@link #setPosition}. */
  void setLagEvents(long value) {
    LAG_EVENTS.setOpaque(this, value);
  }

  /** Reader side; call before the matching {@link #setPosition}. */
  void setErrors(long value) {
    ERRORS.setOpaque(this, value);
  }

  long position() {
    return (long) POSITION.getAcquire(this);
  }

  long missed() {
    return (long) MISSED.getOpaque(this);
  }

  long lagEvents() {
    return (long) LAG_EVENTS.getOpaque(this);
  }

  long errors() {
    return (long) ERRORS.getOpaque(this);
  }

  /** Values received (position minus missed); exact once the reader is idle. */
  long delivered() {
    long pos = position();
    return pos - missed();
  }
}
