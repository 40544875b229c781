package io.runnel.internal.time;

import io.runnel.sim.Simulation;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;

/**
 * Deterministic simulated execution: virtual time, one thread running at a time, the next one
 * chosen by a seeded random generator.
 *
 * <h2>Implementation overview</h2>
 *
 * <p>Every thread of a simulated pipeline is registered here before it starts. A <em>baton</em>
 * ({@link #current}) names the one thread allowed to run; all others wait in {@link #awaitBaton}.
 * The test thread that calls {@link Simulation#advance} is the <em>driver</em> and holds the baton
 * while the simulation is paused.
 *
 * <p>A thread gives the baton up only at a Runnel waiting point ({@link #park}) or when it ends.
 * The thread giving it up makes the scheduling decision itself ({@link #scheduleNext}), under the
 * lock: pick a runnable thread at random (seeded, among threads ordered by registration); if none,
 * move virtual time to the earliest timer within the driver's limit and make every thread due then
 * runnable; if none is due before the limit, move time to the limit and hand the baton back to the
 * driver. Wake-ups ({@link Parking#unpark}) are routed here and only mark a thread runnable, so the
 * order of execution depends on nothing but the seed and the pipeline. A thread whose own timer is
 * next simply continues: a lone 1 kHz ticker runs without any thread switch.
 *
 * <p>A thread that holds the baton for longer than the stuck timeout in real time is blocked
 * outside Runnel (a {@code Thread.sleep}, a socket, a lock): the driver reports it with its stack.
 */
public final class SimScheduler implements Parking.Waker, TimeSource {

  private enum State {
    RUNNABLE,
    RUNNING,
    BLOCKED,
    DONE
  }

  private static final class SimThread {
    final Thread thread;
    final long seq;
    State state = State.RUNNABLE;
    boolean permit;
    long deadline = Parking.NO_DEADLINE;

    SimThread(Thread thread, long seq) {
      this.thread = thread;
      this.seq = seq;
    }
  }

  private static final Object DRIVER = new Object();

  private final ReentrantLock lock = new ReentrantLock();
  private final Map<Thread, SimThread> threads = new HashMap<>();
  private final List<SimThread> runnable = new ArrayList<>(); // ordered by seq
  private final PriorityQueue<SimThread> timers =
      new PriorityQueue<>(
          (a, b) ->
              a.deadline != b.deadline
                  ? Long.compare(a.deadline, b.deadline)
                  : Long.compare(a.seq, b.seq));
  private final SplittableRandom random;
  private final Instant epoch;
  private final long stuckNanos;
  private long seqGen;
  private long limit;
  private volatile long now;
  private volatile Object current = DRIVER;
  private volatile Thread driver;
  private volatile boolean released;
  private volatile long switches;

  private final long seed;

  public SimScheduler(long seed, Instant epoch, Duration stuckTimeout) {
    this.seed = seed;
    this.random = new SplittableRandom(seed);
    this.epoch = epoch;
    this.stuckNanos = stuckTimeout.toNanos();
  }

  /**
   * A random generator of one task's own (restart jitter), derived from the seed and the task's id,
   * so that it does not depend on the order in which tasks happen to draw.
   */
  public java.util.random.RandomGenerator randomFor(String taskId) {
    return new SplittableRandom(seed * 0x9E3779B97F4A7C15L + taskId.hashCode());
  }

  // ---- TimeSource

  @Override
  public long nanoTime() {
    return now;
  }

  @Override
  public Instant now() {
    return epoch.plusNanos(now);
  }

  // ---- threads

  /** Registers a thread before it starts; it first runs when the scheduler picks it. */
  public void register(Thread thread) {
    lock.lock();
    try {
      SimThread st = new SimThread(thread, seqGen++);
      threads.put(thread, st);
      runnable.add(st);
    } finally {
      lock.unlock();
    }
  }

  private SimThread self() {
    lock.lock();
    try {
      return threads.get(Thread.currentThread());
    } finally {
      lock.unlock();
    }
  }

  /** Called first on a registered thread: waits for its first turn. */
  public void begin() {
    SimThread st = self();
    if (st != null) {
      awaitBaton(st);
    }
  }

  /** Called last on a registered thread. */
  public void end() {
    lock.lock();
    try {
      SimThread st = threads.remove(Thread.currentThread());
      if (st == null) {
        return;
      }
      st.state = State.DONE;
      runnable.remove(st);
      timers.remove(st);
      if (current == st && !released) {
        scheduleNext();
      }
    } finally {
      lock.unlock();
    }
  }

  @Override
  public boolean unpark(Thread thread) {
    if (released) {
      return false;
    }
    lock.lock();
    try {
      SimThread st = threads.get(thread);
      if (st == null) {
        return false;
      }
      switch (st.state) {
        case BLOCKED -> {
          timers.remove(st);
          makeRunnable(st);
        }
        case RUNNING, RUNNABLE -> st.permit = true;
        case DONE -> {}
      }
      return true;
    } finally {
      lock.unlock();
    }
  }

  private void makeRunnable(SimThread st) {
    st.state = State.RUNNABLE;
    st.deadline = Parking.NO_DEADLINE;
    int i = 0;
    while (i < runnable.size() && runnable.get(i).seq < st.seq) {
      i++;
    }
    runnable.add(i, st);
  }

  /** A Runnel waiting point on a simulated thread (deadline in virtual nanoseconds). */
  public void park(long deadline) {
    if (released) {
      LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(1));
      return;
    }
    SimThread st;
    lock.lock();
    try {
      st = threads.get(Thread.currentThread());
      if (st == null || current != st) {
        return; // not ours, or not running under the scheduler: a spurious return is allowed
      }
      if (st.permit) {
        st.permit = false;
        return;
      }
      if (deadline != Parking.NO_DEADLINE && deadline - now <= 0) {
        return;
      }
      st.state = State.BLOCKED;
      st.deadline = deadline;
      if (deadline != Parking.NO_DEADLINE) {
        timers.add(st);
      }
      scheduleNext();
    } finally {
      lock.unlock();
    }
    awaitBaton(st);
  }

  /** Gives the baton to the next thread (lock held; the caller has given it up). */
  private void scheduleNext() {
    switches++;
    for (; ; ) {
      if (!runnable.isEmpty()) {
        SimThread next =
            runnable.remove(runnable.size() == 1 ? 0 : random.nextInt(runnable.size()));
        next.state = State.RUNNING;
        current = next;
        if (next.thread != Thread.currentThread()) {
          LockSupport.unpark(next.thread);
        }
        return;
      }
      SimThread first = timers.peek();
      if (first != null && first.deadline - limit <= 0) {
        if (first.deadline - now > 0) {
          now = first.deadline;
        }
        while (!timers.isEmpty() && timers.peek().deadline - now <= 0) {
          makeRunnable(timers.poll());
        }
        continue;
      }
      if (limit - now > 0) {
        now = limit;
      }
      current = DRIVER;
      Thread d = driver;
      if (d != null && d != Thread.currentThread()) {
        LockSupport.unpark(d);
      }
      return;
    }
  }

  private void awaitBaton(SimThread st) {
    boolean interrupted = false;
    while (current != st && !released) {
      LockSupport.park(this);
      if (Thread.interrupted()) {
        interrupted = true;
        lock.lock();
        try {
          if (st.state == State.BLOCKED) {
            timers.remove(st);
            makeRunnable(st); // it must run to see its interrupt
          }
        } finally {
          lock.unlock();
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  // ---- driver

  /** Runs the simulation for {@code duration} of virtual time; see {@link Simulation#advance}. */
  public void advance(Duration duration) {
    if (released) {
      throw new IllegalStateException("the simulation has been closed");
    }
    lock.lock();
    try {
      if (current != DRIVER) {
        throw new IllegalStateException("advance() called while the simulation is running");
      }
      driver = Thread.currentThread();
      limit = now + duration.toNanos();
      scheduleNext();
    } finally {
      lock.unlock();
    }
    long seen = switches;
    long lastProgress = System.nanoTime();
    while (current != DRIVER) {
      LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(5));
      if (Thread.interrupted()) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while the simulation was running");
      }
      long s = switches;
      if (s != seen) {
        seen = s;
        lastProgress = System.nanoTime();
      } else if (System.nanoTime() - lastProgress > stuckNanos) {
        Object holder = current;
        if (holder instanceof SimThread st && current == holder && switches == seen) {
          throw new SimulationStuckException(
              "simulated thread '"
                  + st.thread.getName()
                  + "' has run for more than "
                  + Duration.ofNanos(stuckNanos).toMillis()
                  + " ms of real time without reaching a Runnel waiting point (at virtual time "
                  + Duration.ofNanos(now)
                  + "): it is blocked outside Runnel (Thread.sleep, I/O, a lock) or computing"
                  + " without end. It is at:\n    "
                  + Arrays.stream(st.thread.getStackTrace())
                      .limit(25)
                      .map(String::valueOf)
                      .collect(Collectors.joining("\n    ")));
        }
      }
    }
  }

  /** Lets every thread run freely (in real time) from now on, so that a pipeline can shut down. */
  private final java.util.List<AutoCloseable> pipelines =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  /** Remembers a pipeline built for this simulation, so that closing the simulation closes it. */
  public void adopt(AutoCloseable pipeline) {
    pipelines.add(pipeline);
  }

  /** Closes every adopted pipeline (after {@link #release()}: they end in real time). */
  public void closePipelines() {
    for (AutoCloseable p : pipelines) {
      try {
        p.close();
      } catch (Exception e) {
        System.getLogger(SimScheduler.class.getName())
            .log(System.Logger.Level.WARNING, "closing a simulated pipeline failed", e);
      }
    }
  }

  public void release() {
    released = true;
    lock.lock();
    try {
      for (SimThread st : threads.values()) {
        LockSupport.unpark(st.thread);
      }
    } finally {
      lock.unlock();
    }
  }

  boolean isReleased() {
    return released;
  }

  /** Thrown by {@link Simulation#advance} when a simulated task blocks outside Runnel. */
  static final class SimulationStuckException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    SimulationStuckException(String message) {
      super(message);
    }
  }
}
