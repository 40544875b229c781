package io.runnel.spi;

import io.runnel.LaneSpec;
import io.runnel.RecordKey;
import io.runnel.Registration;
import io.runnel.Runnel;
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
   * Called once by {@code build()}, after the graph checked out, with the record this hook is
   * attached to and the lane its writer runs on (the default lane for a record written from
   * outside), so that a hook can adapt (e.g. never wait on a dedicated lane). A hook instance
   * belongs to one record: throw {@link IllegalStateException} if it is attached twice (the build
   * then reports it, with every other such problem).
   */
  default void attach(RecordKey key, Class<?> type, LaneSpec writerLane) {}

  /**
   * Called by {@link Runnel#start()} before any task starts: a value to put in the record's buffer
   * first (for example its last value restored from history), or {@code null}. The value is not
   * passed to {@link #produced}. A failure is logged as a warning and the record starts empty.
   */
  default T restore() throws Exception {
    return null;
  }

  /**
   * Called on the producer's thread for every value, just before it is put in the buffer (not for a
   * value produced into a closed record: that fails first).
   *
   * <p>Failure contract: a failure of the hook's own backend (a closed or failed store, a full
   * queue under a dropping policy) must not reach the producer: the hook degrades itself, counts
   * the failure in {@link #counters()}, logs it rate-limited ({@link LogLimiter}) and returns. It
   * throws only where the user explicitly chose a failing policy (e.g. {@code
   * OverflowPolicy.fail()} for history); then the value is not produced and the exception reaches
   * the producer (a failing source is restarted by its restart policy). {@code
   * RecordHookConformanceKit} checks this.
   */
  void produced(T value);

  /**
   * Called once when the pipeline has closed (every buffer closed, every task stopped or, after the
   * shutdown timeout, abandoned). Producers can no longer reach {@link #produced}: every record is
   * closed.
   */
  default void close() {}

  /** Counters for introspection (shown per record as {@code <name>.<counter>}). */
  default Map<String, Long> counters() {
    return Map.of();
  }
}
