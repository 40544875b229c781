/**
 * Runnel's JDK Flight Recorder events ({@code io.runnel.Watchdog}, {@code io.runnel.Tick}, {@code
 * io.runnel.TaskRun}), so scheduling shows in JDK Mission Control. Committed by the thread the
 * event is about; disabled events cost a flag check. Not exported.
 */
package io.runnel.internal.event;
