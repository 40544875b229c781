package io.runnel.internal.runtime;

import io.runnel.RestartPolicy;
import io.runnel.Runnel;
import io.runnel.RuntimeContext;
import io.runnel.TaskHandle;
import io.runnel.buffer.BufferClosedException;
import io.runnel.buffer.EndOfStreamException;
import io.runnel.buffer.LaggedException;
import io.runnel.inspect.TaskInfo;
import io.runnel.internal.event.RunnelEvents;
import io.runnel.internal.graph.RecordDef;
import io.runnel.internal.lane.Lane;
import io.runnel.internal.lane.LaneFullException;
import io.runnel.internal.lane.LaneTask;
import io.runnel.internal.time.Completion;
import io.runnel.internal.time.Parking;
import io.runnel.internal.time.SimScheduler;
import io.runnel.internal.time.TimeSource;
import io.runnel.internal.util.Histograms;
import io.runnel.spi.Durations;
import io.runnel.spi.LogLimiter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs one task of the graph on its own (virtual) thread: runs the body, classifies how it ended,
 * applies the restart policy, and keeps the counters that introspection shows.
 *
 * <p>How a body can end: returning, or an {@link EndOfStreamException} (its input ended), or a
 * {@link BufferClosedException} (its output closed), or an {@link InterruptedException} while the
 * pipeline stops, are all a normal end ({@code DONE}). Anything else is a failure: logged with the
 * record key and stack trace (rate-limited), counted, then restarted after the policy's delay or
 * left {@code FAILED}.
 */
public final class TaskRunner implements LaneTask {

  /** A task body. */
  interface Body {
    void run(TaskContext ctx) throws Exception;
  }

  private static final System.Logger LOG = System.getLogger(Runnel.class.getName());

  final Pipeline runtime;
  final String id;
  final TaskInfo.Kind kind;
  final RecordDef<?> record;
  final List<String> inputs;
  private final Body body;
  private final RestartPolicy policy;
  private final Runnable onEnd;
  final TaskContext ctx;
  final Lane lane;

  /** Lateness of every tick of this task's tickers, in nanoseconds (written by the task). */
  /** Created at the first tick: tasks without a ticker carry no histogram. */
  private volatile org.HdrHistogram.Recorder lateness;

  private final org.HdrHistogram.Histogram latenessTotal = Histograms.newHistogram();
  private final AtomicLong ticks = new AtomicLong();
  private final AtomicLong missedTicks = new AtomicLong();
  private final AtomicLong watchdogReports = new AtomicLong();

  private volatile TaskInfo.State state = TaskInfo.State.NEW;
  private final AtomicLong failures = new AtomicLong();
  private final AtomicLong valueFailures = new AtomicLong();
  private final AtomicLong restarts = new AtomicLong();
  private volatile String lastError;
  private final LogLimiter errorLog = new LogLimiter(5, Duration.ofSeconds(10));
  private final LogLimiter lagLog = new LogLimiter(3, Duration.ofSeconds(10));

  private volatile Thread thread;
  private final ChildThreads children = new ChildThreads();

  TaskRunner(
      Pipeline runtime,
      String id,
      TaskInfo.Kind kind,
      RecordDef<?> record,
      List<String> inputs,
      RestartPolicy policy,
      TimeSource time,
      Lane lane,
      Body body,
      Runnable onEnd) {
    this.runtime = runtime;
    this.lane = lane;
    this.id = id;
    this.kind = kind;
    this.record = record;
    this.inputs = List.copyOf(inputs);
    this.policy = policy;
    this.body = body;
    this.onEnd = onEnd;
    this.ctx = new TaskContext(this, id, time);
    this.jitter = time instanceof SimScheduler sim ? sim.randomFor(id) : null;
  }

  /** Restart jitter under simulation (seeded per task); null: ThreadLocalRandom. */
  private final java.util.random.RandomGenerator jitter;

  /** The task whose thread (or child thread) is running, if any. */
  private static final ThreadLocal<TaskRunner> CURRENT = new ThreadLocal<>();

  /** The task running on the calling thread, or null outside pipeline tasks. */
  static TaskRunner current() {
    return CURRENT.get();
  }

  /** Set when the runtime interrupts this task to stop it, so the interrupt is not a failure. */
  private volatile boolean stopRequested;

  private volatile boolean ended;

  /** Set when a change removes this task's record: it stops as if the pipeline stopped. */
  private volatile boolean removed;

  /** Whether this task should stop: the pipeline stops, or a change removed its record. */
  boolean stopping() {
    return removed || runtime.isStopping();
  }

  /** A change removed this task's record (see {@link #stopping()}). */
  void removing() {
    removed = true;
  }

  /** Ends a task that never started (its record was removed before start): frees its readers. */
  void discard() {
    removed = true;
    state = TaskInfo.State.DONE;
    ended = true;
    onEnd.run();
  }

  void start() {
    state = TaskInfo.State.RUNNING;
    try {
      thread = lane.start(this, "runnel:" + id, this::runLoop);
    } catch (LaneFullException e) {
      state = TaskInfo.State.FAILED;
      recordFailure(e);
      logFailure(e, "the task cannot start");
      ended = true;
      onEnd.run();
    }
  }

  public void recordTick(long latenessNanos, long newlyMissed) {
    org.HdrHistogram.Recorder r = lateness;
    if (r == null) {
      lateness = r = Histograms.newRecorder(); // on the task's thread, once
    }
    r.recordValue(Histograms.clamp(latenessNanos));
    ticks.incrementAndGet();
    if (newlyMissed > 0) {
      missedTicks.addAndGet(newlyMissed);
    }
    RunnelEvents.tick(id, latenessNanos, newlyMissed);
  }

  @Override
  public void watchdogReported() {
    watchdogReports.incrementAndGet();
  }

  @Override
  public String recordId() {
    return record.id;
  }

  @Override
  public System.Logger log() {
    return ctx.log();
  }

  /** Everything recorded so far (the recorder's new values are folded into the total). */
  org.HdrHistogram.Histogram latenessSnapshot() {
    synchronized (latenessTotal) {
      org.HdrHistogram.Recorder r = lateness;
      if (r != null) {
        latenessTotal.add(r.getIntervalHistogram());
      }
      return latenessTotal.copy();
    }
  }

  private void runLoop() {
    CURRENT.set(this);
    int attempt = 0;
    try {
      for (; ; ) {
        long startedAt = ctx.nanoTime();
        Throwable failure;
        try {
          body.run(ctx);
          state = TaskInfo.State.DONE;
          return;
        } catch (EndOfStreamException | BufferClosedException e) {
          state = TaskInfo.State.DONE;
          return;
        } catch (LaggedException e) {
          // The body let a lag escape: the reader has already moved on and counted it. Not a
          // failure: warn (rate-limited) and run the body again at once.
          stopChildren();
          if (stopping()) {
            state = TaskInfo.State.DONE;
            return;
          }
          laggedOut(e);
          continue;
        } catch (InterruptedException e) {
          if (stopping()) {
            state = TaskInfo.State.DONE;
            return;
          }
          failure = e;
        } catch (Throwable t) {
          failure = t;
        }
        stopChildren(); // a new attempt must never share its output with the last one's children
        if (stopping()) {
          if (stopRequested) {
            // e.g. SocketException "Closed by interrupt": the stop interrupt, not a failure
            ctx.log().log(
                System.Logger.Level.DEBUG, "ended by the stop interrupt with " + describe(failure));
          } else {
            recordFailure(failure);
            logFailure(failure, "while stopping; not restarting");
          }
          state = TaskInfo.State.DONE;
          return;
        }
        recordFailure(failure);
        if (ctx.nanoTime() - startedAt > Durations.saturatedNanos(policy.max())) {
          attempt = 0; // it ran well for a while: start the backoff over
        }
        Duration delay =
            jitter == null ? policy.delayBefore(attempt++) : policy.delayBefore(attempt++, jitter);
        if (delay == null) {
          logFailure(failure, "restart policy " + policy + " exhausted; the task stays failed");
          state = TaskInfo.State.FAILED;
          return;
        }
        logFailure(failure, "restarting in " + delay.toMillis() + " ms (" + policy + ")");
        // Dekker with Runnel.close(): it sets stopping, then interrupts RESTARTING tasks; we set
        // RESTARTING, then check stopping. One of the two sees the other.
        state = TaskInfo.State.RESTARTING;
        if (stopping()) {
          state = TaskInfo.State.DONE;
          return;
        }
        try {
          ctx.sleep(delay);
        } catch (InterruptedException e) {
          state = TaskInfo.State.DONE;
          return;
        }
        if (stopping()) {
          state = TaskInfo.State.DONE;
          return;
        }
        restarts.incrementAndGet();
        state = TaskInfo.State.RUNNING;
      }
    } finally {
      ended = true;
      stopChildren();
      CURRENT.remove();
      onEnd.run();
    }
  }

  /**
   * Interrupts the children of the current attempt and waits (bounded) for them to end, over and
   * over until none is left: a child may spawn a child of its own up to its end, and that one is
   * registered before the spawner ends, so it is in the next round's snapshot ({@link
   * ChildThreads}).
   */
  private void stopChildren() {
    long deadline = System.nanoTime() + CHILD_STOP_NANOS;
    List<Thread> live = children.live();
    while (!live.isEmpty()) {
      for (Thread child : live) {
        child.interrupt();
      }
      // wait through Parking (1 ms polls), so a one-slot lane lets the children run to their end
      try {
        for (Thread child : live) {
          while (child.isAlive() && deadline - System.nanoTime() > 0) {
            Parking.park(this, Parking.nanoTime() + 1_000_000L);
          }
        }
        live = children.live();
        if (!live.isEmpty() && deadline - System.nanoTime() <= 0) {
          for (Thread child : live) {
            ctx.log().log(
                System.Logger.Level.WARNING,
                "child task "
                    + child.getName()
                    + " did not stop within "
                    + CHILD_STOP_NANOS / 1_000_000
                    + " ms of its interrupt");
          }
          return;
        }
        if (live.stream().noneMatch(Thread::isAlive)) {
          Parking.park(this, Parking.nanoTime() + 1_000_000L); // registered, not yet started
        }
      } finally {
        Parking.waitEnded();
      }
    }
  }

  private static final long CHILD_STOP_NANOS = TimeUnit.SECONDS.toNanos(1);

  private void laggedOut(LaggedException e) {
    long suppressed = lagLog.tryAcquire();
    if (suppressed >= 0) {
      ctx.log().log(
          System.Logger.Level.WARNING,
          e.getMessage()
              + " and the exception escaped the task; running it again from the oldest value"
              + " held (catch LaggedException in the task to handle lag yourself)"
              + LogLimiter.suppressedNote(suppressed));
    }
  }

  private void recordFailure(Throwable failure) {
    failures.incrementAndGet();
    lastError = describe(failure);
  }

  private void logFailure(Throwable failure, String what) {
    long suppressed = errorLog.tryAcquire();
    if (suppressed >= 0) {
      ctx.log().log(
          System.Logger.Level.ERROR,
          kind.name().toLowerCase()
              + " of '"
              + record.id
              + "' failed: "
              + describe(failure)
              + "; "
              + what
              + LogLimiter.suppressedNote(suppressed),
          failure);
    }
  }

  /** A per-value callback threw: count and log (rate-limited); the task goes on. */
  void valueFailed(Exception e, Object value) {
    valueFailures.incrementAndGet();
    lastError = describe(e);
    long suppressed = errorLog.tryAcquire();
    if (suppressed >= 0) {
      String v;
      try {
        v = String.valueOf(value);
      } catch (RuntimeException toStringFailed) {
        v = value.getClass().getName() + " (toString() threw " + toStringFailed + ")";
      }
      ctx.log().log(
          System.Logger.Level.ERROR,
          kind.name().toLowerCase()
              + " of '"
              + record.id
              + "' threw for value "
              + (v.length() > 200 ? v.substring(0, 200) + "..." : v)
              + "; skipped it and continuing"
              + LogLimiter.suppressedNote(suppressed),
          e);
    }
  }

  /** The reader of this task lagged (already counted by the reader). */
  void lagged(String input, long missed) {
    long suppressed = lagLog.tryAcquire();
    if (suppressed >= 0) {
      ctx.log().log(
          System.Logger.Level.WARNING,
          "reading '"
              + input
              + "' fell behind and missed "
              + missed
              + " value(s); continuing from the oldest held (enlarge the ring or speed up the"
              + " consumer)"
              + LogLimiter.suppressedNote(suppressed));
    }
  }

  private static String describe(Throwable t) {
    String m = t.getMessage();
    return t.getClass().getName() + (m == null ? "" : ": " + m);
  }

  TaskHandle spawnChild(String name, RuntimeContext.ChildTask task) {
    if (ended || stopping()) {
      throw new IllegalStateException(
          "cannot spawn "
              + name
              + ": "
              + (ended ? "task " + id + " has ended" : "the pipeline is stopping"));
    }
    TaskContext childCtx = new TaskContext(this, name, ctxTime());
    Runnable body =
        () -> {
          CURRENT.set(this);
          try {
            task.run(childCtx);
          } catch (EndOfStreamException | BufferClosedException e) {
            // normal end
          } catch (InterruptedException e) {
            // a child is only ever interrupted to stop it: its parent ended or restarts,
            // the handle was cancelled, or the pipeline stops
          } catch (Throwable t) {
            recordFailure(t);
            logFailure(t, "child task " + name + " ended");
          } finally {
            CURRENT.remove();
          }
        };
    Completion ended = new Completion();
    // Registered before it starts, so a stop that runs from now on sees it (LaneFullException:
    // budget used up, thrown before anything is registered).
    Thread[] registered = new Thread[1];
    Thread child;
    try {
      child =
          lane.start(
              this,
              "runnel:" + name,
              body,
              t -> children.register(registered[0] = t),
              ended::complete);
    } catch (RuntimeException | Error e) {
      if (registered[0] != null) {
        children.unregister(registered[0]); // it never started (out of threads, say)
      }
      throw e;
    }
    if (this.ended || stopping()) {
      // Dekker with close() (sets stopping, then interrupts the registered) and with the task's
      // end (sets ended, then stops the registered): one of the two sides sees the other.
      child.interrupt();
    }
    return new TaskHandle() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public boolean isDone() {
        return ended.isDone();
      }

      @Override
      public void cancel() {
        child.interrupt();
      }

      /**
       * Waits at a Runnel waiting point (not {@code Thread.join}): a slot lane lends the slot to
       * the child meanwhile, and a simulation runs the child and counts the timeout in virtual
       * time.
       */
      @Override
      public boolean join(Duration timeout) throws InterruptedException {
        java.util.Objects.requireNonNull(timeout, "timeout");
        return ended.await(Durations.saturatedNanos(timeout));
      }
    };
  }

  private TimeSource ctxTime() {
    return runtime.time;
  }

  /** Interrupts the task (and its children) to stop it. */
  void interrupt() {
    stopRequested = true;
    Thread t = thread;
    if (t != null) {
      t.interrupt();
    }
    for (Thread child : children.live()) {
      child.interrupt();
    }
  }

  /** Waits until the task and its children ended, or the deadline ({@link System#nanoTime}). */
  boolean awaitUntil(long deadline) throws InterruptedException {
    Thread t = thread;
    if (t != null) {
      long remaining = deadline - System.nanoTime();
      if (remaining > 0) {
        t.join(Duration.ofNanos(remaining));
      }
      if (t.isAlive()) {
        return false;
      }
    }
    // Children may spawn children while we wait: re-scan until none is left or time is up.
    for (; ; ) {
      List<Thread> live = children.live();
      if (live.isEmpty()) {
        return true;
      }
      if (deadline - System.nanoTime() <= 0) {
        return false;
      }
      for (Thread child : live) {
        long remaining = deadline - System.nanoTime();
        if (remaining > 0) {
          if (child.getState() == Thread.State.NEW) {
            Thread.sleep(1); // registered, its spawner is starting it
          } else {
            child.join(Duration.ofNanos(remaining));
          }
        }
      }
    }
  }

  boolean isAlive() {
    Thread t = thread;
    if (t != null && t.isAlive()) {
      return true;
    }
    for (Thread child : children.live()) {
      if (child.isAlive()) {
        return true;
      }
    }
    return false;
  }

  /** The stack of the task's thread, or of its first live child if the task itself ended. */
  StackTraceElement[] stack() {
    Thread t = thread;
    if (t != null && t.isAlive()) {
      return t.getStackTrace();
    }
    for (Thread child : children.live()) {
      if (child.isAlive()) {
        return child.getStackTrace();
      }
    }
    return new StackTraceElement[0];
  }

  void markStuck() {
    if (isAlive()) {
      state = TaskInfo.State.STUCK;
    }
  }

  TaskInfo.State state() {
    return state;
  }

  TaskInfo info() {
    return new TaskInfo(
        id,
        kind,
        record.id,
        inputs,
        state,
        failures.get(),
        valueFailures.get(),
        restarts.get(),
        lastError,
        lane.name,
        watchdogReports.get(),
        Histograms.lateness(ticks.get(), missedTicks.get(), latenessSnapshot()));
  }
}
