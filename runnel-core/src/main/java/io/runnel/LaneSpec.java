package io.runnel;

import io.runnel.spi.Checks;
import java.time.Duration;
import java.util.Arrays;

/**
 * Where tasks run: a lane's kind and its settings. An immutable value; declare lanes with {@link
 * RunnelBuilder#lane(String, LaneSpec)} and assign tasks with {@link Registration#lane(String)}.
 * Pipeline code is the same on every lane: receive, sleep, tick and produce behave alike, only what
 * a wait costs and who else may run meanwhile change.
 *
 * <table>
 *   <caption>Lane kinds</caption>
 *   <tr><th>kind</th><th>runs each task on</th><th>for</th></tr>
 *   <tr><td>{@link #virtual()}</td><td>a virtual thread (the default lane)</td><td>most work</td></tr>
 *   <tr><td>{@link #dedicated()}</td><td>its own platform thread, optionally pinned to CPUs and with a
 *       raised priority, waiting with a {@link WaitStrategy}</td><td>hard periodic loops</td></tr>
 *   <tr><td>{@link #blockingPool(int, int)}</td><td>one of N platform threads; tasks beyond N wait in a
 *       bounded queue for a thread; beyond that, starting fails loudly</td><td>calls into blocking
 *       libraries (JDBC, JNI) that pin or starve virtual-thread carriers</td></tr>
 *   <tr><td>{@link #cooperative(int)}</td><td>virtual threads of which only one runs at a time, switching
 *       only at Runnel's waiting points; at most N tasks</td><td>small devices; plain shared state between
 *       the lane's tasks without locks</td></tr>
 * </table>
 *
 * <p>Every lane has a watchdog: a task that runs longer than the lane's {@linkplain
 * #watchdog(Duration) limit} without reaching a waiting point is reported with its lane, task,
 * record key, duration and stack trace.
 */
public final class LaneSpec {

  /** The lane kinds. */
  public enum Kind {
    VIRTUAL,
    DEDICATED,
    BLOCKING_POOL,
    COOPERATIVE
  }

  /** The last part of a wait that {@link WaitStrategy#SPIN_THEN_PARK} spins instead of parking. */
  public static final long SPIN_WINDOW_MICROS = 100;

  /** The default watchdog limit of virtual, pool and cooperative lanes. */
  public static final Duration DEFAULT_WATCHDOG = Duration.ofMillis(500);

  /** The default watchdog limit of dedicated lanes. */
  public static final Duration DEFAULT_DEDICATED_WATCHDOG = Duration.ofMillis(50);

  private final Kind kind;
  private final int threads;
  private final int queue;
  private final int maxTasks;
  private final WaitStrategy waitStrategy;
  private final int[] cpus;
  private final Integer niceness;
  private final Integer realtimePriority;
  private final Duration watchdog;

  private LaneSpec(
      Kind kind,
      int threads,
      int queue,
      int maxTasks,
      WaitStrategy waitStrategy,
      int[] cpus,
      Integer niceness,
      Integer realtimePriority,
      Duration watchdog) {
    this.kind = kind;
    this.threads = threads;
    this.queue = queue;
    this.maxTasks = maxTasks;
    this.waitStrategy = waitStrategy;
    this.cpus = cpus;
    this.niceness = niceness;
    this.realtimePriority = realtimePriority;
    this.watchdog = watchdog;
  }

  /** Virtual threads: the default lane. */
  public static LaneSpec virtual() {
    return new LaneSpec(
        Kind.VIRTUAL,
        0,
        0,
        Integer.MAX_VALUE,
        WaitStrategy.PARK,
        new int[0],
        null,
        null,
        DEFAULT_WATCHDOG);
  }

  /** One platform thread per task, waiting with {@link WaitStrategy#SPIN_THEN_PARK}. */
  public static LaneSpec dedicated() {
    return new LaneSpec(
        Kind.DEDICATED,
        0,
        0,
        Integer.MAX_VALUE,
        WaitStrategy.SPIN_THEN_PARK,
        new int[0],
        null,
        null,
        DEFAULT_DEDICATED_WATCHDOG);
  }

  /**
   * A bounded pool: {@code threads} platform threads; up to {@code queue} more tasks wait for a
   * thread; a task beyond that fails to start (counted, logged, state FAILED).
   */
  public static LaneSpec blockingPool(int threads, int queue) {
    if (threads < 1) {
      throw new IllegalArgumentException("a blocking pool needs at least 1 thread, got " + threads);
    }
    if (queue < 0) {
      throw new IllegalArgumentException("a blocking pool's queue must be >= 0, got " + queue);
    }
    return new LaneSpec(
        Kind.BLOCKING_POOL,
        threads,
        queue,
        Integer.MAX_VALUE,
        WaitStrategy.PARK,
        new int[0],
        null,
        null,
        DEFAULT_WATCHDOG);
  }

  /**
   * One task runs at a time; tasks switch only at Runnel's waiting points (receive, sleep, tick,
   * produce). At most {@code maxTasks} tasks (including spawned children); more is a build error or
   * a spawn error.
   */
  public static LaneSpec cooperative(int maxTasks) {
    if (maxTasks < 1) {
      throw new IllegalArgumentException(
          "a cooperative lane needs a budget of at least 1 task, got " + maxTasks);
    }
    return new LaneSpec(
        Kind.COOPERATIVE,
        1,
        0,
        maxTasks,
        WaitStrategy.PARK,
        new int[0],
        null,
        null,
        DEFAULT_WATCHDOG);
  }

  /** The same lane with another wait strategy (dedicated lanes only). */
  public LaneSpec waitStrategy(WaitStrategy strategy) {
    Checks.notNull("strategy", strategy);
    requireKind(Kind.DEDICATED, "a wait strategy");
    return new LaneSpec(
        kind, threads, queue, maxTasks, strategy, cpus, niceness, realtimePriority, watchdog);
  }

  /**
   * The same lane with its threads pinned to these CPUs (dedicated lanes only). Best effort: where
   * the platform does not allow it, a warning is logged once and the lane runs unpinned.
   */
  public LaneSpec cpus(int... cpus) {
    requireKind(Kind.DEDICATED, "CPU pinning");
    for (int cpu : cpus) {
      if (cpu < 0) {
        throw new IllegalArgumentException("CPU numbers are >= 0, got " + cpu);
      }
    }
    return new LaneSpec(
        kind,
        threads,
        queue,
        maxTasks,
        waitStrategy,
        cpus.clone(),
        niceness,
        realtimePriority,
        watchdog);
  }

  /**
   * The same lane with its threads at this Linux niceness, -20 (highest priority) to 19 (dedicated
   * lanes only). Best effort: raising priority needs privileges; without them a warning is logged
   * once and the threads keep the default priority.
   */
  public LaneSpec niceness(int niceness) {
    requireKind(Kind.DEDICATED, "a thread priority");
    if (niceness < -20 || niceness > 19) {
      throw new IllegalArgumentException("niceness must be between -20 and 19, got " + niceness);
    }
    return new LaneSpec(
        kind, threads, queue, maxTasks, waitStrategy, cpus, niceness, realtimePriority, watchdog);
  }

  /**
   * The same lane with its threads in Linux's real-time FIFO class ({@code SCHED_FIFO}) at this
   * priority, 1 to 99 (dedicated lanes only): they then preempt every ordinary thread on their CPU.
   * Best effort, through {@code chrt}: it needs root or {@code CAP_SYS_NICE}; without it a warning
   * is logged once and the threads keep the default class. Use with a wait strategy that parks
   * ({@code PARK} or {@code SPIN_THEN_PARK}): a busy-spinning real-time thread holds its CPU until
   * the kernel's real-time throttling (by default 95% of each second) stops it.
   */
  public LaneSpec realtime(int priority) {
    requireKind(Kind.DEDICATED, "a real-time priority");
    if (priority < 1 || priority > 99) {
      throw new IllegalArgumentException(
          "real-time priority must be between 1 and 99, got " + priority);
    }
    return new LaneSpec(
        kind, threads, queue, maxTasks, waitStrategy, cpus, niceness, priority, watchdog);
  }

  /** The same lane with another watchdog limit. */
  public LaneSpec watchdog(Duration limit) {
    Checks.positive("watchdogLimit", limit);
    return new LaneSpec(
        kind, threads, queue, maxTasks, waitStrategy, cpus, niceness, realtimePriority, limit);
  }

  private void requireKind(Kind required, String what) {
    if (kind != required) {
      throw new IllegalArgumentException(
          what + " applies to " + required.name().toLowerCase() + " lanes, not to " + this);
    }
  }

  public Kind kind() {
    return kind;
  }

  /** Pool threads (blocking pool), 1 (cooperative) or 0 (one thread per task). */
  public int threads() {
    return threads;
  }

  /** Tasks that may wait for a pool thread (blocking pool). */
  public int queue() {
    return queue;
  }

  /** The task budget (cooperative), else unlimited. */
  public int maxTasks() {
    return maxTasks;
  }

  /**
   * How many tasks (including spawned children) the lane takes at a time: threads plus queue for a
   * blocking pool, the budget of a cooperative lane, otherwise unlimited.
   */
  public int taskBudget() {
    return kind == Kind.BLOCKING_POOL ? threads + queue : maxTasks;
  }

  public WaitStrategy waitStrategy() {
    return waitStrategy;
  }

  public int[] cpus() {
    return cpus.clone();
  }

  /** The requested niceness, or null for the default. */
  public Integer niceness() {
    return niceness;
  }

  /** The requested {@code SCHED_FIFO} priority, or null for the default scheduling class. */
  public Integer realtimePriority() {
    return realtimePriority;
  }

  public Duration watchdogLimit() {
    return watchdog;
  }

  @Override
  public String toString() {
    return switch (kind) {
      case VIRTUAL -> "virtual";
      case DEDICATED ->
          "dedicated("
              + waitStrategy.name().toLowerCase()
              + (cpus.length > 0 ? ", cpus " + Arrays.toString(cpus) : "")
              + (niceness != null ? ", nice " + niceness : "")
              + (realtimePriority != null ? ", fifo " + realtimePriority : "")
              + ")";
      case BLOCKING_POOL -> "blockingPool(" + threads + " threads, queue " + queue + ")";
      case COOPERATIVE -> "cooperative(max " + maxTasks + " tasks)";
    };
  }
}
