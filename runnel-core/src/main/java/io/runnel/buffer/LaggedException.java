package io.runnel.buffer;

/**
 * Thrown to a ring reader that fell more than the ring's capacity behind its producer.
 *
 * <p>The reader has already been moved to the oldest value still held: the next receive continues
 * from there. {@link #missed()} is exactly the number of values this reader will never see; the sum
 * of all reported counts plus the values received equals the values produced since the reader
 * subscribed (up to the values still held).
 */
public final class LaggedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient String buffer;
  private final long missed;

  LaggedException(String buffer, long missed) {
    super(null, null, false, false); // no stack trace, message built only when asked for
    this.buffer = buffer;
    this.missed = missed;
  }

  @Override
  public String getMessage() {
    return "reader of '" + buffer + "' lagged behind and missed " + missed + " value(s)";
  }

  /** The number of values this reader skipped; always at least 1. */
  public long missed() {
    return missed;
  }
}
