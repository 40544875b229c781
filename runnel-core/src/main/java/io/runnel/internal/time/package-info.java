/**
 * Time and waiting. Not exported.
 *
 * <h2>Model</h2>
 *
 * <p>{@link io.runnel.internal.time.Parking} is the single place where Runnel code waits: buffers'
 * readers, sleeps and tickers all park through the parker the current thread's lane installed (or
 * {@code LockSupport} outside lanes), and producers wake readers through it; a waiting point tells
 * it when it starts yielding and when it ends, so a lane that never blocks (a busy spin) still
 * counts the wait as waiting. {@link io.runnel.internal.time.Completion} is a join (a parent
 * waiting for its child) built on it. {@link io.runnel.internal.time.TimeSource} is the clock a
 * pipeline reads (the system's, or the simulation's). {@link
 * io.runnel.internal.time.DeadlineTicker} schedules tick k at start + k·period on that clock and
 * records lateness. {@link io.runnel.internal.time.SimScheduler} is the baton scheduler behind
 * {@code io.runnel.sim.Simulation}: one simulated thread runs at a time, virtual time jumps when
 * all wait (decision 005).
 */
package io.runnel.internal.time;
