package io.runnel;

import io.runnel.buffer.BufferClosedException;
import io.runnel.buffer.EndOfStreamException;
import io.runnel.inspect.TaskInfo;
import io.runnel.internal.LogLimiter;
import io.runnel.internal.TimeSource;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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
final class TaskRunner {

  /** A task body. */
  interface Body {
    void run(TaskContext ctx) throws Exception;
  }

  private static final System.Logger LOG = System.getLogger(Runnel.class.getName());

  final Runnel runtime;
  final String id;
  final TaskInfo.Kind kind;
  final RecordDef<?> record;
  final List<String> inputs;
  private final Body body;
  private final RestartPolicy policy;
  private final Runnable onEnd;
  final TaskContext ctx;

  private volatile TaskInfo.State state = TaskInfo.State.NEW;
  private final AtomicLong failures = new AtomicLong();
  private final AtomicLong valueFailures = new AtomicLong();
  private final AtomicLong restarts = new AtomicLong();
  private volatile String lastError;
  private final LogLimiter errorLog = new LogLimiter(5, TimeUnit.SECONDS.toNanos(10));
  private final LogLimiter lagLog = new LogLimiter(3, TimeUnit.SECONDS.toNanos(10));

  private volatile Thread thread;
  private final Set<Thread> children = ConcurrentHashMap.newKeySet();

  TaskRunner(
      Runnel runtime,
      String id,
      TaskInfo.Kind kind,
      RecordDef<?> record,
      List<String> inputs,
      RestartPolicy policy,
      TimeSource time,
      Body body,
      Runnable onEnd) {
    this.runtime = runtime;
    this.id = id;
    this.kind = kind;
    this.record = record;
    this.inputs = List.copyOf(inputs);
    this.policy = policy;
    this.body = body;
    this.onEnd = onEnd;
    this.ctx = new TaskContext(this, id, time);
  }

  void start() {
    state = TaskInfo.State.RUNNING;
    thread = Thread.ofVirtual().name("runnel:" + id).start(this::runLoop);
  }

  private void runLoop() {
    int attempt = 0;
    try {
      for (; ; ) {
        long startedAt = System.nanoTime();
        Throwable failure;
        try {
          body.run(ctx);
          state = TaskInfo.State.DONE;
          return;
        } catch (EndOfStreamException | BufferClosedException e) {
          state = TaskInfo.State.DONE;
          return;
        } catch (InterruptedException e) {
          if (runtime.isStopping()) {
            state = TaskInfo.State.DONE;
            return;
          }
          failure = e;
        } catch (Throwable t) {
          failure = t;
        }
        if (runtime.isStopping()) {
          logFailure(failure, "while stopping; not restarting");
          recordFailure(failure);
          state = TaskInfo.State.DONE;
          return;
        }
        recordFailure(failure);
        if (System.nanoTime() - startedAt > policy.max().toNanos()) {
          attempt = 0; // it ran well for a while: start the backoff over
        }
        Duration delay = policy.delayBefore(attempt++);
        if (delay == null) {
          logFailure(failure, "restart policy " + policy + " exhausted; the task stays failed");
          state = TaskInfo.State.FAILED;
          return;
        }
        logFailure(failure, "restarting in " + delay.toMillis() + " ms (" + policy + ")");
        state = TaskInfo.State.RESTARTING;
        try {
          ctx.sleep(delay);
        } catch (InterruptedException e) {
          state = TaskInfo.State.DONE;
          return;
        }
        if (runtime.isStopping()) {
          state = TaskInfo.State.DONE;
          return;
        }
        restarts.incrementAndGet();
        state = TaskInfo.State.RUNNING;
      }
    } finally {
      for (Thread child : children) {
        child.interrupt();
      }
      onEnd.run();
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
              + (suppressed > 0 ? " (" + suppressed + " similar messages suppressed)" : ""),
          failure);
    }
  }

  /** A per-value callback threw: count and log (rate-limited); the task goes on. */
  void valueFailed(Exception e, Object value) {
    valueFailures.incrementAndGet();
    lastError = describe(e);
    long suppressed = errorLog.tryAcquire();
    if (suppressed >= 0) {
      String v = String.valueOf(value);
      ctx.log().log(
          System.Logger.Level.ERROR,
          kind.name().toLowerCase()
              + " of '"
              + record.id
              + "' threw for value "
              + (v.length() > 200 ? v.substring(0, 200) + "..." : v)
              + "; skipped it and continuing"
              + (suppressed > 0 ? " (" + suppressed + " similar messages suppressed)" : ""),
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
              + (suppressed > 0 ? " (" + suppressed + " similar messages suppressed)" : ""));
    }
  }

  private static String describe(Throwable t) {
    String m = t.getMessage();
    return t.getClass().getName() + (m == null ? "" : ": " + m);
  }

  TaskHandle spawnChild(String name, RuntimeContext.ChildTask task) {
    TaskContext childCtx = new TaskContext(this, name, ctxTime());
    Thread child =
        Thread.ofVirtual()
            .name("runnel:" + name)
            .unstarted(
                () -> {
                  try {
                    task.run(childCtx);
                  } catch (EndOfStreamException | BufferClosedException e) {
                    // normal end
                  } catch (InterruptedException e) {
                    if (!runtime.isStopping()) {
                      recordFailure(e);
                    }
                  } catch (Throwable t) {
                    recordFailure(t);
                    logFailure(t, "child task " + name + " ended");
                  } finally {
                    children.remove(Thread.currentThread());
                  }
                });
    children.add(child);
    child.start();
    return new TaskHandle() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public boolean isDone() {
        return !child.isAlive();
      }

      @Override
      public void cancel() {
        child.interrupt();
      }

      @Override
      public boolean join(Duration timeout) throws InterruptedException {
        return child.join(timeout);
      }
    };
  }

  private TimeSource ctxTime() {
    return runtime.time;
  }

  void interrupt() {
    Thread t = thread;
    if (t != null) {
      t.interrupt();
    }
    for (Thread child : children) {
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
    for (Thread child : children) {
      long remaining = deadline - System.nanoTime();
      if (remaining > 0) {
        child.join(Duration.ofNanos(remaining));
      }
      if (child.isAlive()) {
        return false;
      }
    }
    return true;
  }

  boolean isAlive() {
    Thread t = thread;
    if (t != null && t.isAlive()) {
      return true;
    }
    for (Thread child : children) {
      if (child.isAlive()) {
        return true;
      }
    }
    return false;
  }

  StackTraceElement[] stack() {
    Thread t = thread;
    return t == null ? new StackTraceElement[0] : t.getStackTrace();
  }

  void markStuck() {
    state = TaskInfo.State.STUCK;
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
        lastError);
  }
}
