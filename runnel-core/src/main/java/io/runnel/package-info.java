/**
 * Runnel: typed data pipelines for edge and robotics devices.
 *
 * <h2>Model</h2>
 *
 * <p>A <em>record</em> is a stable {@link io.runnel.RecordKey} plus a Java type; its values live in
 * one {@linkplain io.runnel.buffer buffer}. A record has at most one writer — a {@link
 * io.runnel.Source}, a {@link io.runnel.Transform} of another record, or a {@link io.runnel.Join}
 * of several — and any number of {@link io.runnel.Tap}s. {@link io.runnel.RunnelBuilder#build()}
 * checks the whole graph and reports every problem at once ({@link io.runnel.GraphException}); the
 * built {@link io.runnel.Runnel} runs each task on its own virtual thread in plain blocking style,
 * restarts failed tasks by {@link io.runnel.RestartPolicy}, stops gracefully on {@code close()},
 * and can be {@linkplain io.runnel.Runnel#inspect() inspected} while it runs.
 *
 * <h2>Changing a running graph</h2>
 *
 * <p>{@link io.runnel.Runnel#change()} adds records (configured like the builder configures them)
 * and removes records, checked as {@code build()} checks them: every problem at once, and nothing
 * changed when there is one. Other records keep running meanwhile; readers of a removed record see
 * end of stream; {@link io.runnel.Runnel#graphChanges()} tells watchers. Any thread may commit a
 * change, a task's or a connector's included; see {@link io.runnel.RunnelChange} and {@code
 * docs/ARCHITECTURE.md} ("Run-time changes of the graph").
 *
 * <h2>Where things are</h2>
 *
 * <p>The module {@code io.runnel.core} exports these packages and nothing else:
 *
 * <ul>
 *   <li>{@code io.runnel}: the user API: keys, the builder and registrations, task shapes, {@link
 *       io.runnel.RuntimeContext} (time, tickers, logging, spawning), {@link io.runnel.LaneSpec},
 *       {@link io.runnel.RestartPolicy}, graph errors, the running pipeline and {@link
 *       io.runnel.Shutdown} (close it in order on SIGTERM/SIGINT, with the exit statuses Runnel's
 *       applications use).
 *   <li>{@code io.runnel.buffer}: the buffer kinds and their readers; usable on their own.
 *   <li>{@code io.runnel.inspect}: immutable snapshots and their DOT, Mermaid and JSON exports.
 *   <li>{@code io.runnel.sim}: simulated time for tests.
 *   <li>{@code io.runnel.spi}: extension points (record hooks, connectors) with their contracts,
 *       and the helpers every extension uses (backoff, rate-limited log, argument checks).
 * </ul>
 *
 * <p>{@code io.runnel.internal.*} (graph checking, the runtime, lanes, time and parking, JFR
 * events, histograms) is the implementation. It is not exported, so another module that imports it
 * does not compile; see {@code docs/ARCHITECTURE.md}.
 */
package io.runnel;
