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
 * <h2>Where things are</h2>
 *
 * <ul>
 *   <li>{@code io.runnel} — keys, the builder and registrations, task shapes, {@link
 *       io.runnel.RuntimeContext} (time, tickers, logging, spawning), the running pipeline.
 *   <li>{@code io.runnel.buffer} — the buffer kinds and their readers; usable on their own.
 *   <li>{@code io.runnel.inspect} — immutable snapshots and their DOT, Mermaid and JSON exports.
 *   <li>{@code io.runnel.internal} — implementation details; not API.
 * </ul>
 */
package io.runnel;
