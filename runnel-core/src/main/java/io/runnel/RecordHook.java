package io.runnel;

import java.util.Map;

/**
 * An extension attached to one record by a module outside the core, such as history ({@code
 * runnel-store}): it sees every value the record's writer produces, and may restore a value into
 * the record's buffer before the pipeline starts. Attach it with {@link Registration#hook}.
 *
 * <p>A hook runs on the producer's thread, which may be a 1 kHz control loop on a dedicated lane:
 * {@link #produced} must be cheap and must never block without bound (hand the value off, as the
 * history store does).
 *
 * @param <T> the record's type (or a supertype)
 */
public interface RecordHook<T> {

  /** A short name for introspection and log lines, e.g. {@code persist}. */
  String name();

  /**
   * Called once by {@code build()} with the record this hook is attached to. A hook instance
   * belongs to one record: throw {@link IllegalStateException} if it is attached twice (the build
   * then reports it).
   */
  default void attach(RecordKey key, Class<?> type) {}

  /**
   * Called by {@link Runnel#start()} before any task starts: a value to put in the record's buffer
   * first (for example its last value restored from history), or {@code null}. The value is not
   * passed to {@link #produced}. A failure is logged as a warning and the record starts empty.
   */
  default T restore() throws Exception {
    return null;
  }

  /**
   * Called on the producer's thread for every value, just before it is put in the buffer. If this
   * throws, the value is not produced and the exception reaches the producer (a failing source is
   * restarted by its restart policy).
   */
  void produced(T value);

  /** Called once after the pipeline has closed (every task stopped, every buffer closed). */
  default void close() {}

  /** Counters for introspection (shown per record as {@code <name>.<counter>}). */
  default Map<String, Long> counters() {
    return Map.of();
  }
}
