package io.runnel.spi;

import io.runnel.GraphProblem;
import io.runnel.Runnel;
import io.runnel.RunnelBuilder;
import java.util.List;

/**
 * Something that links a pipeline to the outside (an MQTT broker, a cloud endpoint), registered
 * with {@link RunnelBuilder#connector} so that it starts and stops with the pipeline and shows in
 * {@link Runnel#inspect()}.
 *
 * <p>A connector must not block the pipeline: {@link #start} returns promptly (connecting happens
 * in the background, with retries), and {@link #close} returns within a bounded time.
 */
public interface Connector {

  /** A unique name within the pipeline, e.g. {@code mqtt} or {@code cloud-sync}. */
  String name();

  /**
   * Called by {@link Runnel#start()} before any task starts. It may look up producers and readers
   * of outside-facing records ({@link Runnel#producer}, {@link Runnel#subscribe}). Throw only for a
   * configuration error (the start then fails); an unreachable peer is a status, not an error.
   */
  default void start(Runnel runnel) throws Exception {}

  /**
   * Called once by {@link Runnel#close()} after every task has stopped, so that outbound work can
   * finish; must return within a bounded time.
   */
  default void close() {}

  /**
   * Problems in what the connector was given, one sentence each, that {@link RunnelBuilder#build()}
   * lists with the graph's other problems (as {@link GraphProblem.Kind#INVALID_CONNECTOR}, prefixed
   * with the connector's name) before anything starts: for example a codec whose version chain has
   * a gap, given to a route. Called once by {@code build()}; empty by default. A connector reports
   * here what is wrong with the data contracts it was configured with, and keeps throwing at the
   * call for a bad argument (a null, a malformed topic).
   */
  default List<String> problems() {
    return List.of();
  }

  /** The connector's state now; cheap and thread-safe. */
  ConnectorStatus status();
}
