package io.runnel.internal.lane;

import io.runnel.LaneSpec;
import io.runnel.internal.event.RunnelEvents;
import io.runnel.internal.time.Parking;
import io.runnel.internal.time.SimScheduler;
import io.runnel.internal.util.Histograms;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A lane at run time: starts the threads of its tasks and decides how they wait.
 *
 * <h2>Implementation overview</h2>
 *
 * <p>Every thread a lane starts (task or spawned child) gets an {@link Activity} and a {@link
 * Parking.Parker} installed for it. All of Runnel's waiting points (receive, sleep, tick) end in
 * {@link Parking#park}, so the parker sees every wait: it marks the activity waiting, waits the
 * lane's way (park, spin, or give up the lane's slot and take it back after), and marks it running
 * again. From the running/waiting transitions come the watchdog (a task running longer than the
 * limit without a wait) and the busy ratio.
 */
public abstract class Lane {

  public final String name;
  public final LaneSpec spec;
  final long startedNanos = System.nanoTime();
  final Set<Activity> activities = ConcurrentHashMap.newKeySet();
  final AtomicLong watchdogReports = new AtomicLong();
  final AtomicLong rejected = new AtomicLong();
  final java.util.concurrent.atomic.AtomicBoolean tuningWarned =
      new java.util.concurrent.atomic.AtomicBoolean();
  final AtomicLong tuningFailures = new AtomicLong();
  final AtomicInteger admitted = new AtomicInteger();
  private final AtomicLong retiredBusyNanos = new AtomicLong();

  /** Wake-to-run delays of this lane's threads (multi-writer, wait-free recording). */
  final org.HdrHistogram.Recorder wakeDelay;

  private final org.HdrHistogram.Histogram wakeDelayTotal = Histograms.newHistogram();

  /** Every wake-to-run delay recorded so far. */
  public org.HdrHistogram.Histogram wakeDelaySnapshot() {
    synchronized (wakeDelayTotal) {
      wakeDelayTotal.add(wakeDelay.getIntervalHistogram());
      return wakeDelayTotal.copy();
    }
  }

  private final List<String> lastReports = new ArrayList<>();

  Lane(String name, LaneSpec spec) {
    this.name = name;
    this.spec = spec;
    this.wakeDelay = Histograms.newRecorder();
  }

  /** The lane for {@code spec}, running on real threads. */
  public static Lane create(String name, LaneSpec spec) {
    return switch (spec.kind()) {
      case VIRTUAL -> new VirtualLane(name, spec);
      case DEDICATED -> new DedicatedLane(name, spec);
      case BLOCKING_POOL, COOPERATIVE -> new SlotLane(name, spec);
    };
  }

  /** The lane for {@code spec}, running every thread under a simulation's scheduler. */
  public static Lane simulated(String name, LaneSpec spec, SimScheduler scheduler) {
    return new SimulatedLane(name, spec, scheduler);
  }

  /**
   * Starts {@code body} as a thread of this lane on behalf of {@code task}.
   *
   * @throws LaneFullException if the lane's task budget is used up
   */
  public final Thread start(LaneTask task, String threadName, Runnable body) {
    return start(task, threadName, body, () -> {});
  }

  /**
   * Like {@link #start(LaneTask, String, Runnable)}; {@code ended} runs on the new thread once the
   * body has ended and the lane no longer counts the thread against its budget, but before it gives
   * up its slot or leaves the simulation: the place to wake whoever waits for it (a waker running
   * later, after a simulated thread left the scheduler, could find the baton already given away).
   *
   * @throws LaneFullException if the lane's task budget is used up
   */
  public final Thread start(LaneTask task, String threadName, Runnable body, Runnable ended) {
    return start(task, threadName, body, t -> {}, ended);
  }

  /**
   * Like {@link #start(LaneTask, String, Runnable, Runnable)}; {@code beforeStart} gets the new
   * thread before it starts, on the calling thread: the place to register it with whoever must stop
   * it, so that no one can see the thread running but not registered.
   *
   * @throws LaneFullException if the lane's task budget is used up (before {@code beforeStart})
   */
  public final Thread start(
      LaneTask task,
      String threadName,
      Runnable body,
      java.util.function.Consumer<Thread> beforeStart,
      Runnable ended) {
    int budget = spec.taskBudget();
    if (admitted.incrementAndGet() > budget) {
      admitted.decrementAndGet();
      rejected.incrementAndGet();
      throw new LaneFullException(
          "lane '"
              + name
              + "' ("
              + spec
              + ") is full: it takes at most "
              + budget
              + " tasks at a time, and "
              + threadName
              + " would be one more; give the lane a larger budget or move tasks to another lane");
    }
    Runnable wrapped =
        () -> {
          Activity activity = new Activity(task, this, Thread.currentThread(), threadName);
          activities.add(activity);
          CURRENT.set(activity);
          Parking.Parker parker = parker(activity);
          boolean spin = spinBeforePark();
          Parking.install(
              new Parking.Parker() {
                @Override
                public void park(Object blocker, long deadlineNanos) {
                  parker.park(blocker, deadlineNanos);
                }

                @Override
                public boolean spinBeforePark() {
                  return spin;
                }

                @Override
                public long nanoTime() {
                  return parker.nanoTime();
                }

                @Override
                public void woke(long delayNanos) {
                  wakeDelay.recordValue(Histograms.clamp(delayNanos));
                }

                @Override
                public void waitBegan() {
                  activity.waiting();
                }

                @Override
                public void waitEnded() {
                  parker.waitEnded();
                  if (activity.isWaiting()) {
                    activity.running(); // after yields, or a busy spin's wait
                  }
                }
              });
          try {
            enter(activity);
            activity.running();
            body.run();
          } finally {
            activity.waiting();
            activities.remove(activity);
            retiredBusyNanos.addAndGet(activity.busyNanos);
            admitted.decrementAndGet();
            try {
              ended.run();
            } finally {
              leave(activity);
              Parking.install(null);
              CURRENT.remove();
            }
          }
        };
    boolean started = false;
    try {
      Thread t = newThread(threadName, wrapped);
      beforeStart.accept(t);
      t.start();
      started = true;
      return t;
    } finally {
      if (!started) {
        admitted.decrementAndGet();
      }
    }
  }

  private static final ThreadLocal<Activity> CURRENT = new ThreadLocal<>();

  /** Called after each produce of a task on a cooperative lane: lets the next task run. */
  public static void yieldPoint(Lane lane) {
    Activity a = CURRENT.get();
    if (a != null) {
      lane.producedBy(a);
    }
  }

  /** The unstarted thread that runs {@code body}: virtual unless the kind says otherwise. */
  Thread newThread(String threadName, Runnable body) {
    return Thread.ofVirtual().name(threadName).unstarted(body);
  }

  /** Called on the new thread before the body runs (take a slot, pin, ...). */
  void enter(Activity activity) {}

  /** Called on the thread after the body ended (give back the slot). */
  void leave(Activity activity) {}

  /** The parker of one thread of this lane. */
  abstract Parking.Parker parker(Activity activity);

  /** Whether readers on this lane should spin and yield before parking. */
  boolean spinBeforePark() {
    return true;
  }

  /** A yield point at produce (cooperative lanes let the next task run). */
  void producedBy(Activity activity) {}

  void watchdogReport(Activity a, long runningNanos) {
    watchdogReports.incrementAndGet();
    a.task.watchdogReported();
    StackTraceElement[] stack = a.thread.getStackTrace();
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < Math.min(stack.length, 30); i++) {
      sb.append("\n    at ").append(stack[i]);
    }
    String report =
        "task "
            + a.name
            + " (record '"
            + a.task.recordId()
            + "') has held lane '"
            + name
            + "' ("
            + spec
            + ") for "
            + Duration.ofNanos(runningNanos).toMillis()
            + " ms without reaching a waiting point (limit "
            + spec.watchdogLimit().toMillis()
            + " ms); it is at:"
            + sb;
    synchronized (lastReports) {
      lastReports.add(report);
      if (lastReports.size() > 5) {
        lastReports.remove(0);
      }
    }
    a.task.log().log(System.Logger.Level.WARNING, report);
    RunnelEvents.watchdog(name, a.name, a.task.recordId(), runningNanos);
  }

  public List<String> lastWatchdogReports() {
    synchronized (lastReports) {
      return List.copyOf(lastReports);
    }
  }

  /** Running time of this lane's threads divided by elapsed time times the lane's parallelism. */
  public double busyRatio() {
    long busy = retiredBusyNanos.get();
    int live = 0;
    for (Activity a : activities) {
      busy += a.busyNanosNow();
      live++;
    }
    long elapsed = Math.max(1, System.nanoTime() - startedNanos);
    int parallelism =
        switch (spec.kind()) {
          case COOPERATIVE -> 1;
          case BLOCKING_POOL -> spec.threads();
          default -> Math.max(1, live);
        };
    return Math.min(1.0, (double) busy / elapsed / parallelism);
  }

  /** How many threads wait for a slot of this lane (0 unless it is a slot lane). */
  public int waitingForSlot() {
    return 0;
  }

  /** Tasks refused because the lane was full. */
  public long rejected() {
    return rejected.get();
  }

  /** Watchdog reports so far. */
  public long watchdogReports() {
    return watchdogReports.get();
  }

  /** Thread tunings (pinning, niceness, SCHED_FIFO) that could not be applied. */
  public long tuningFailures() {
    return tuningFailures.get();
  }

  /** How many threads of this lane exist now. */
  public int threads() {
    return activities.size();
  }

  void close() {}
}
