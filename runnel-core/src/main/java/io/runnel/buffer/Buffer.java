package io.runnel.buffer;

/**
 * Holds the values of one record between its producer and its readers. Create with {@link
 * BufferSpec#create(String)}; the package documentation states the contract of each kind.
 *
 * @param <T> the record's type
 */
public interface Buffer<T> extends Producer<T> {

  /** The specification this buffer was created from. */
  BufferSpec spec();

  /** A name for messages, usually the record key. */
  String name();

  /** Adds a reader; see the package documentation for what a new reader first sees. */
  Reader<T> subscribe();

  /**
   * Closes the buffer: later produces fail, and every reader, after draining what is still held for
   * it, gets end of stream. Wakes every waiting reader. Idempotent.
   */
  void close();

  boolean isClosed();

  /** The newest value produced, or {@code null} if none yet. */
  T lastValue();

  /** Values produced so far. */
  long produced();

  /** Values received by all readers so far, including readers since closed. */
  long delivered();

  /** Values missed by lagging readers so far, including readers since closed. */
  long lagged();

  /**
   * How far behind the furthest-behind current reader is, now, whether or not it is reading: for a
   * ring, values produced that it has neither received nor been told it missed (beyond the
   * capacity, the excess is what it will be told it missed when it next reads); for single latest,
   * updates since it last received (which it skips by design); for a mailbox, 1 if a value is
   * pending. Read from the readers' published counters; 0 without readers.
   */
  long maxBacklog();

  /** Values lost without any reader receiving them (a mailbox value overwritten before taken). */
  long dropped();

  /** Readers currently subscribed. */
  int readerCount();
}
