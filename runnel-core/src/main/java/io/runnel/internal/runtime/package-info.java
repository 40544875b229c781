/**
 * The running pipeline. Not exported.
 *
 * <h2>Model</h2>
 *
 * <p>{@link io.runnel.internal.runtime.Pipeline} owns the lifecycle (start, graceful close), the
 * connectors and outside access ({@code subscribe}, {@code producer}). Each record at run time is a
 * {@code RecordNode}: its buffer, writer and tap tasks, and its produce path (hooks first, then the
 * buffer; outside producers serialised by one lock). {@code TaskFactory} wires the tasks at build
 * time (input readers subscribed before anything starts), {@code TaskBodies} holds the per-value
 * loops (transform, tap, latest join), and {@code Inspector} builds snapshots from the published
 * counters. Each task is a {@link io.runnel.internal.runtime.TaskRunner}: it owns its thread's run
 * loop, how the body ended, the restart policy and the task's counters; its {@link
 * io.runnel.internal.runtime.TaskContext} is the {@link io.runnel.RuntimeContext} the body sees.
 * Joins read their inputs through a {@link io.runnel.internal.runtime.JoinRunner}.
 *
 * <p>Threads: the lifecycle methods may be called from any thread and are serialised by one lock;
 * each task's state is written by its own thread (the lane starts it) and read by inspection
 * through volatile fields and atomics; the watchdog ({@code internal.lane.Watchdog}) only reads.
 * The runtime never names an executor: it asks a lane to start a thread.
 */
package io.runnel.internal.runtime;
