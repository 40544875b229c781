package io.runnel.internal.runtime;

import io.runnel.GraphProblem;
import io.runnel.JoinTask;
import io.runnel.LaneSpec;
import io.runnel.Latest;
import io.runnel.RecordKey;
import io.runnel.Registration;
import io.runnel.RestartPolicy;
import io.runnel.Runnel;
import io.runnel.RunnelBuilder;
import io.runnel.Source;
import io.runnel.Tap;
import io.runnel.TapTask;
import io.runnel.Transform;
import io.runnel.TransformTask;
import io.runnel.buffer.Buffer;
import io.runnel.buffer.BufferSpec;
import io.runnel.buffer.LaggedException;
import io.runnel.buffer.Producer;
import io.runnel.buffer.Reader;
import io.runnel.inspect.Edge;
import io.runnel.inspect.GraphSnapshot;
import io.runnel.inspect.LaneInfo;
import io.runnel.inspect.RecordInfo;
import io.runnel.inspect.TaskInfo;
import io.runnel.internal.graph.GraphChecker;
import io.runnel.internal.graph.RecordDef;
import io.runnel.internal.graph.RecordDef.TapDef;
import io.runnel.internal.graph.RecordDef.WriterDef;
import io.runnel.internal.lane.Lane;
import io.runnel.internal.lane.Watchdog;
import io.runnel.internal.time.Parking;
import io.runnel.internal.time.SimScheduler;
import io.runnel.internal.time.TimeSource;
import io.runnel.internal.util.Histograms;
import io.runnel.spi.Connector;
import io.runnel.spi.ConnectorStatus;
import io.runnel.spi.Durations;
import io.runnel.spi.RecordHook;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;
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

  private static final class Node<T> {
    final RecordDef<T> def;
    final Buffer<T> buffer;
    TaskRunner writer;
    final List<TaskRunner> taps = new ArrayList<>();
    int graphConsumers;
    final AtomicInteger outsideReaders = new AtomicInteger();
    volatile Producer<T> outsideProducer;

    /** Serialises outside producers, and closing a passive record against them. */
    final java.util.concurrent.locks.ReentrantLock produceLock =
        new java.util.concurrent.locks.ReentrantLock();

    Node(RecordDef<T> def, Buffer<T> buffer) {
      this.def = def;
      this.buffer = buffer;
    }
  }

  final String name;
  final TimeSource time;
  private final Duration shutdownTimeout;
  private final Map<String, Node<?>> nodes = new LinkedHashMap<>();
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
      addNode(graph.records.get(id), defaultBuffer);
    }
    for (String id : order) {
      Node<?> node = nodes.get(id);
      RestartPolicy policy = node.def.restart != null ? node.def.restart : defaultRestart;
      if (!node.def.writers.isEmpty()) {
        createWriter(node, node.def.writers.get(0), policy);
      }
      createTaps(node, policy);
    }
    for (GraphProblem w : warnings) {
      LOG.log(System.Logger.Level.WARNING, "[" + name + "] " + w.message());
    }
  }

  private <T> void addNode(RecordDef<T> def, BufferSpec defaultBuffer) {
    BufferSpec spec = def.buffer != null ? def.buffer : defaultBuffer;
    nodes.put(def.id, new Node<>(def, spec.<T>create(def.id)));
  }

  @SuppressWarnings("unchecked")
  private <T> Node<T> node(String id) {
    return (Node<T>) nodes.get(id);
  }

  private Lane laneNamed(String laneName) {
    return lanes.get(laneName != null ? laneName : RunnelBuilder.DEFAULT_LANE);
  }

  /**
   * The producer a writer task gets: the record's hooks see each value first, then the buffer takes
   * it; on a cooperative lane each produce is also a yield point.
   */
  private static <T> Producer<T> producerFor(Node<T> node, Lane lane) {
    Producer<T> out = hooked(node);
    if (lane.spec.kind() != LaneSpec.Kind.COOPERATIVE) {
      return out;
    }
    return value -> {
      out.produce(value);
      Lane.yieldPoint(lane);
    };
  }

  /** The record's buffer, behind its hooks (if any). */
  @SuppressWarnings("unchecked")
  private static <T> Producer<T> hooked(Node<T> node) {
    Buffer<T> buffer = node.buffer;
    List<RecordHook<? super T>> hooks = node.def.hooks;
    return switch (hooks.size()) {
      case 0 -> buffer;
      case 1 -> {
        RecordHook<? super T> hook = hooks.get(0);
        yield value -> {
          if (buffer.isClosed()) {
            buffer.produce(value); // throws: a closed record persists nothing either
          }
          hook.produced(value);
          buffer.produce(value);
        };
      }
      default -> {
        RecordHook<? super T>[] all = hooks.toArray(new RecordHook[0]);
        yield value -> {
          if (buffer.isClosed()) {
            buffer.produce(value); // throws: a closed record persists nothing either
          }
          for (RecordHook<? super T> h : all) {
            h.produced(value);
          }
          buffer.produce(value);
        };
      }
    };
  }

  private <T> void createWriter(Node<T> node, WriterDef w, RestartPolicy policy) {
    Lane lane = laneNamed(node.def.lane);
    Producer<T> out = producerFor(node, lane);
    List<String> inputIds = w.inputs.stream().map(in -> in.key().id()).toList();
    inputIds.forEach(id -> nodes.get(id).graphConsumers++);
    List<Reader<?>> ownedReaders = new ArrayList<>();
    TaskRunner.Body body;
    TaskInfo.Kind kind;
    Runnable extraCleanup = () -> {};
    switch (w.kind) {
      case SOURCE -> {
        kind = TaskInfo.Kind.SOURCE;
        @SuppressWarnings("unchecked")
        Source<T> source = (Source<T>) w.source;
        body = ctx -> source.run(ctx, out);
      }
      case TRANSFORM -> {
        kind = TaskInfo.Kind.TRANSFORM;
        Reader<Object> in = node(inputIds.get(0)).buffer.subscribe();
        Reader<Object> inCast = in;
        ownedReaders.add(in);
        String inId = inputIds.get(0);
        if (w.transformTask != null) {
          @SuppressWarnings("unchecked")
          TransformTask<Object, T> task = (TransformTask<Object, T>) w.transformTask;
          body = ctx -> task.run(ctx, inCast, out);
        } else {
          @SuppressWarnings("unchecked")
          Supplier<? extends Transform<Object, ? extends T>> factory =
              (Supplier<? extends Transform<Object, ? extends T>>) (Supplier<?>) w.transformFactory;
          body = ctx -> runTransform(ctx, inId, inCast, factory.get(), out);
        }
      }
      case JOIN -> {
        kind = TaskInfo.Kind.JOIN;
        List<Buffer<?>> inputs =
            inputIds.stream().<Buffer<?>>map(id -> nodes.get(id).buffer).toList();
        JoinRunner join = new JoinRunner(node.def.id, w.joinHandles, inputs);
        extraCleanup = join::close;
        if (w.joinTask != null) {
          @SuppressWarnings("unchecked")
          JoinTask<T> task = (JoinTask<T>) w.joinTask;
          body =
              ctx -> {
                join.runner(ctx.runner());
                task.run(ctx, join, out);
              };
        } else {
          @SuppressWarnings("unchecked")
          Function<Latest, ? extends T> fn = (Function<Latest, ? extends T>) w.onLatest;
          body = ctx -> runLatestJoin(ctx, join, fn, out);
        }
      }
      default -> throw new AssertionError(w.kind);
    }
    Runnable cleanup = extraCleanup;
    TaskRunner runner =
        new TaskRunner(
            this,
            node.def.id + "/" + kind.name().toLowerCase(),
            kind,
            node.def,
            inputIds,
            policy,
            time,
            lane,
            body,
            () -> {
              node.buffer.close();
              ownedReaders.forEach(Reader::close);
              cleanup.run();
            });
    node.writer = runner;
    tasks.add(runner);
  }

  private static <I, O> void runTransform(
      TaskContext ctx, String inId, Reader<I> in, Transform<I, ? extends O> fn, Producer<O> out)
      throws InterruptedException {
    TaskRunner runner = ctx.runner();
    for (; ; ) {
      I value;
      try {
        value = in.recv();
      } catch (LaggedException e) {
        runner.lagged(inId, e.missed());
        continue;
      }
      O result;
      try {
        result = fn.apply(value);
      } catch (InterruptedException e) {
        throw e;
      } catch (Exception e) {
        runner.valueFailed(e, value);
        continue;
      }
      if (result != null) {
        out.produce(result);
      }
    }
  }

  private static <O> void runLatestJoin(
      TaskContext ctx, JoinRunner join, Function<Latest, ? extends O> fn, Producer<O> out)
      throws InterruptedException {
    TaskRunner runner = ctx.runner();
    join.runner(runner);
    for (; ; ) {
      join.next();
      if (!join.complete()) {
        continue;
      }
      O result;
      try {
        result = fn.apply(join);
      } catch (RuntimeException e) {
        runner.valueFailed(e, join.changed() + " changed");
        continue;
      }
      if (result != null) {
        out.produce(result);
      }
    }
  }

  private <T> void createTaps(Node<T> node, RestartPolicy policy) {
    Set<String> names = new HashSet<>();
    for (TapDef<T> tap : node.def.taps) {
      String tapName = tap.name();
      for (int i = 2; !names.add(tapName); i++) {
        tapName = tap.name() + "#" + i;
      }
      Reader<T> in = node.buffer.subscribe();
      node.graphConsumers++;
      String id = node.def.id;
      TaskRunner.Body body;
      if (tap.task() != null) {
        TapTask<T> task = tap.task();
        body = ctx -> task.run(ctx, in);
      } else {
        Tap<T> fn = tap.tap();
        body = ctx -> runTap(ctx, id, in, fn);
      }
      TaskRunner runner =
          new TaskRunner(
              this,
              node.def.id + "/tap:" + tapName,
              TaskInfo.Kind.TAP,
              node.def,
              List.of(node.def.id),
              policy,
              time,
              laneNamed(node.def.laneOfTap(tap.name())),
              body,
              in::close);
      node.taps.add(runner);
      tasks.add(runner);
    }
  }

  private static <T> void runTap(TaskContext ctx, String id, Reader<T> in, Tap<T> tap)
      throws InterruptedException {
    TaskRunner runner = ctx.runner();
    for (; ; ) {
      T value;
      try {
        value = in.recv();
      } catch (LaggedException e) {
        runner.lagged(id, e.missed());
        continue;
      }
      try {
        tap.accept(ctx, value);
      } catch (InterruptedException e) {
        throw e;
      } catch (Exception e) {
        runner.valueFailed(e, value);
      }
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
      restoreValues(); // before connectors, which may produce into outside records at once
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

  /** Puts the values the records' hooks restore (e.g. from history) in their buffers. */
  private void restoreValues() {
    for (Node<?> node : nodes.values()) {
      restoreValue(node);
    }
  }

  private <T> void restoreValue(Node<T> node) {
    for (RecordHook<? super T> hook : node.def.hooks) {
      Object restored;
      try {
        restored = hook.restore();
      } catch (Exception e) {
        LOG.log(
            System.Logger.Level.WARNING,
            hookPrefix(node, hook) + "could not restore a value; the record starts empty: " + e);
        continue;
      }
      if (restored == null) {
        continue;
      }
      if (!node.def.type.isInstance(restored)) {
        LOG.log(
            System.Logger.Level.WARNING,
            hookPrefix(node, hook)
                + "restored a "
                + restored.getClass().getName()
                + ", not a "
                + node.def.type.getName()
                + "; ignored");
        continue;
      }
      node.produceLock.lock(); // an outside producer may already be at work
      try {
        node.buffer.produce(node.def.type.cast(restored));
      } finally {
        node.produceLock.unlock();
      }
      return; // the first hook that restores a value wins
    }
  }

  private static Map<String, Long> hookCounters(Node<?> node) {
    if (node.def.hooks.isEmpty()) {
      return Map.of();
    }
    Map<String, Long> all = new java.util.TreeMap<>();
    for (RecordHook<?> hook : node.def.hooks) {
      String prefix = RecordDef.hookName(hook) + ".";
      try {
        hook.counters().forEach((k, v) -> all.put(prefix + k, v));
      } catch (RuntimeException e) {
        all.put(prefix + "countersFailed", 1L);
      }
    }
    return all;
  }

  /** "[pipeline] record 'key': hook 'name' " for log lines about a hook. */
  private String hookPrefix(Node<?> node, RecordHook<?> hook) {
    return "[" + name + "] record '" + node.def.id + "': hook '" + RecordDef.hookName(hook) + "' ";
  }

  private void closeHooks() {
    for (Node<?> node : nodes.values()) {
      for (RecordHook<?> hook : node.def.hooks) {
        try {
          hook.close();
        } catch (RuntimeException e) {
          LOG.log(System.Logger.Level.WARNING, hookPrefix(node, hook) + "close failed", e);
        }
      }
    }
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
  public <T> Reader<T> subscribe(Class<T> type, RecordKey key) {
    Node<T> node = lookup(type, key, false);
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
    Node<T> node = lookup(type, key, true);
    if (node.writer != null) {
      throw new IllegalArgumentException(
          "record '"
              + node.def.id
              + "' is written by its "
              + node.writer.kind.name().toLowerCase()
              + "; a record has at most one writer, so it cannot also be written from outside");
    }
    synchronized (node) {
      if (node.outsideProducer == null) {
        Producer<T> out = hooked(node);
        java.util.concurrent.locks.ReentrantLock lock = node.produceLock;
        node.outsideProducer =
            value -> {
              lock.lock(); // not synchronized: a virtual thread must not pin its carrier here
              try {
                out.produce(value);
              } finally {
                lock.unlock();
              }
            };
      }
      return node.outsideProducer;
    }
  }

  private <T> Node<T> lookup(Class<T> type, RecordKey key, boolean exact) {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(key, "key");
    Node<T> node = node(key.id());
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

  /** A snapshot of every record, task and edge, with counters. */
  public GraphSnapshot inspect() {
    List<RecordInfo> records = new ArrayList<>();
    List<TaskInfo> taskInfos = new ArrayList<>();
    List<Edge> edges = new ArrayList<>();
    for (Node<?> node : nodes.values()) {
      Buffer<?> b = node.buffer;
      RecordInfo.Origin origin =
          node.writer == null
              ? RecordInfo.Origin.PASSIVE
              : switch (node.writer.kind) {
                case SOURCE -> RecordInfo.Origin.SOURCE;
                case TRANSFORM -> RecordInfo.Origin.TRANSFORM;
                default -> RecordInfo.Origin.JOIN;
              };
      int producers = node.writer != null || node.outsideProducer != null ? 1 : 0;
      records.add(
          new RecordInfo(
              node.def.id,
              node.def.displayName(),
              GraphChecker.typeName(node.def.type),
              origin,
              b.spec().kind().name().toLowerCase(),
              b.spec().capacity(),
              producers,
              node.graphConsumers + node.outsideReaders.get(),
              b.produced(),
              b.delivered(),
              b.lagged(),
              b.dropped(),
              b.isClosed(),
              b.lastValue(),
              hookCounters(node)));
      String recordNode = "record:" + node.def.id;
      if (node.writer != null) {
        String taskNode = "task:" + node.writer.id;
        for (String in : node.writer.inputs) {
          edges.add(new Edge("record:" + in, taskNode));
        }
        edges.add(new Edge(taskNode, recordNode));
      }
      for (TaskRunner tap : node.taps) {
        edges.add(new Edge(recordNode, "task:" + tap.id));
      }
    }
    for (TaskRunner t : tasks) {
      taskInfos.add(t.info());
    }
    List<LaneInfo> laneInfos = new ArrayList<>();
    for (Lane lane : lanes.values()) {
      List<TaskInfo> onLane = taskInfos.stream().filter(t -> t.lane().equals(lane.name)).toList();
      org.HdrHistogram.Histogram h = Histograms.newHistogram();
      long ticks = 0;
      long missed = 0;
      for (TaskRunner t : tasks) {
        if (t.lane == lane) {
          h.add(t.latenessSnapshot());
        }
      }
      for (TaskInfo t : onLane) {
        ticks += t.lateness().ticks();
        missed += t.lateness().missedTicks();
      }
      laneInfos.add(
          new LaneInfo(
              lane.name,
              lane.spec.kind().name(),
              lane.spec.toString(),
              onLane.stream().map(TaskInfo::id).toList(),
              lane.threads(),
              lane.busyRatio(),
              lane.waitingForSlot(),
              lane.rejected(),
              lane.spec.watchdogLimit().toMillis(),
              lane.watchdogReports(),
              lane.lastWatchdogReports(),
              lane.tuningFailures(),
              Histograms.lateness(ticks, missed, h),
              Histograms.delay(lane.wakeDelaySnapshot())));
    }
    List<ConnectorStatus> statuses = new ArrayList<>();
    for (Connector c : connectors) {
      try {
        statuses.add(c.status());
      } catch (RuntimeException e) {
        statuses.add(
            new ConnectorStatus(
                c.name(), "unknown", false, "status() failed: " + e, 0, 0, 0, Map.of()));
      }
    }
    return new GraphSnapshot(
        time.now(), state.name(), records, taskInfos, edges, laneInfos, statuses, order);
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
          closeHooks();
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
      closeHooks();
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
    for (Node<?> node : nodes.values()) {
      if (node.writer == null) {
        node.produceLock.lock(); // no outside produce() can straddle the close
        try {
          node.buffer.close();
        } finally {
          node.produceLock.unlock();
        }
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
