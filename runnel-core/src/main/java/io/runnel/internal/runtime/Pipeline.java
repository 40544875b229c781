package io.runnel.internal.runtime;

import io.runnel.GraphProblem;
import io.runnel.LaneSpec;
import io.runnel.RecordKey;
import io.runnel.Registration;
import io.runnel.RestartPolicy;
import io.runnel.Runnel;
import io.runnel.RunnelBuilder;
import io.runnel.buffer.BufferSpec;
import io.runnel.buffer.Producer;
import io.runnel.buffer.Reader;
import io.runnel.inspect.GraphChange;
import io.runnel.inspect.GraphSnapshot;
import io.runnel.inspect.TaskInfo;
import io.runnel.internal.graph.GraphChecker;
import io.runnel.internal.graph.RecordDef;
import io.runnel.internal.lane.Lane;
import io.runnel.internal.lane.Watchdog;
import io.runnel.internal.time.Parking;
import io.runnel.internal.time.SimScheduler;
import io.runnel.internal.time.TimeSource;
import io.runnel.spi.Connector;
import io.runnel.spi.Durations;
import io.runnel.spi.RecordHook;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The run-time side of a built pipeline: its records (buffer, writer, taps, hooks), its tasks, its
 * lanes and connectors, and the lifecycle that starts and stops them. {@link io.runnel.Runnel} is
 * its public face; see there for the lifecycle contract.
 *
 * <p>Threads: the constructor runs on the caller of {@code build()}; {@link #start}, {@link
 * #close}, {@link #commit} and {@link #inspect} may be called from any thread (the lifecycle and
 * changes are serialised by one lock; the graph is an immutable {@code Graph} in a volatile field,
 * replaced by a change and read without a lock); the watchdog runs on its own platform thread
 * ({@link io.runnel.internal.lane.Watchdog}).
 */
public final class Pipeline {

  private static final System.Logger LOG = System.getLogger(Runnel.class.getName());

  public final String name;
  final TimeSource time;
  private final Duration shutdownTimeout;

  /**
   * The graph now: replaced as a whole (copy on write) under {@link #lifecycle} by a change, read
   * without a lock by everyone else (inspection, subscribe, the watchdog).
   */
  private volatile Graph graph;

  private final BufferSpec defaultBuffer;
  private final RestartPolicy defaultRestart;
  private final GraphEvents events;
  private volatile Thread watchdog;

  /** Whether start() restored the records' values (guarded by {@link #lifecycle}). */
  private boolean restored;

  private final SimScheduler simulation;
  private final List<Connector> connectors;
  private final List<Connector> startedConnectors = new ArrayList<>();
  private final Object lifecycle = new Object();
  private volatile Runnel.State state = Runnel.State.BUILT;
  private volatile boolean stopping;
  private final java.util.concurrent.CountDownLatch closed =
      new java.util.concurrent.CountDownLatch(1);

  public Pipeline(
      String name,
      GraphChecker graph,
      List<RecordDef<?>> defs,
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
    this.shutdownTimeout = shutdownTimeout;
    this.defaultBuffer = defaultBuffer;
    this.defaultRestart = defaultRestart;
    Map<String, Lane> lanes = new LinkedHashMap<>();
    laneSpecs.forEach((laneName, spec) -> lanes.put(laneName, newLane(laneName, spec)));
    this.graph = wire(graph, List.copyOf(defs), Map.of(), lanes, 0);
    this.events = new GraphEvents(name);
    for (GraphProblem w : graph.warnings) {
      LOG.log(System.Logger.Level.WARNING, "[" + name + "] " + w.message());
    }
  }

  private Lane newLane(String laneName, LaneSpec spec) {
    return simulation == null
        ? Lane.create(laneName, spec)
        : Lane.simulated(laneName, spec, simulation);
  }

  /**
   * The graph a check left: the nodes of {@code checked}'s records (those in {@code kept} reused,
   * the others created with their tasks wired), in topological order.
   */
  private Graph wire(
      GraphChecker checked,
      List<RecordDef<?>> defs,
      Map<String, RecordNode<?>> kept,
      Map<String, Lane> lanes,
      long version) {
    Map<String, RecordNode<?>> nodes = new LinkedHashMap<>();
    List<RecordNode<?>> created = new ArrayList<>();
    for (String id : checked.order) {
      RecordNode<?> node = kept.get(id);
      if (node == null) {
        node = new RecordNode<>(checked.records.get(id), defaultBuffer);
        created.add(node);
      }
      nodes.put(id, node);
    }
    TaskFactory factory = new TaskFactory(this, nodes, lanes, time);
    for (RecordNode<?> node : created) {
      RestartPolicy policy = node.def.restart != null ? node.def.restart : defaultRestart;
      if (!node.def.writers.isEmpty()) {
        factory.writer(node, node.def.writers.get(0), policy);
      }
      factory.taps(node, policy);
    }
    List<TaskRunner> tasks = new ArrayList<>();
    for (RecordNode<?> node : nodes.values()) {
      if (node.writer != null) {
        tasks.add(node.writer);
      }
      tasks.addAll(node.taps);
    }
    return new Graph(
        java.util.Collections.unmodifiableMap(nodes),
        List.copyOf(checked.order),
        List.copyOf(tasks),
        java.util.Collections.unmodifiableMap(new LinkedHashMap<>(lanes)),
        List.copyOf(lanes.keySet()),
        defs,
        List.copyOf(checked.warnings),
        created,
        version);
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
      // before connectors, which may produce into outside records at once
      graph.nodes.values().forEach(n -> n.restore(name));
      restored = true; // records a connector adds from its start() are restored by the change
      startConnectors(owner);
      state = Runnel.State.RUNNING;
      startTasks(); // under the lock, so that a concurrent close() sees every thread started
      watchdog =
          Watchdog.start(
              name,
              () -> graph.lanes.values(),
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
            "["
                + name
                + "] starting "
                + graph.nodes.size()
                + " records and "
                + graph.tasks.size()
                + " tasks");
    // Consumers first, so that they are waiting when the first values arrive (their readers exist
    // already, so nothing would be lost either way).
    for (TaskRunner t : graph.tasks) {
      if (t.kind != TaskInfo.Kind.SOURCE) {
        t.start();
      }
    }
    for (TaskRunner t : graph.tasks) {
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
    return graph.warnings;
  }

  /**
   * Subscribes a reader from outside the graph (a UI, a test, a connector). It counts as a consumer
   * of the record; close it when done.
   *
   * @throws IllegalArgumentException if the record does not exist or holds another type
   */
  /** The Java type of record {@code key}, or empty if the pipeline has no such record. */
  public java.util.Optional<Class<?>> recordType(String key) {
    RecordNode<?> node = graph.nodes.get(key);
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
    RecordNode<T> node = (RecordNode<T>) graph.nodes.get(key.id());
    if (node == null) {
      throw new IllegalArgumentException(
          "no record '"
              + key.id()
              + "' in pipeline '"
              + name
              + "'; configured: "
              + graph.nodes.keySet());
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
    Graph g = graph;
    return Inspector.snapshot(
        time.now(), state, g.nodes.values(), g.tasks, g.lanes.values(), connectors, g.order);
  }

  /**
   * Waits until every task has ended (finite sources finished and everything downstream drained),
   * or the timeout passes.
   *
   * @return whether every task ended
   */
  public boolean awaitCompletion(Duration timeout) throws InterruptedException {
    long deadline = Parking.deadlineAfter(Durations.saturatedNanos(timeout));
    for (TaskRunner t : graph.tasks) {
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
          graph.nodes.values().forEach(n -> n.buffer.close());
          graph.nodes.values().forEach(n -> n.closeHooks(name));
          state = Runnel.State.CLOSED;
          events.close();
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
      graph.tasks.forEach(TaskRunner::interrupt);
    } finally {
      graph.nodes.values().forEach(n -> n.buffer.close());
      closeConnectors();
      graph.nodes.values().forEach(n -> n.closeHooks(name));
      synchronized (lifecycle) {
        state = Runnel.State.CLOSED;
      }
      events.close();
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
    for (RecordNode<?> node : graph.nodes.values()) {
      if (node.writer == null) {
        node.closeAgainstOutsideProducers();
      } else if (node.writer.kind == TaskInfo.Kind.SOURCE) {
        node.writer.interrupt();
      }
    }
    for (TaskRunner t : graph.tasks) {
      if (t.state() == TaskInfo.State.RESTARTING) {
        t.interrupt(); // do not wait out a restart backoff
      }
    }
    List<TaskRunner> late = new ArrayList<>();
    for (TaskRunner t : graph.tasks) {
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
                  + graph.tasks.size()
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
    graph.nodes.values().forEach(n -> n.buffer.close());
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

  /**
   * One version of the graph: every field immutable, the whole replaced by a change. {@code
   * created} are the nodes this version added (their tasks not started yet when it is made).
   */
  private record Graph(
      Map<String, RecordNode<?>> nodes,
      List<String> order,
      List<TaskRunner> tasks,
      Map<String, Lane> lanes,
      List<String> laneNames,
      List<RecordDef<?>> defs,
      List<GraphProblem> warnings,
      List<RecordNode<?>> created,
      long version) {}

  /** The graph's version: 0 as built, one more per committed change. */
  public long graphVersion() {
    return graph.version;
  }

  /** A reader of the graph's changes (see {@link io.runnel.Runnel#graphChanges()}). */
  public Reader<GraphChange> graphChanges() {
    return events.subscribe();
  }

  /** Changes committed, and change events readers missed by lagging, for inspection. */
  public GraphEvents events() {
    return events;
  }

  /**
   * Checks and applies a change (see {@link io.runnel.RunnelChange}): the structural part under the
   * lifecycle lock, so that it is atomic with respect to other changes, {@code start()} and {@code
   * close()}; never under a lock a produce path takes.
   */
  public GraphChange commit(
      List<RecordDef<?>> added,
      Set<String> removedIds,
      Map<String, LaneSpec> newLanes,
      List<GraphProblem> changeProblems,
      Function<List<GraphProblem>, RuntimeException> failure) {
    Removal removal;
    GraphChange change;
    synchronized (lifecycle) {
      if (state != Runnel.State.BUILT && state != Runnel.State.RUNNING) {
        throw new IllegalStateException(
            "pipeline '" + name + "' is " + state + "; its graph can no longer change");
      }
      Graph old = graph;
      List<GraphProblem> errors = new ArrayList<>(changeProblems);
      for (String id : removedIds) {
        if (!old.nodes.containsKey(id)) {
          errors.add(
              new GraphProblem(
                  GraphProblem.Kind.INVALID_REGISTRATION,
                  List.of(id),
                  "record '"
                      + id
                      + "' cannot be removed: pipeline '"
                      + name
                      + "' has no such record"
                      + (old.nodes.isEmpty() ? "" : " (records: " + old.nodes.keySet() + ")")));
        }
      }
      Map<String, LaneSpec> laneSpecs = new LinkedHashMap<>();
      old.lanes.forEach((n, l) -> laneSpecs.put(n, l.spec));
      newLanes.forEach(
          (n, spec) -> {
            if (laneSpecs.putIfAbsent(n, spec) != null) {
              errors.add(
                  new GraphProblem(
                      GraphProblem.Kind.INVALID_REGISTRATION,
                      List.of(),
                      "lane '"
                          + n
                          + "' exists already; a running lane cannot be redeclared (declare a lane"
                          + " of another name)"));
            }
          });
      List<RecordDef<?>> defs = new ArrayList<>();
      for (RecordDef<?> d : old.defs) {
        if (!removedIds.contains(d.id)) {
          defs.add(d);
        }
      }
      defs.addAll(added);
      GraphChecker checker = new GraphChecker(defs, laneSpecs);
      for (GraphProblem p : checker.errors) {
        if (p.kind() == GraphProblem.Kind.MISSING_INPUT
            && p.keys().size() == 2
            && removedIds.contains(p.keys().get(1))) {
          String reader = p.keys().get(0);
          String input = p.keys().get(1);
          errors.add(
              new GraphProblem(
                  GraphProblem.Kind.RECORD_IN_USE,
                  p.keys(),
                  "record '"
                      + input
                      + "' cannot be removed: '"
                      + reader
                      + "' reads it; remove '"
                      + reader
                      + "' in the same change, or keep '"
                      + input
                      + "'"));
        } else {
          errors.add(p);
        }
      }
      if (!errors.isEmpty()) {
        throw failure.apply(errors);
      }
      List<RecordHook<?>> attached = new ArrayList<>();
      for (RecordDef<?> def : added) {
        LaneSpec writerLane =
            laneSpecs.get(def.lane != null ? def.lane : RunnelBuilder.DEFAULT_LANE);
        for (RecordHook<?> hook : def.hooks) {
          try {
            hook.attach(def.key, def.type, writerLane);
            attached.add(hook);
          } catch (RuntimeException e) {
            errors.add(
                new GraphProblem(
                    GraphProblem.Kind.INVALID_REGISTRATION,
                    List.of(def.id),
                    "record '"
                        + def.id
                        + "': hook '"
                        + RecordDef.hookName(hook)
                        + "' cannot be attached: "
                        + e.getMessage()));
          }
        }
      }
      if (!errors.isEmpty()) {
        for (RecordHook<?> hook : attached) {
          try {
            hook.close(); // detach again: nothing of this change stays
          } catch (RuntimeException e) {
            LOG.log(
                System.Logger.Level.WARNING,
                "[" + name + "] hook '" + RecordDef.hookName(hook) + "' close failed",
                e);
          }
        }
        throw failure.apply(errors);
      }
      // From here on nothing can fail for a reason of the change's making.
      Map<String, Lane> lanes = new LinkedHashMap<>(old.lanes);
      newLanes.forEach((n, spec) -> lanes.put(n, newLane(n, spec)));
      Map<String, RecordNode<?>> kept = new LinkedHashMap<>();
      List<RecordNode<?>> removedNodes = new ArrayList<>();
      old.nodes.forEach(
          (id, n) -> {
            if (removedIds.contains(id)) {
              removedNodes.add(n);
            } else {
              kept.put(id, n);
            }
          });
      Graph next = wire(checker, List.copyOf(defs), kept, lanes, old.version + 1);
      removal = new Removal(removedNodes);
      graph = next; // published: inspect(), subscribe() and the watchdog see the new graph
      for (GraphProblem w : checker.warnings) {
        if (!old.warnings.contains(w)) {
          LOG.log(System.Logger.Level.WARNING, "[" + name + "] " + w.message());
        }
      }
      if (restored) {
        next.created.forEach(n -> n.restore(name)); // start() restored the others already
      }
      if (state == Runnel.State.RUNNING) {
        removal.stop();
        for (RecordNode<?> n : next.created) {
          n.taps.forEach(TaskRunner::start); // consumers first, as at start()
          if (n.writer != null && n.writer.kind != TaskInfo.Kind.SOURCE) {
            n.writer.start();
          }
        }
        for (RecordNode<?> n : next.created) {
          if (n.writer != null && n.writer.kind == TaskInfo.Kind.SOURCE) {
            n.writer.start();
          }
        }
      } else {
        // never started (also when a connector's start() changes the graph): nothing to wait for
        removal.discard();
      }
      change =
          new GraphChange(
              next.version,
              time.now(),
              added.stream().map(d -> d.id).toList(),
              removedNodes.stream().map(n -> n.def.id).toList(),
              List.copyOf(newLanes.keySet()));
      events.publish(change);
    }
    if (removal.running) {
      TaskRunner caller = TaskRunner.current();
      // A task of this pipeline does not wait here: it may be one of the removed (it cannot wait
      // for itself), or hold the one slot of a lane the removed tasks need to end. Under a
      // Simulation the removed tasks end only when the simulation runs them (the next advance).
      if (simulation != null || (caller != null && caller.runtime == this)) {
        Thread.ofVirtual().name("runnel:" + name + ":remove").start(removal::reap);
      } else {
        removal.reap();
      }
    }
    return change;
  }

  /** The records one change removes, their tasks, and how they are stopped. */
  private final class Removal {
    final List<RecordNode<?>> nodes;
    final List<TaskRunner> tasks = new ArrayList<>();
    boolean running;

    Removal(List<RecordNode<?>> nodes) {
      this.nodes = nodes;
      for (RecordNode<?> n : nodes) {
        if (n.writer != null) {
          tasks.add(n.writer);
        }
        tasks.addAll(n.taps);
      }
    }

    /** As close() stops a pipeline, for these records only: writers stop, readers drain. */
    void stop() {
      running = true;
      tasks.forEach(TaskRunner::removing);
      for (RecordNode<?> node : nodes) {
        if (node.writer == null) {
          node.closeAgainstOutsideProducers();
        } else {
          node.writer.interrupt(); // its end closes the record; a transform's input may live on
        }
      }
      for (TaskRunner t : tasks) {
        if (t.state() == TaskInfo.State.RESTARTING) {
          t.interrupt();
        }
      }
    }

    /** Before start(): the tasks never ran; close their readers and the records. */
    void discard() {
      tasks.forEach(TaskRunner::discard);
      for (RecordNode<?> node : nodes) {
        node.buffer.close();
        node.closeHooks(name);
      }
    }

    /** Waits (bounded) for the removed tasks, then closes the records' hooks. */
    void reap() {
      long deadline = Parking.deadlineAfter(Durations.saturatedNanos(shutdownTimeout));
      List<TaskRunner> late = new ArrayList<>();
      try {
        for (TaskRunner t : tasks) {
          if (!t.awaitUntil(deadline)) {
            late.add(t);
          }
        }
        if (!late.isEmpty()) {
          LOG.log(
              System.Logger.Level.WARNING,
              "["
                  + name
                  + "] removed task(s) did not finish within the shutdown timeout of "
                  + shutdownTimeout.toMillis()
                  + " ms; interrupting them: "
                  + late.stream().map(t -> t.id).collect(Collectors.joining(", ")));
          nodes.forEach(n -> n.buffer.close());
          late.forEach(TaskRunner::interrupt);
          long graceDeadline = System.nanoTime() + 1_000_000_000L;
          for (TaskRunner t : late) {
            if (!t.awaitUntil(graceDeadline)) {
              t.markStuck();
              LOG.log(
                  System.Logger.Level.ERROR,
                  "["
                      + name
                      + "] removed task "
                      + t.id
                      + " ignored its interrupt and is abandoned (state STUCK)");
            }
          }
        }
      } catch (InterruptedException e) {
        tasks.forEach(TaskRunner::interrupt);
        Thread.currentThread().interrupt();
      } finally {
        nodes.forEach(n -> n.buffer.close());
        nodes.forEach(n -> n.closeHooks(name));
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
        + graph.nodes.size()
        + " records, "
        + graph.tasks.size()
        + " tasks]";
  }
}
