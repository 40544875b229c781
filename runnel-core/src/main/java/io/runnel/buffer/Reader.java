package io.runnel.buffer;

import java.time.Duration;
import java.util.Iterator;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * One consumer's view of a buffer. Create with {@link Buffer#subscribe()}.
 *
 * <p>Receives come in three forms: {@link #recv()} blocks, {@link #recv(Duration)} blocks up to a
 * timeout, {@link #tryRecv()} never blocks. All three:
 *
 * <ul>
 *   <li>return the next value for this reader, never {@code null} for a value;
 *   <li>throw {@link LaggedException} (ring only) when the reader fell behind, after moving it to
 *       the oldest value still held, so the next call continues from there;
 *   <li>throw {@link EndOfStreamException} once the buffer is closed and everything still held for
 *       this reader was received, or once this reader was closed.
 * </ul>
 *
 * <p>Iterating ({@link #iterator()}, {@link #stream()}) blocks for each value, skips over lag (the
 * count stays visible in {@link #missed()}) and ends at end of stream.
 *
 * <p>A reader is used by one thread at a time; {@link #close()} may be called from any thread and
 * wakes a receive blocked on this reader.
 *
 * @param <T> the record's type
 */
public interface Reader<T> extends Iterable<T>, AutoCloseable {

  /** Waits for and returns the next value. */
  T recv() throws InterruptedException;

  /**
   * Waits up to {@code timeout} for the next value.
   *
   * @return the value, or {@code null} if none arrived in time
   */
  T recv(Duration timeout) throws InterruptedException;

  /**
   * Returns the next value if one is available now.
   *
   * @return the value, or {@code null} if none is available
   */
  T tryRecv();

  /** Values this reader received so far. */
  long received();

  /** Values this reader missed by lagging so far (always 0 except on a ring). */
  long missed();

  /** Whether this reader was closed, or reached the end of a closed buffer. */
  boolean isClosed();

  /** Unsubscribes; a receive blocked on this reader wakes with {@link EndOfStreamException}. */
  @Override
  void close();

  /**
   * A blocking iterator that ends at end of stream and skips over lag. If the iterating thread is
   * interrupted, {@code hasNext} restores the interrupt flag and throws {@link
   * java.util.concurrent.CancellationException}.
   */
  @Override
  Iterator<T> iterator();

  /** A sequential stream over {@link #iterator()}. */
  default Stream<T> stream() {
    return StreamSupport.stream(
        Spliterators.spliteratorUnknownSize(iterator(), Spliterator.ORDERED | Spliterator.NONNULL),
        false);
  }
}
