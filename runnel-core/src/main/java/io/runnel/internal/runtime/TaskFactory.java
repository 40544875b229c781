package io.runnel.internal.runtime;

import io.runnel.JoinTask;
import io.runnel.Latest;
import io.runnel.RestartPolicy;
import io.runnel.RunnelBuilder;
import io.runnel.Source;
import io.runnel.Tap;
import io.runnel.TapTask;
import io.runnel.Transform;
import io.runnel.TransformTask;
import io.runnel.buffer.Buffer;
import io.runnel.buffer.Producer;
import io.runnel.buffer.Reader;
import io.runnel.inspect.TaskInfo;
import io.runnel.internal.graph.RecordDef.TapDef;
import io.runnel.internal.graph.RecordDef.WriterDef;
import io.runnel.internal.lane.Lane;
import io.runnel.internal.time.TimeSource;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Wires the tasks of records at build time, and of records a run-time change adds: for each record
 * its writer (source, transform or join) and its taps, each a {@link TaskRunner} on its lane, with
 * its input readers subscribed before anything starts (so no value is missed between tasks). Runs
 * on the thread that calls {@code build()}, or commits a change (under the lifecycle lock).
 */
final class TaskFactory {
  private final Pipeline pipeline;
  private final Map<String, RecordNode<?>> nodes;
  private final Map<String, Lane> lanes;
  private final TimeSource time;

  TaskFactory(
      Pipeline pipeline,
      Map<String, RecordNode<?>> nodes,
      Map<String, Lane> lanes,
      TimeSource time) {
    this.pipeline = pipeline;
    this.nodes = nodes;
    this.lanes = lanes;
    this.time = time;
  }

  @SuppressWarnings("unchecked")
  private <T> RecordNode<T> node(String id) {
    return (RecordNode<T>) nodes.get(id);
  }

  private Lane laneNamed(String laneName) {
    return lanes.get(laneName != null ? laneName : RunnelBuilder.DEFAULT_LANE);
  }

  /** Creates the writer task of {@code node}, subscribing its input readers now. */
  <T> TaskRunner writer(RecordNode<T> node, WriterDef w, RestartPolicy policy) {
    Lane lane = laneNamed(node.def.lane);
    Producer<T> out = node.producerFor(lane);
    List<String> inputIds = w.inputs.stream().map(in -> in.key().id()).toList();
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
          body = ctx -> TaskBodies.runTransform(ctx, inId, inCast, factory.get(), out);
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
          body = ctx -> TaskBodies.runLatestJoin(ctx, join, fn, out);
        }
      }
      default -> throw new AssertionError(w.kind);
    }
    Runnable cleanup = extraCleanup;
    TaskRunner runner =
        new TaskRunner(
            pipeline,
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
    return runner;
  }

  /** Creates the tap tasks of {@code node}, subscribing their readers now. */
  <T> List<TaskRunner> taps(RecordNode<T> node, RestartPolicy policy) {
    List<TaskRunner> created = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (TapDef<T> tap : node.def.taps) {
      String tapName = tap.name();
      for (int i = 2; !names.add(tapName); i++) {
        tapName = tap.name() + "#" + i;
      }
      Reader<T> in = node.buffer.subscribe();
      String id = node.def.id;
      TaskRunner.Body body;
      if (tap.task() != null) {
        TapTask<T> task = tap.task();
        body = ctx -> task.run(ctx, in);
      } else {
        Tap<T> fn = tap.tap();
        body = ctx -> TaskBodies.runTap(ctx, id, in, fn);
      }
      TaskRunner runner =
          new TaskRunner(
              pipeline,
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
      created.add(runner);
    }
    return created;
  }
}
