/**
 * Simulated time for tests: a pipeline built from a {@link io.runnel.sim.Simulation} runs every
 * lane's threads one at a time under a seeded scheduler on a virtual clock, so a day of timers runs
 * in a second and the same seed gives the same interleaving.
 *
 * <h2>Model</h2>
 *
 * <p>Only one simulated thread runs at a time (it holds a baton); it gives the baton up at each
 * Runnel waiting point (receive, sleep, tick, produce wake-ups). When every thread waits, the
 * virtual clock jumps to the earliest deadline. A thread that blocks outside Runnel (a socket, a
 * lock, {@code Thread.sleep}) for longer than the stuck timeout of real time makes {@link
 * io.runnel.sim.Simulation#advance} fail with its stack, never hang. See decision 005.
 */
package io.runnel.sim;
