package io.runnel.inspect;

import io.runnel.spi.ConnectorStatus;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Renders snapshots; no dependencies, so the core stays dependency-free. */
final class GraphExport {

  private GraphExport() {}

  static String dot(GraphSnapshot s) {
    StringBuilder sb = new StringBuilder("digraph runnel {\n  rankdir=LR;\n");
    for (RecordInfo r : s.records()) {
      sb.append("  ")
          .append(dotId("record:" + r.key()))
          .append(" [shape=box, label=")
          .append(dotId(r.key() + "\n" + simpleType(r.type()) + " · " + r.buffer()))
          .append("];\n");
    }
    for (TaskInfo t : s.tasks()) {
      sb.append("  ")
          .append(dotId("task:" + t.id()))
          .append(" [shape=ellipse, label=")
          .append(dotId(t.kind().name().toLowerCase() + "\n" + t.id()))
          .append("];\n");
    }
    for (Edge e : s.edges()) {
      sb.append("  ").append(dotId(e.from())).append(" -> ").append(dotId(e.to())).append(";\n");
    }
    return sb.append("}\n").toString();
  }

  private static String dotId(String s) {
    // a quoted DOT id: escape backslashes and quotes; a line break becomes DOT's \n
    return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + '"';
  }

  static String mermaid(GraphSnapshot s) {
    Map<String, String> ids = new HashMap<>();
    StringBuilder sb = new StringBuilder("flowchart LR\n");
    int n = 0;
    for (RecordInfo r : s.records()) {
      String id = "r" + n++;
      ids.put("record:" + r.key(), id);
      sb.append("  ")
          .append(id)
          .append("[\"")
          .append(mermaidText(r.key()))
          .append("<br/>")
          .append(mermaidText(simpleType(r.type())))
          .append(" · ")
          .append(r.buffer())
          .append("\"]\n");
    }
    n = 0;
    for (TaskInfo t : s.tasks()) {
      String id = "t" + n++;
      ids.put("task:" + t.id(), id);
      sb.append("  ")
          .append(id)
          .append("([\"")
          .append(t.kind().name().toLowerCase())
          .append(": ")
          .append(mermaidText(t.id()))
          .append("\"])\n");
    }
    for (Edge e : s.edges()) {
      String from = ids.get(e.from());
      String to = ids.get(e.to());
      if (from != null && to != null) {
        sb.append("  ").append(from).append(" --> ").append(to).append('\n');
      }
    }
    return sb.toString();
  }

  private static String mermaidText(String s) {
    return s.replace("\"", "#quot;").replace("<", "#lt;").replace(">", "#gt;");
  }

  static String json(GraphSnapshot s) {
    StringBuilder sb = new StringBuilder(1024);
    sb.append("{\n  \"takenAt\": ").append(str(s.takenAt().toString()));
    sb.append(",\n  \"state\": ").append(str(s.state()));
    sb.append(",\n  \"topologicalOrder\": ").append(strings(s.topologicalOrder()));
    sb.append(",\n  \"records\": [");
    boolean first = true;
    for (RecordInfo r : s.records()) {
      sb.append(first ? "\n    " : ",\n    ");
      first = false;
      sb.append("{\"key\": ").append(str(r.key()));
      sb.append(", \"name\": ").append(str(r.name()));
      sb.append(", \"type\": ").append(str(r.type()));
      sb.append(", \"origin\": ").append(str(r.origin().name()));
      sb.append(", \"buffer\": ").append(str(r.buffer()));
      sb.append(", \"capacity\": ").append(r.capacity());
      sb.append(", \"producers\": ").append(r.producers());
      sb.append(", \"consumers\": ").append(r.consumers());
      sb.append(", \"produced\": ").append(r.produced());
      sb.append(", \"delivered\": ").append(r.delivered());
      sb.append(", \"lagged\": ").append(r.lagged());
      sb.append(", \"maxBacklog\": ").append(r.maxBacklog());
      sb.append(", \"wouldLag\": ").append(r.wouldLag());
      sb.append(", \"dropped\": ").append(r.dropped());
      sb.append(", \"closed\": ").append(r.closed());
      sb.append(", \"lastValue\": ")
          .append(r.lastValue() == null ? "null" : str(String.valueOf(r.lastValue())));
      sb.append(", \"hookCounters\": ").append(counters(r.hookCounters()));
      sb.append('}');
    }
    sb.append("\n  ],\n  \"tasks\": [");
    first = true;
    for (TaskInfo t : s.tasks()) {
      sb.append(first ? "\n    " : ",\n    ");
      first = false;
      sb.append("{\"id\": ").append(str(t.id()));
      sb.append(", \"kind\": ").append(str(t.kind().name()));
      sb.append(", \"key\": ").append(str(t.key()));
      sb.append(", \"inputs\": ").append(strings(t.inputs()));
      sb.append(", \"state\": ").append(str(t.state().name()));
      sb.append(", \"failures\": ").append(t.failures());
      sb.append(", \"valueFailures\": ").append(t.valueFailures());
      sb.append(", \"restarts\": ").append(t.restarts());
      sb.append(", \"lastError\": ").append(t.lastError() == null ? "null" : str(t.lastError()));
      sb.append(", \"lane\": ").append(str(t.lane()));
      sb.append(", \"watchdogReports\": ").append(t.watchdogReports());
      sb.append(", \"lateness\": ").append(lateness(t.lateness()));
      sb.append('}');
    }
    sb.append("\n  ],\n  \"lanes\": [");
    first = true;
    for (LaneInfo l : s.lanes()) {
      sb.append(first ? "\n    " : ",\n    ");
      first = false;
      sb.append("{\"name\": ").append(str(l.name()));
      sb.append(", \"kind\": ").append(str(l.kind()));
      sb.append(", \"spec\": ").append(str(l.spec()));
      sb.append(", \"tasks\": ").append(strings(l.tasks()));
      sb.append(", \"liveThreads\": ").append(l.liveThreads());
      sb.append(", \"busyRatio\": ")
          .append(String.format(java.util.Locale.ROOT, "%.4f", l.busyRatio()));
      sb.append(", \"waitingForSlot\": ").append(l.waitingForSlot());
      sb.append(", \"rejected\": ").append(l.rejected());
      sb.append(", \"watchdogLimitMillis\": ").append(l.watchdogLimitMillis());
      sb.append(", \"watchdogReports\": ").append(l.watchdogReports());
      sb.append(", \"lastWatchdogReports\": ").append(strings(l.lastWatchdogReports()));
      sb.append(", \"tuningFailures\": ").append(l.tuningFailures());
      sb.append(", \"lateness\": ").append(lateness(l.lateness()));
      LaneInfo.Delay d = l.wakeToRun();
      sb.append(", \"wakeToRun\": {\"count\": ")
          .append(d.count())
          .append(", \"p50Nanos\": ")
          .append(d.p50Nanos())
          .append(", \"p99Nanos\": ")
          .append(d.p99Nanos())
          .append(", \"p999Nanos\": ")
          .append(d.p999Nanos())
          .append(", \"maxNanos\": ")
          .append(d.maxNanos())
          .append('}');
      sb.append('}');
    }
    sb.append("\n  ],\n  \"connectors\": [");
    first = true;
    for (ConnectorStatus c : s.connectors()) {
      sb.append(first ? "\n    " : ",\n    ");
      first = false;
      sb.append("{\"name\": ").append(str(c.name()));
      sb.append(", \"kind\": ").append(str(c.kind()));
      sb.append(", \"connected\": ").append(c.connected());
      sb.append(", \"lastError\": ").append(c.lastError() == null ? "null" : str(c.lastError()));
      sb.append(", \"backlog\": ").append(c.backlog());
      sb.append(", \"retries\": ").append(c.retries());
      sb.append(", \"deadLetters\": ").append(c.deadLetters());
      sb.append(", \"counters\": ").append(counters(c.counters()));
      sb.append('}');
    }
    sb.append("\n  ],\n  \"edges\": [");
    first = true;
    for (Edge e : s.edges()) {
      sb.append(first ? "\n    " : ",\n    ");
      first = false;
      sb.append("{\"from\": ")
          .append(str(e.from()))
          .append(", \"to\": ")
          .append(str(e.to()))
          .append('}');
    }
    return sb.append("\n  ]\n}\n").toString();
  }

  private static String counters(java.util.Map<String, Long> counters) {
    StringBuilder sb = new StringBuilder("{");
    new java.util.TreeMap<>(counters)
        .forEach(
            (k, v) -> {
              if (sb.length() > 1) {
                sb.append(", ");
              }
              sb.append(str(k)).append(": ").append(v);
            });
    return sb.append('}').toString();
  }

  private static String lateness(TaskInfo.Lateness l) {
    return "{\"ticks\": "
        + l.ticks()
        + ", \"missedTicks\": "
        + l.missedTicks()
        + ", \"p50Nanos\": "
        + l.p50Nanos()
        + ", \"p99Nanos\": "
        + l.p99Nanos()
        + ", \"p999Nanos\": "
        + l.p999Nanos()
        + ", \"maxNanos\": "
        + l.maxNanos()
        + "}";
  }

  private static String strings(List<String> list) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < list.size(); i++) {
      if (i > 0) {
        sb.append(", ");
      }
      sb.append(str(list.get(i)));
    }
    return sb.append(']').toString();
  }

  /** A JSON string literal (RFC 8259 escaping). */
  static String str(String s) {
    if (s == null) {
      return "null";
    }
    StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        case '\b' -> sb.append("\\b");
        case '\f' -> sb.append("\\f");
        default -> {
          if (c < 0x20 || c == '\u2028' || c == '\u2029') {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append('"').toString();
  }

  static String table(GraphSnapshot s) {
    String[] head = {
      "record",
      "type",
      "origin",
      "buffer",
      "produced",
      "delivered",
      "lagged",
      "behind",
      "would lag",
      "dropped",
      "last value"
    };
    List<String[]> rows = new java.util.ArrayList<>();
    rows.add(head);
    for (RecordInfo r : s.records()) {
      String last = r.lastValue() == null ? "-" : String.valueOf(r.lastValue());
      if (last.length() > 60) {
        last = last.substring(0, 57) + "...";
      }
      rows.add(
          new String[] {
            r.key(),
            simpleType(r.type()),
            r.origin().name().toLowerCase(),
            r.buffer() + (r.buffer().equals("ring") ? "(" + r.capacity() + ")" : ""),
            Long.toString(r.produced()),
            Long.toString(r.delivered()),
            Long.toString(r.lagged()),
            Long.toString(r.maxBacklog()),
            Long.toString(r.wouldLag()),
            Long.toString(r.dropped()),
            last
          });
    }
    int[] width = new int[head.length];
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        width[i] = Math.max(width[i], row[i].length());
      }
    }
    StringBuilder sb = new StringBuilder();
    for (int ri = 0; ri < rows.size(); ri++) {
      String[] row = rows.get(ri);
      for (int i = 0; i < row.length; i++) {
        boolean numeric = i >= 4 && i <= 7;
        String cell = row[i];
        String pad = " ".repeat(width[i] - cell.length());
        sb.append(numeric ? pad + cell : cell + (i == row.length - 1 ? "" : pad));
        if (i < row.length - 1) {
          sb.append("  ");
        }
      }
      sb.append('\n');
    }
    boolean anyFailures =
        s.tasks().stream().anyMatch(t -> t.failures() + t.valueFailures() + t.restarts() > 0);
    if (anyFailures) {
      sb.append("task failures:\n");
      for (TaskInfo t : s.tasks()) {
        if (t.failures() + t.valueFailures() + t.restarts() > 0) {
          sb.append("  ")
              .append(t.id())
              .append(": failures=")
              .append(t.failures())
              .append(" valueFailures=")
              .append(t.valueFailures())
              .append(" restarts=")
              .append(t.restarts())
              .append(" state=")
              .append(t.state())
              .append(t.lastError() == null ? "" : " last=" + t.lastError())
              .append('\n');
        }
      }
    }
    for (RecordInfo r : s.records()) {
      if (!r.hookCounters().isEmpty()) {
        sb.append(r.key()).append(": ");
        new java.util.TreeMap<>(r.hookCounters())
            .forEach((k, v) -> sb.append(k).append('=').append(v).append(' '));
        sb.setLength(sb.length() - 1);
        sb.append('\n');
      }
    }
    for (ConnectorStatus c : s.connectors()) {
      sb.append("connector ")
          .append(c.name())
          .append(" (")
          .append(c.kind())
          .append("): ")
          .append(c.connected() ? "connected" : "disconnected")
          .append(" backlog=")
          .append(c.backlog())
          .append(" retries=")
          .append(c.retries())
          .append(" deadLetters=")
          .append(c.deadLetters());
      new java.util.TreeMap<>(c.counters())
          .forEach((k, v) -> sb.append(' ').append(k).append('=').append(v));
      if (c.lastError() != null) {
        sb.append(" lastError=").append(c.lastError());
      }
      sb.append('\n');
    }
    return sb.toString();
  }

  static String simpleType(String type) {
    int dot = type.lastIndexOf('.');
    return dot < 0 ? type : type.substring(dot + 1);
  }
}
