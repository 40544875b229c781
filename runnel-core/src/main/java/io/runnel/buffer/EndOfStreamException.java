package io.runnel.buffer;

/**
 * Thrown by a receive when the buffer is closed and the reader has received everything that was
 * still held for it (or when the reader itself was closed). It marks a normal end, not a failure: a
 * pipeline task that lets it propagate ends cleanly.
 */
public final class EndOfStreamException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception for {@code source}, e.g. a buffer name or "all inputs of join 'x'". */
  public EndOfStreamException(String source) {
    super("end of stream: '" + source + "' is closed and drained", null, false, false);
  }
}
