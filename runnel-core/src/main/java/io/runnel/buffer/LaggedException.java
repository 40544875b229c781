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

  private final long missed;

  LaggedException(String buffer, long missed) {
    super(
        "reader of '" + buffer + "' lagged behind and missed " + missed + " value(s)",
        null,
        false,
        false);
    this.missed = missed;
  }

  /** The number of values this reader skipped; always at least 1. */
  public long missed() {
    return missed;
  }
}
