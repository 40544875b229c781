package io.runnel.store;

/**
 * The history store cannot do what was asked: it is closed, failed on I/O, or its hand-off queue is
 * full. The message says which and what to do.
 */
public class StoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StoreException(String message) {
    super(message);
  }

  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
