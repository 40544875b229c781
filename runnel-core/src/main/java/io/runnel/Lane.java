package io.runnel;

import io.runnel.internal.Parking;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

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
abstract class Lane {

  /** The run state of one thread of a lane, written by that thread, read by the watchdog. */
  static final class Activity {
    final TaskRunner task;
    final Thread thread;
    final String name;

    /** {@link System#nanoTime} when it last started running, or 0 while it waits. */
    volatile long runningSince;

    /** Nanoseconds spent running in completed run episodes. */
    volatile long busyNanos;

    /** Whether the watchdog already reported the current run episode. */
    volatile boolean reported;

    Activity(TaskRunner task, Thread thread, String name) {
      this.task = task;
      this.thread = thread;
      this.name = name;
    }

    void running() {
      long now = System.nanoTime();
      runningSince = now == 0 ? 1 : now;
      reported = false;
    }

    void waiting() {
      long since = runningSince;
      if (since != 0) {
        long ran = System.nanoTime() - since;
        busyNanos += ran;
        if (ran >= RunnelEvents.TASK_RUN_THRESHOLD_NANOS) {
          RunnelEvents.taskRun(task.lane.name, name, task.record.id, ran);
        }
        runningSince = 0;
      }
    }

    long busyNanosNow() {
      long since = runningSince;
      return busyNanos + (since != 0 ? System.nanoTime() - since : 0);
    }
  }

  /** Thrown when a lane cannot take another task (task budget, pool queue). */
  static final class LaneFullException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    LaneFullException(String message) {
      super(message);
    }
  }

  final String name;
  final LaneSpec spec;
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

  private final org.HdrHistogram.Histogram wakeDelayTotal = newHistogram();

  /** Delays above this (an hour) are recorded as this. */
  static final long MAX_RECORDED_NANOS = 3_600_000_000_000L;

  /**
   * A recorder of delays (lateness, wake-to-run): a fixed range (up to an hour) at 2 significant
   * digits, so it takes about 37 KB per interval histogram, allocated once, and recording never
   * allocates or resizes on the task's thread (packed, auto-resizing histograms were tried: they
   * take less memory, but on a loaded machine the watchdog caught a 1 kHz loop 540 ms inside a
   * packed histogram's consolidation).
   */
  static org.HdrHistogram.Recorder newRecorder() {
    return new org.HdrHistogram.Recorder(MAX_RECORDED_NANOS, 2);
  }

  /** A histogram matching {@link #newRecorder()}, to accumulate its intervals. */
  static org.HdrHistogram.Histogram newHistogram() {
    return new org.HdrHistogram.Histogram(MAX_RECORDED_NANOS, 2);
  }

  /** Every wake-to-run delay recorded so far. */
  org.HdrHistogram.Histogram wakeDelaySnapshot() {
    synchronized (wakeDelayTotal) {
      wakeDelayTotal.add(wakeDelay.getIntervalHistogram());
      return wakeDelayTotal.copy();
    }
  }

  private final List<String> lastReports = new ArrayList<>();

  Lane(String name, LaneSpec spec) {
    this.name = name;
    this.spec = spec;
    this.wakeDelay = newRecorder();
  }

  static Lane create(String name, LaneSpec spec) {
    return switch (spec.kind()) {
      case VIRTUAL -> new VirtualLane(name, spec);
      case DEDICATED -> new DedicatedLane(name, spec);
      case BLOCKING_POOL, COOPERATIVE -> new SlotLane(name, spec);
    };
  }

  /**
   * Starts {@code body} as a thread of this lane on behalf of {@code task}.
   *
   * @throws LaneFullException if the lane's task budget is used up
   */
  final Thread start(TaskRunner task, String threadName, Runnable body) {
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
          Activity activity = new Activity(task, Thread.currentThread(), threadName);
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
                  wakeDelay.recordValue(Math.max(0, Math.min(delayNanos, MAX_RECORDED_NANOS)));
                }
              });
          try {
            enter(activity);
            activity.running();
            body.run();
          } finally {
            activity.waiting();
            leave(activity);
            Parking.install(null);
            CURRENT.remove();
            activities.remove(activity);
            retiredBusyNanos.addAndGet(activity.busyNanos);
            admitted.decrementAndGet();
          }
        };
    return startThread(threadName, wrapped);
  }

  private static final ThreadLocal<Activity> CURRENT = new ThreadLocal<>();

  /** Called after each produce of a task on a cooperative lane: lets the next task run. */
  static void yieldPoint(Lane lane) {
    Activity a = CURRENT.get();
    if (a != null) {
      lane.producedBy(a);
    }
  }

  /** Starts the thread that runs {@code body}: a virtual thread unless the kind says otherwise. */
  Thread startThread(String threadName, Runnable body) {
    return Thread.ofVirtual().name(threadName).start(body);
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
            + a.task.record.id
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
    a.task.ctx.log().log(System.Logger.Level.WARNING, report);
    RunnelEvents.watchdog(name, a.name, a.task.record.id, runningNanos);
  }

  List<String> lastWatchdogReports() {
    synchronized (lastReports) {
      return List.copyOf(lastReports);
    }
  }

  /** Running time of this lane's threads divided by elapsed time times the lane's parallelism. */
  double busyRatio() {
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

  void close() {}

  // ---------------------------------------------------------------------------------------------

  /** Parks like {@link Parking#LOCK_SUPPORT}, marking the activity waiting meanwhile. */
  static Parking.Parker trackingPark(Activity activity) {
    return (blocker, deadline) -> {
      activity.waiting();
      try {
        Parking.LOCK_SUPPORT.park(blocker, deadline);
      } finally {
        activity.running();
      }
    };
  }

  /** Virtual threads. */
  static final class VirtualLane extends Lane {
    VirtualLane(String name, LaneSpec spec) {
      super(name, spec);
    }

    @Override
    Parking.Parker parker(Activity activity) {
      return trackingPark(activity);
    }
  }

  /** One platform thread per task, pinned and prioritised where possible, with a wait strategy. */
  static final class DedicatedLane extends Lane {
    private static final long SPIN_WINDOW_NANOS = LaneSpec.SPIN_WINDOW_MICROS * 1_000;

    DedicatedLane(String name, LaneSpec spec) {
      super(name, spec);
    }

    @Override
    Thread startThread(String threadName, Runnable body) {
      return Thread.ofPlatform().name(threadName).daemon(true).start(body);
    }

    @Override
    void enter(Activity activity) {
      ThreadTuning.apply(this, activity);
    }

    @Override
    boolean spinBeforePark() {
      return spec.waitStrategy() != WaitStrategy.PARK;
    }

    @Override
    Parking.Parker parker(Activity activity) {
      return switch (spec.waitStrategy()) {
        case PARK -> trackingPark(activity);
        case BUSY_SPIN ->
            (blocker, deadline) -> Thread.onSpinWait(); // the caller re-checks and calls again
        case SPIN_THEN_PARK ->
            (blocker, deadline) -> {
              if (deadline != Parking.NO_DEADLINE
                  && deadline - System.nanoTime() <= SPIN_WINDOW_NANOS) {
                Thread.onSpinWait(); // close to the deadline: spin, the caller re-checks
                return;
              }
              activity.waiting();
              try {
                if (deadline == Parking.NO_DEADLINE) {
                  LockSupport.park(blocker);
                } else {
                  long remaining = deadline - System.nanoTime() - SPIN_WINDOW_NANOS;
                  if (remaining > 0) {
                    LockSupport.parkNanos(blocker, remaining);
                  }
                }
              } finally {
                activity.running();
              }
            };
      };
    }
  }

  /**
   * A lane of N slots: a task holds a slot while it runs and gives it back at each waiting point.
   * Cooperative lanes have one slot and run on virtual threads (one task at a time; produce is a
   * yield point too); blocking pools have N slots and run on platform threads (a task blocked in a
   * native or synchronized call holds a slot, never a virtual-thread carrier). The semaphore is
   * fair, so tasks get the slot in the order they asked for it.
   */
  static final class SlotLane extends Lane {
    private final java.util.concurrent.Semaphore slots;
    final AtomicInteger waitingForSlot = new AtomicInteger();

    SlotLane(String name, LaneSpec spec) {
      super(name, spec);
      this.slots = new java.util.concurrent.Semaphore(spec.threads(), true);
    }

    boolean cooperative() {
      return spec.kind() == LaneSpec.Kind.COOPERATIVE;
    }

    @Override
    Thread startThread(String threadName, Runnable body) {
      return cooperative()
          ? Thread.ofVirtual().name(threadName).start(body)
          : Thread.ofPlatform().name(threadName).daemon(true).start(body);
    }

    private void acquire() {
      waitingForSlot.incrementAndGet();
      try {
        slots.acquireUninterruptibly(); // keeps the interrupt flag for the caller to see
      } finally {
        waitingForSlot.decrementAndGet();
      }
    }

    @Override
    void enter(Activity activity) {
      acquire();
    }

    @Override
    void leave(Activity activity) {
      slots.release();
    }

    @Override
    boolean spinBeforePark() {
      return false; // spinning would hold the slot that the awaited producer may need
    }

    @Override
    Parking.Parker parker(Activity activity) {
      return (blocker, deadline) -> {
        activity.waiting();
        slots.release();
        try {
          Parking.LOCK_SUPPORT.park(blocker, deadline);
        } finally {
          acquire();
          activity.running();
        }
      };
    }

    @Override
    void producedBy(Activity activity) {
      if (cooperative() && slots.hasQueuedThreads()) {
        activity.waiting();
        slots.release();
        acquire(); // fair: queues behind the tasks already waiting
        activity.running();
      }
    }
  }

  /**
   * A lane of a simulated pipeline: keeps the declared lane's settings (name, budget, watchdog) but
   * runs every thread under the {@link SimScheduler}.
   */
  static final class SimulatedLane extends Lane {
    private final SimScheduler scheduler;

    SimulatedLane(String name, LaneSpec spec, SimScheduler scheduler) {
      super(name, spec);
      this.scheduler = scheduler;
    }

    @Override
    Thread startThread(String threadName, Runnable body) {
      Thread t = Thread.ofVirtual().name(threadName).unstarted(body);
      scheduler.register(t);
      t.start();
      return t;
    }

    @Override
    void enter(Activity activity) {
      scheduler.begin();
    }

    @Override
    void leave(Activity activity) {
      scheduler.end();
    }

    @Override
    boolean spinBeforePark() {
      return false;
    }

    @Override
    Parking.Parker parker(Activity activity) {
      return new Parking.Parker() {
        @Override
        public void park(Object blocker, long deadlineNanos) {
          activity.waiting();
          try {
            scheduler.park(deadlineNanos);
          } finally {
            activity.running();
          }
        }

        @Override
        public long nanoTime() {
          return scheduler.nanoTime();
        }
      };
    }
  }
}
