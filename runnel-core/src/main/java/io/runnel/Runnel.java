package io.runnel;

import io.runnel.buffer.Producer;
import io.runnel.buffer.Reader;
import io.runnel.inspect.GraphChange;
import io.runnel.inspect.GraphSnapshot;
import io.runnel.internal.runtime.Pipeline;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A built pipeline: records, their buffers and the tasks that write and read them.
 *
 * <h2>Lifecycle</h2>
 *
 * <p>{@link RunnelBuilder#build()} checks the graph and creates every buffer and every internal
 * reader, so no value can be missed between tasks. {@link #start()} starts every task on its lane.
 * {@link #close()} stops gracefully:
 *
 * <ol>
 *   <li>sources are interrupted (their waits throw {@link InterruptedException}, {@link
 *       RuntimeContext#isStopping()} turns true) and records without a writer are closed;
 *   <li>when a writer ends, its record is closed; readers drain what is still held and then see end
 *       of stream, so transforms, joins and taps finish on their own, in graph order;
 *   <li>tasks still running after the shutdown timeout are interrupted; a task that survives even
 *       that is reported (with its stack) as {@code STUCK} and abandoned.
 * </ol>
 *
 * <p>Tasks that throw are logged with their record key, counted, and restarted according to their
 * {@link RestartPolicy}; they never stop other tasks.
 */
public final class Runnel implements AutoCloseable {

  /** The lifecycle of a pipeline. */
  public enum State {
    BUILT,
    RUNNING,
    STOPPING,
    CLOSED
  }

  /** Creates a builder. */
  public static RunnelBuilder builder() {
    return new RunnelBuilder();
  }

  private final Pipeline pipeline;

  Runnel(Pipeline pipeline) {
    this.pipeline = pipeline;
  }

  /**
   * Starts the connectors, then every task, then the watchdog.
   *
   * @return this
   * @throws IllegalStateException if already started or closed, or if a connector failed to start
   *     (the connectors already started are closed again)
   */
  public Runnel start() {
    pipeline.start(this);
    return this;
  }

  /** The lifecycle state. */
  public State state() {
    return pipeline.state();
  }

  /** Whether {@link #close()} has begun. */
  public boolean isStopping() {
    return pipeline.isStopping();
  }

  /** Warnings found when the graph was built (never errors: those fail the build). */
  public List<GraphProblem> warnings() {
    return pipeline.warnings();
  }

  /**
   * Subscribes a reader from outside the graph (a UI, a test, a connector). It counts as a consumer
   * of the record; close it when done.
   *
   * @throws IllegalArgumentException if the record does not exist or holds another type
   */
  public <T> Reader<T> subscribe(Class<T> type, RecordKey key) {
    return pipeline.subscribe(type, key);
  }

  /**
   * The producer for a record written from outside the graph (see {@link Registration#external()}).
   * Safe to call from several threads: calls are serialised.
   *
   * @throws IllegalArgumentException if the record does not exist, holds another type, or has a
   *     writer in the graph
   */
  public <T> Producer<T> producer(Class<T> type, RecordKey key) {
    return pipeline.producer(type, key);
  }

  /** The pipeline's name (see {@link RunnelBuilder#name}). */
  public String name() {
    return pipeline.name;
  }

  /**
   * The Java type of record {@code key} (its id), or empty if the pipeline has no such record: what
   * a tool outside the graph needs to {@link #subscribe} or take the {@link #producer} of a record
   * it knows only by name.
   */
  public Optional<Class<?>> recordType(String key) {
    return pipeline.recordType(key);
  }

  /**
   * A change of this pipeline's graph: records to add and remove, lanes to declare, checked and
   * applied at once by {@link RunnelChange#commit()}. Allowed before {@link #start()} and while
   * running, from any thread (also a task or connector of this pipeline); see {@link RunnelChange}
   * and {@code docs/decisions/021-records-at-run-time.md}.
   */
  public RunnelChange change() {
    return new RunnelChange(pipeline);
  }

  /**
   * Adds one record, configured like {@link RunnelBuilder#configure(Class, RecordKey,
   * java.util.function.Consumer)}; short for {@code change().configure(type, key,
   * config).commit()}. Its tasks are running when this returns (if the pipeline is).
   *
   * @throws GraphException listing every problem; then nothing has changed
   * @throws IllegalStateException if the pipeline is stopping or closed
   */
  public <T> GraphChange add(
      Class<T> type, RecordKey key, java.util.function.Consumer<Registration<T>> config) {
    return change().configure(type, key, config).commit();
  }

  /**
   * Removes one record; short for {@code change().remove(key).commit()}. Its readers see end of
   * stream (after what it still held), its {@link #producer} refuses further values with {@link
   * io.runnel.buffer.BufferClosedException}; records that read it must be removed with it (use
   * {@link #change()}).
   *
   * @throws GraphException if there is no such record, or a remaining record reads it
   * @throws IllegalStateException if the pipeline is stopping or closed
   */
  public GraphChange remove(RecordKey key) {
    return change().remove(key).commit();
  }

  /**
   * A reader of the graph's changes from now on, one {@link GraphChange} per committed change. The
   * commit never waits for it: a reader more than 256 changes behind gets a {@link
   * io.runnel.buffer.LaggedException} saying how many it missed (take a fresh {@link #inspect()}
   * then). Ends (end of stream) when the pipeline closes; close it when done.
   */
  public Reader<GraphChange> graphChanges() {
    return pipeline.graphChanges();
  }

  /** The graph's version: 0 as built, one more for each committed {@link #change()}. */
  public long graphVersion() {
    return pipeline.graphVersion();
  }

  /** A snapshot of every record, task, lane and connector, with counters. */
  public GraphSnapshot inspect() {
    return pipeline.inspect();
  }

  /**
   * Waits until every task has ended (finite sources finished and everything downstream drained),
   * or the timeout passes.
   *
   * @return whether every task ended
   */
  public boolean awaitCompletion(Duration timeout) throws InterruptedException {
    return pipeline.awaitCompletion(timeout);
  }

  /**
   * Stops gracefully within the shutdown timeout (see the class documentation). Idempotent; a
   * concurrent caller waits for the first one to finish. Called from one of this pipeline's own
   * tasks, it starts the shutdown on another thread and returns at once (the calling task is then
   * stopped like any other). If the calling thread is interrupted while waiting, every task is
   * interrupted and every record closed before this returns, with the interrupt flag restored.
   */
  @Override
  public void close() {
    pipeline.close();
  }

  @Override
  public String toString() {
    return pipeline.toString();
  }
}
