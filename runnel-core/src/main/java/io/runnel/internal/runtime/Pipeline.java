package io.runnel.internal.runtime;

import io.runnel.GraphProblem;
import io.runnel.LaneSpec;
import io.runnel.RecordKey;
import io.runnel.Registration;
import io.runnel.RestartPolicy;
import io.runnel.Runnel;
import io.runnel.buffer.BufferSpec;
import io.runnel.buffer.Producer;
import io.runnel.buffer.Reader;
import io.runnel.inspect.GraphSnapshot;
import io.runnel.inspect.TaskInfo;
import io.runnel.internal.graph.GraphChecker;
import io.runnel.internal.lane.Lane;
import io.runnel.internal.lane.Watchdog;
import io.runnel.internal.time.Parking;
import io.runnel.internal.time.SimScheduler;
import io.runnel.internal.time.TimeSource;
import io.runnel.spi.Connector;
import io.runnel.spi.Durations;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * The run-time side of a built pipeline: its records (buffer, writer, taps, hooks), its tasks, its
 * lanes and connectors, and the lifecycle that starts and stops them. {@link io.runnel.Runnel} is
 * its public face; see there for the lifecycle contract.
 *
 * <p>Threads: the constructor runs on the caller of {@code build()}; {@link #start}, {@link #close}
 * and {@link #inspect} may be called from any thread (the lifecycle is serialised by a lock); the
 * watchdog runs on its own platform thread ({@link io.runnel.internal.lane.Watchdog}).
 */
public final class Pipeline {

  private static final System.Logger LOG = System.getLogger(Runnel.class.getName());

  public final String name;
  final TimeSource time;
  private final Duration shutdownTimeout;
  private final Map<String, RecordNode<?>> nodes = new LinkedHashMap<>();
  private final List<TaskRunner> tasks = new ArrayList<>();
  private final Map<String, Lane> lanes = new LinkedHashMap<>();
  private volatile Thread watchdog;
  private final SimScheduler simulation;
  private final List<Connector> connectors;
  private final List<Connector> startedConnectors = new ArrayList<>();
  private final List<GraphProblem> warnings;
  private final List<String> order;
  private final Object lifecycle = new Object();
  private volatile Runnel.State state = Runnel.State.BUILT;
  private volatile boolean stopping;
  private final java.util.concurrent.CountDownLatch closed =
      new java.util.concurrent.CountDownLatch(1);

  public Pipeline(
      String name,
      GraphChecker graph,
      BufferSpec defaultBuffer,
      RestartPolicy defaultRestart,
      Duration shutdownTimeout,
      TimeSource time,
      Map<String, LaneSpec> laneSpecs,
      SimScheduler simulation,
      List<Connector> connectors) {
    this.name = name;
    this.connectors = connectors;
    this.time = time;
    this.simulation = simulation;
    laneSpecs.forEach(
        (laneName, spec) ->
            lanes.put(
                laneName,
                simulation == null
                    ? Lane.create(laneName, spec)
                    : Lane.simulated(laneName, spec, simulation)));
    this.shutdownTimeout = shutdownTimeout;
    this.warnings = List.copyOf(graph.warnings);
    this.order = List.copyOf(graph.order);
    for (String id : order) {
      nodes.put(id, new RecordNode<>(graph.records.get(id), defaultBuffer));
    }
    TaskFactory factory = new TaskFactory(this, nodes, lanes, time);
    for (String id : order) {
      RecordNode<?> node = nodes.get(id);
      RestartPolicy policy = node.def.restart != null ? node.def.restart : defaultRestart;
      if (!node.def.writers.isEmpty()) {
        tasks.add(factory.writer(node, node.def.writers.get(0), policy));
      }
      tasks.addAll(factory.taps(node, policy));
    }
    for (GraphProblem w : warnings) {
      LOG.log(System.Logger.Level.WARNING, "[" + name + "] " + w.message());
    }
  }

  /**
   * Starts every task.
   *
   * @return this
   * @throws IllegalStateException if already started or closed
   */
  public void start(Runnel owner) {
    synchronized (lifecycle) {
      if (state != Runnel.State.BUILT) {
        throw new IllegalStateException(
            "pipeline '" + name + "' is " + state + "; start() may be called once");
      }
      nodes
          .values()
          .forEach(
              n ->
                  n.restore(
                      name)); // before connectors, which may produce into outside records at once
      startConnectors(owner);
      state = Runnel.State.RUNNING;
      startTasks(); // under the lock, so that a concurrent close() sees every thread started
      watchdog =
          Watchdog.start(
              name,
              lanes.values(),
              () -> state == Runnel.State.RUNNING || state == Runnel.State.STOPPING);
    }
  }

  private void startConnectors(Runnel owner) {
    for (Connector c : connectors) {
      try {
        c.start(owner);
        startedConnectors.add(c);
      } catch (Exception e) {
        closeConnectors();
        throw new IllegalStateException(
            "pipeline '" + name + "' cannot start: connector '" + c.name() + "' failed: " + e, e);
      }
    }
  }

  private void closeConnectors() {
    for (int i = startedConnectors.size() - 1; i >= 0; i--) {
      Connector c = startedConnectors.get(i);
      try {
        c.close();
      } catch (RuntimeException e) {
        LOG.log(
            System.Logger.Level.WARNING,
            "[" + name + "] connector '" + c.name() + "' close failed",
            e);
      }
    }
    startedConnectors.clear();
  }

  private void startTasks() {
    LOG.log(
        System.Logger.Level.DEBUG,
        () ->
            "[" + name + "] starting " + nodes.size() + " records and " + tasks.size() + " tasks");
    // Consumers first, so that they are waiting when the first values arrive (their readers exist
    // already, so nothing would be lost either way).
    for (TaskRunner t : tasks) {
      if (t.kind != TaskInfo.Kind.SOURCE) {
        t.start();
      }
    }
    for (TaskRunner t : tasks) {
      if (t.kind == TaskInfo.Kind.SOURCE) {
        t.start();
      }
    }
  }

  public Runnel.State state() {
    return state;
  }

  /** Whether {@link #close()} has begun. */
  public boolean isStopping() {
    return stopping;
  }

  /** Warnings found when the graph was built (never errors: those fail the build). */
  public List<GraphProblem> warnings() {
    return warnings;
  }

  /**
   * Subscribes a reader from outside the graph (a UI, a test, a connector). It counts as a consumer
   * of the record; close it when done.
   *
   * @throws IllegalArgumentException if the record does not exist or holds another type
   */
  /** The Java type of record {@code key}, or empty if the pipeline has no such record. */
  public java.util.Optional<Class<?>> recordType(String key) {
    RecordNode<?> node = nodes.get(key);
    return node == null ? java.util.Optional.empty() : java.util.Optional.of(node.def.type);
  }

  public <T> Reader<T> subscribe(Class<T> type, RecordKey key) {
    RecordNode<T> node = lookup(type, key, false);
    node.outsideReaders.incrementAndGet();
    return new OutsideReader<>(node.buffer.subscribe(), node.outsideReaders);
  }

  /**
   * The producer for a record written from outside the graph (see {@link Registration#external()}).
   * Safe to call from several threads: calls are serialised.
   *
   * @throws IllegalArgumentException if the record does not exist, holds another type, or has a
   *     writer in the graph
   */
  public <T> Producer<T> producer(Class<T> type, RecordKey key) {
    RecordNode<T> node = lookup(type, key, true);
    if (node.writer != null) {
      throw new IllegalArgumentException(
          "record '"
              + node.def.id
              + "' is written by its "
              + node.writer.kind.name().toLowerCase()
              + "; a record has at most one writer, so it cannot also be written from outside");
    }
    return node.outsideProducer();
  }

  @SuppressWarnings("unchecked")
  private <T> RecordNode<T> lookup(Class<T> type, RecordKey key, boolean exact) {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(key, "key");
    RecordNode<T> node = (RecordNode<T>) nodes.get(key.id());
    if (node == null) {
      throw new IllegalArgumentException(
          "no record '" + key.id() + "' in pipeline '" + name + "'; configured: " + nodes.keySet());
    }
    boolean ok =
        exact ? node.def.type.isAssignableFrom(type) : type.isAssignableFrom(node.def.type);
    if (!ok) {
      throw new IllegalArgumentException(
          "record '"
              + key.id()
              + "' holds "
              + GraphChecker.typeName(node.def.type)
              + ", not "
              + GraphChecker.typeName(type));
    }
    return node;
  }

  /** A snapshot of every record, task, edge, lane and connector, with counters. */
  public GraphSnapshot inspect() {
    return Inspector.snapshot(
        time.now(), state, nodes.values(), tasks, lanes.values(), connectors, order);
  }

  /**
   * Waits until every task has ended (finite sources finished and everything downstream drained),
   * or the timeout passes.
   *
   * @return whether every task ended
   */
  public boolean awaitCompletion(Duration timeout) throws InterruptedException {
    long deadline = Parking.deadlineAfter(Durations.saturatedNanos(timeout));
    for (TaskRunner t : tasks) {
      if (!t.awaitUntil(deadline)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Stops gracefully within the shutdown timeout (see the class documentation). Idempotent; a
   * concurrent caller waits for the first one to finish. Called from one of this pipeline's own
   * tasks, it starts the shutdown on another thread and returns at once (the calling task is then
   * stopped like any other). If the calling thread is interrupted while waiting, every task is
   * interrupted and every record closed before this returns, with the interrupt flag restored.
   */
  public void close() {
    TaskRunner caller = TaskRunner.current();
    if (caller != null && caller.runtime == this) {
      synchronized (lifecycle) {
        if (state == Runnel.State.RUNNING) {
          Thread.ofVirtual().name("runnel:" + name + ":close").start(this::close);
        }
      }
      return;
    }
    if (simulation != null) {
      simulation.release(); // let the tasks run to their end in real time
    }
    boolean waitForOther = false;
    synchronized (lifecycle) {
      switch (state) {
        case CLOSED -> {
          return;
        }
        case BUILT -> {
          stopping = true;
          nodes.values().forEach(n -> n.buffer.close());
          nodes.values().forEach(n -> n.closeHooks(name));
          state = Runnel.State.CLOSED;
          closed.countDown();
          return;
        }
        case STOPPING -> waitForOther = true;
        case RUNNING -> {
          state = Runnel.State.STOPPING;
          stopping = true;
        }
      }
    }
    if (waitForOther) {
      try {
        closed.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return;
    }
    boolean interrupted = false;
    try {
      stopGracefully();
    } catch (InterruptedException e) {
      interrupted = true;
      LOG.log(
          System.Logger.Level.WARNING,
          "[" + name + "] close() was interrupted; interrupting every task without waiting");
      tasks.forEach(TaskRunner::interrupt);
    } finally {
      nodes.values().forEach(n -> n.buffer.close());
      closeConnectors();
      nodes.values().forEach(n -> n.closeHooks(name));
      synchronized (lifecycle) {
        state = Runnel.State.CLOSED;
      }
      Thread w = watchdog;
      if (w != null) {
        w.interrupt();
      }
      closed.countDown();
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void stopGracefully() throws InterruptedException {
    long start = System.nanoTime();
    long deadline = Parking.deadlineAfter(Durations.saturatedNanos(shutdownTimeout));
    for (RecordNode<?> node : nodes.values()) {
      if (node.writer == null) {
        node.closeAgainstOutsideProducers();
      } else if (node.writer.kind == TaskInfo.Kind.SOURCE) {
        node.writer.interrupt();
      }
    }
    for (TaskRunner t : tasks) {
      if (t.state() == TaskInfo.State.RESTARTING) {
        t.interrupt(); // do not wait out a restart backoff
      }
    }
    List<TaskRunner> late = new ArrayList<>();
    for (TaskRunner t : tasks) {
      if (!t.awaitUntil(deadline)) {
        late.add(t);
      }
    }
    if (late.isEmpty()) {
      LOG.log(
          System.Logger.Level.DEBUG,
          () ->
              "["
                  + name
                  + "] stopped "
                  + tasks.size()
                  + " tasks in "
                  + (System.nanoTime() - start) / 1_000_000
                  + " ms");
      return;
    }
    LOG.log(
        System.Logger.Level.WARNING,
        "["
            + name
            + "] "
            + late.size()
            + " task(s) did not finish within the shutdown timeout of "
            + shutdownTimeout.toMillis()
            + " ms; interrupting them: "
            + late.stream().map(t -> t.id).collect(Collectors.joining(", ")));
    nodes.values().forEach(n -> n.buffer.close());
    late.forEach(TaskRunner::interrupt);
    long graceNanos =
        Math.max(
            100_000_000L, Math.min(1_000_000_000L, Durations.saturatedNanos(shutdownTimeout) / 2));
    long graceDeadline = System.nanoTime() + graceNanos;
    for (TaskRunner t : late) {
      if (!t.awaitUntil(graceDeadline)) {
        t.markStuck();
        LOG.log(
            System.Logger.Level.ERROR,
            "["
                + name
                + "] task "
                + t.id
                + " ignored its interrupt and is abandoned (state STUCK); it was at:\n    "
                + Arrays.stream(t.stack())
                    .map(String::valueOf)
                    .collect(Collectors.joining("\n    ")));
      }
    }
  }

  @Override
  public String toString() {
    return "Runnel["
        + name
        + ", "
        + state
        + ", "
        + nodes.size()
        + " records, "
        + tasks.size()
        + " tasks]";
  }
}
