package io.runnel.buffer;

/**
 * Writes values of one record into its buffer.
 *
 * <p>{@code produce} never blocks on readers. It is not thread-safe: calls must not overlap. A
 * pipeline task gets a producer it alone uses; producers handed to outside code by the runtime are
 * serialised internally.
 *
 * @param <T> the record's type
 */
@FunctionalInterface
public interface Producer<T> {
  /**
   * Publishes {@code value} to every reader.
   *
   * @throws NullPointerException if {@code value} is null (null is never a value)
   * @throws BufferClosedException if the buffer is closed
   */
  void produce(T value);
}
