package io.runnel.inspect;

import io.runnel.spi.ConnectorStatus;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * An immutable picture of a pipeline: its records, tasks, edges and the topological order of its
 * records (inputs before the records derived from them), with exports.
 *
 * @param takenAt when the snapshot was taken (wall clock)
 * @param state the pipeline's lifecycle state, e.g. {@code RUNNING}
 * @param records every record, in topological order
 * @param tasks every task
 * @param edges the graph's edges (see {@link Edge} for node ids)
 * @param lanes every lane
 * @param connectors every connector's status
 * @param topologicalOrder record keys, inputs first
 */
public record GraphSnapshot(
    Instant takenAt,
    String state,
    List<RecordInfo> records,
    List<TaskInfo> tasks,
    List<Edge> edges,
    List<LaneInfo> lanes,
    List<ConnectorStatus> connectors,
    List<String> topologicalOrder) {

  public GraphSnapshot {
    records = List.copyOf(records);
    tasks = List.copyOf(tasks);
    edges = List.copyOf(edges);
    lanes = List.copyOf(lanes);
    connectors = List.copyOf(connectors);
    topologicalOrder = List.copyOf(topologicalOrder);
  }

  /** The record with this key, if any. */
  public Optional<RecordInfo> record(String key) {
    return records.stream().filter(r -> r.key().equals(key)).findFirst();
  }

  /** The connector with this name, if any. */
  public Optional<ConnectorStatus> connector(String name) {
    return connectors.stream().filter(c -> c.name().equals(name)).findFirst();
  }

  /** The lane with this name, if any. */
  public Optional<LaneInfo> lane(String name) {
    return lanes.stream().filter(l -> l.name().equals(name)).findFirst();
  }

  /** The task with this id, if any. */
  public Optional<TaskInfo> task(String id) {
    return tasks.stream().filter(t -> t.id().equals(id)).findFirst();
  }

  /** Graphviz DOT: records as boxes, tasks as ellipses. */
  public String toDot() {
    return GraphExport.dot(this);
  }

  /** A Mermaid flowchart (renders in GitHub Markdown). */
  public String toMermaid() {
    return GraphExport.mermaid(this);
  }

  /** JSON with every field of the snapshot; last values as their {@code toString()}. */
  public String toJson() {
    return GraphExport.json(this);
  }

  /** A plain-text table of the records and their counters, for consoles and logs. */
  public String toTable() {
    return GraphExport.table(this);
  }
}
