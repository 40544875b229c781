package io.runnel.internal.event;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Timespan;

/** Runnel's JDK Flight Recorder events, so scheduling shows up in JDK Mission Control. */
public final class RunnelEvents {
  private RunnelEvents() {}

  @Name("io.runnel.Watchdog")
  @Label("Runnel Watchdog")
  @Category({"Runnel", "Lanes"})
  @Description("A task held its lane longer than the lane's watchdog limit without a waiting point")
  static final class WatchdogEvent extends Event {
    @Label("Lane")
    String lane;

    @Label("Task")
    String task;

    @Label("Record Key")
    String key;

    @Label("Running For")
    @Timespan(Timespan.NANOSECONDS)
    long runningNanos;
  }

  @Name("io.runnel.Tick")
  @Label("Runnel Tick")
  @Category({"Runnel", "Timers"})
  @Description("A periodic ticker fired; lateness is how long after its deadline")
  static final class TickEvent extends Event {
    @Label("Task")
    String task;

    @Label("Lateness")
    @Timespan(Timespan.NANOSECONDS)
    long latenessNanos;

    @Label("Missed Ticks")
    long missedTicks;
  }

  @Name("io.runnel.TaskRun")
  @Label("Runnel Task Run")
  @Category({"Runnel", "Lanes"})
  @Description(
      "A task ran without reaching a waiting point for at least runnel.jfr.taskRunMicros (default"
          + " 1000 µs): what held its lane")
  static final class TaskRunEvent extends Event {
    @Label("Lane")
    String lane;

    @Label("Task")
    String task;

    @Label("Record Key")
    String key;

    @Label("Ran For")
    @Timespan(Timespan.NANOSECONDS)
    long runNanos;
  }

  /** Run episodes shorter than this are not recorded (most last microseconds). */
  public static final long TASK_RUN_THRESHOLD_NANOS =
      Long.getLong("runnel.jfr.taskRunMicros", 1000L) * 1000L;

  public static void taskRun(String lane, String task, String key, long runNanos) {
    if (runNanos < TASK_RUN_THRESHOLD_NANOS || !recorderUp()) {
      return;
    }
    TaskRunEvent e = new TaskRunEvent();
    if (e.isEnabled()) {
      e.lane = lane;
      e.task = task;
      e.key = key;
      e.runNanos = runNanos;
      e.commit();
    }
  }

  /**
   * Whether Flight Recorder is initialised (a recording was started in this JVM). Until then no
   * event is created at all: the first event class used initialises JFR's metadata, which took 50
   * ms inside a 1 kHz control loop before this check existed.
   */
  private static boolean recorderUp() {
    return jdk.jfr.FlightRecorder.isInitialized();
  }

  public static void watchdog(String lane, String task, String key, long runningNanos) {
    if (!recorderUp()) {
      return;
    }
    WatchdogEvent e = new WatchdogEvent();
    if (e.isEnabled()) {
      e.lane = lane;
      e.task = task;
      e.key = key;
      e.runningNanos = runningNanos;
      e.commit();
    }
  }

  public static void tick(String task, long latenessNanos, long missedTicks) {
    if (!recorderUp()) {
      return;
    }
    TickEvent e = new TickEvent();
    if (e.shouldCommit()) {
      e.task = task;
      e.latenessNanos = latenessNanos;
      e.missedTicks = missedTicks;
      e.commit();
    }
  }
}
