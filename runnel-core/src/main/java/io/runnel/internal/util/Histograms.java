package io.runnel.internal.util;

import io.runnel.inspect.LaneInfo;
import io.runnel.inspect.TaskInfo;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The one kind of latency histogram Runnel records (tick lateness, wake-to-run delay) and the one
 * way its percentiles are read.
 *
 * <p>A fixed range (up to an hour) at 2 significant digits: about 37 KB per interval histogram,
 * allocated once, so recording never allocates or resizes on the task's thread (packed,
 * auto-resizing histograms were tried: they take less memory, but on a loaded machine the watchdog
 * caught a 1 kHz loop 540 ms inside a packed histogram's consolidation).
 */
public final class Histograms {
  /** Delays above this (an hour) are recorded as this. */
  public static final long MAX_RECORDED_NANOS = 3_600_000_000_000L;

  private Histograms() {}

  /** A recorder of delays; multi-writer, wait-free recording. */
  public static Recorder newRecorder() {
    return new Recorder(MAX_RECORDED_NANOS, 2);
  }

  /** A histogram matching {@link #newRecorder()}, to accumulate its intervals. */
  public static Histogram newHistogram() {
    return new Histogram(MAX_RECORDED_NANOS, 2);
  }

  /** {@code nanos} within the recordable range [0, {@link #MAX_RECORDED_NANOS}]. */
  public static long clamp(long nanos) {
    return Math.max(0, Math.min(nanos, MAX_RECORDED_NANOS));
  }

  /** The lateness summary of {@code h} (zeros when it is empty). */
  public static TaskInfo.Lateness lateness(long ticks, long missedTicks, Histogram h) {
    boolean any = h.getTotalCount() > 0;
    return new TaskInfo.Lateness(
        ticks,
        missedTicks,
        any ? h.getValueAtPercentile(50) : 0,
        any ? h.getValueAtPercentile(99) : 0,
        any ? h.getValueAtPercentile(99.9) : 0,
        any ? h.getMaxValue() : 0);
  }

  /** The delay summary of {@code h} (zeros when it is empty). */
  public static LaneInfo.Delay delay(Histogram h) {
    long n = h.getTotalCount();
    return n == 0
        ? new LaneInfo.Delay(0, 0, 0, 0, 0)
        : new LaneInfo.Delay(
            n,
            h.getValueAtPercentile(50),
            h.getValueAtPercentile(99),
            h.getValueAtPercentile(99.9),
            h.getMaxValue());
  }
}
