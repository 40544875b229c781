package io.runnel;

import io.runnel.inspect.GraphSnapshot;
import java.util.List;

/**
 * The structure of a {@link GraphSnapshot} without its counters and states: what a freshly built
 * pipeline of the same registrations must show too.
 */
record GraphShape(
    List<String> records,
    List<String> tasks,
    List<String> edges,
    List<String> lanes,
    List<String> order) {

  static GraphShape of(GraphSnapshot s) {
    return new GraphShape(
        s.records().stream()
            .map(
                r ->
                    r.key()
                        + ":"
                        + r.type()
                        + ":"
                        + r.origin()
                        + ":"
                        + r.buffer()
                        + "/"
                        + r.capacity()
                        + " consumers="
                        + r.consumers())
            .toList(),
        s.tasks().stream()
            .map(t -> t.id() + ":" + t.kind() + ":" + t.key() + "<-" + t.inputs() + "@" + t.lane())
            .toList(),
        s.edges().stream().map(e -> e.from() + "->" + e.to()).toList(),
        s.lanes().stream().map(l -> l.name() + ":" + l.kind() + " tasks=" + l.tasks()).toList(),
        s.topologicalOrder());
  }
}
