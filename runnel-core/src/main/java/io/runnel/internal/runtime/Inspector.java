package io.runnel.internal.runtime;

import io.runnel.Runnel;
import io.runnel.buffer.Buffer;
import io.runnel.buffer.BufferSpec;
import io.runnel.inspect.Edge;
import io.runnel.inspect.GraphSnapshot;
import io.runnel.inspect.LaneInfo;
import io.runnel.inspect.RecordInfo;
import io.runnel.inspect.TaskInfo;
import io.runnel.internal.graph.GraphChecker;
import io.runnel.internal.lane.Lane;
import io.runnel.internal.util.Histograms;
import io.runnel.spi.Connector;
import io.runnel.spi.ConnectorStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Builds the {@link GraphSnapshot} of a pipeline from the counters its records, tasks, lanes and
 * connectors publish. Runs on the caller of {@code inspect()}; reads only volatile fields, atomics
 * and the histograms' synchronised snapshots, so it never stops a task.
 */
final class Inspector {
  private Inspector() {}

  /** A snapshot of every record, task, edge, lane and connector, with counters. */
  static GraphSnapshot snapshot(
      Instant now,
      Runnel.State state,
      Collection<RecordNode<?>> nodes,
      List<TaskRunner> tasks,
      Collection<Lane> lanes,
      List<Connector> connectors,
      List<String> order) {
    // Counted from this graph's tasks, not kept on the nodes: a node is shared by the graph
    // versions before and after a change, so a count on it could show the next graph's readers.
    Map<String, Integer> graphConsumers = new java.util.HashMap<>();
    for (TaskRunner t : tasks) {
      for (String in : t.inputs) {
        graphConsumers.merge(in, 1, Integer::sum);
      }
    }
    List<RecordInfo> records = new ArrayList<>();
    List<TaskInfo> taskInfos = new ArrayList<>();
    List<Edge> edges = new ArrayList<>();
    for (RecordNode<?> node : nodes) {
      Buffer<?> b = node.buffer;
      RecordInfo.Origin origin =
          node.writer == null
              ? (node.def.isExternal() ? RecordInfo.Origin.EXTERNAL : RecordInfo.Origin.PASSIVE)
              : switch (node.writer.kind) {
                case SOURCE -> RecordInfo.Origin.SOURCE;
                case TRANSFORM -> RecordInfo.Origin.TRANSFORM;
                default -> RecordInfo.Origin.JOIN;
              };
      int producers = node.hasProducer() ? 1 : 0;
      long backlog = b.maxBacklog();
      records.add(
          new RecordInfo(
              node.def.id,
              node.def.displayName(),
              GraphChecker.typeName(node.def.type),
              origin,
              b.spec().kind().name().toLowerCase(),
              b.spec().capacity(),
              producers,
              graphConsumers.getOrDefault(node.def.id, 0) + node.outsideReaders.get(),
              b.produced(),
              b.delivered(),
              b.lagged(),
              backlog,
              b.spec().kind() == BufferSpec.Kind.RING
                  ? Math.max(0, backlog - b.spec().capacity())
                  : 0,
              b.dropped(),
              b.isClosed(),
              b.lastValue(),
              node.hookCounters()));
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
    for (Lane lane : lanes) {
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
        now, state.name(), records, taskInfos, edges, laneInfos, statuses, order);
  }
}
