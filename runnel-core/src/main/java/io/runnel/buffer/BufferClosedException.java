package io.runnel.buffer;

/**
 * Thrown by {@link Producer#produce} when the buffer has been closed (the pipeline is stopping or
 * the record's writer has ended). A pipeline task that lets it propagate ends cleanly.
 */
public final class BufferClosedException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  BufferClosedException(String buffer) {
    super("cannot produce into '" + buffer + "': the buffer is closed");
  }
}
