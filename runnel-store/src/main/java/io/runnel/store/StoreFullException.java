package io.runnel.store;

/**
 * An append was refused because the hand-off queue was full (policy {@link OverflowPolicy#fail()},
 * or {@link OverflowPolicy#waitUpTo} timed out), by entries ({@link StoreConfig#queueCapacity()})
 * or by bytes ({@link StoreConfig#queueBytes()}; see {@link #overBytes()}). The value was not
 * stored; the store's counters record it.
 */
public final class StoreFullException extends StoreException {
  private static final long serialVersionUID = 1L;

  private final boolean overBytes;

  /** Refused by the entry bound. */
  public StoreFullException(String message) {
    this(message, false);
  }

  /** Refused by the byte bound if {@code overBytes}, else by the entry bound. */
  public StoreFullException(String message, boolean overBytes) {
    super(message);
    this.overBytes = overBytes;
  }

  /** Whether the byte bound refused the value (rather than the entry bound). */
  public boolean overBytes() {
    return overBytes;
  }
}
