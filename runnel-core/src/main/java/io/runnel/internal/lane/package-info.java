/**
 * Lanes at run time: where a task's thread runs and what a wait costs there. Not exported.
 *
 * <h2>Model</h2>
 *
 * <p>A {@link io.runnel.internal.lane.Lane} starts every thread of its tasks (and their children)
 * and installs a parker for it; all of Runnel's waiting points end in {@code Parking.park}, so the
 * lane sees every wait. One class per lane kind: {@code VirtualLane}, {@code DedicatedLane}
 * (platform thread, {@code ThreadTuning} for pinning, niceness, SCHED_FIFO), {@code SlotLane}
 * (blocking pool and cooperative: a task holds a slot only between waiting points) and {@code
 * SimulatedLane}. A dedicated lane waits by a {@code LaneWait} strategy object, one class per
 * {@link io.runnel.WaitStrategy} ({@code ParkWait}, {@code SpinThenParkWait}, {@code
 * BusySpinWait}).
 *
 * <p>Each lane thread publishes its run state in an {@link io.runnel.internal.lane.Activity}
 * (running since, busy time): written only by that thread, read by the {@link
 * io.runnel.internal.lane.Watchdog} thread (reports a task that holds its lane past the limit) and
 * by inspection (busy ratio). A lane knows a task only as a {@link
 * io.runnel.internal.lane.LaneTask}; it does not depend on the runtime.
 */
package io.runnel.internal.lane;
