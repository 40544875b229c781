package io.runnel.store;

/**
 * An append was refused because the hand-off queue was full (policy {@link OverflowPolicy#fail()},
 * or {@link OverflowPolicy#waitUpTo} timed out). The value was not stored; the store's counters
 * record it.
 */
public final class StoreFullException extends StoreException {
  private static final long serialVersionUID = 1L;

  public StoreFullException(String message) {
    super(message);
  }
}
