package io.runnel.internal.graph;

import io.runnel.GraphProblem;
import io.runnel.GraphProblem.Kind;
import io.runnel.LaneSpec;
import io.runnel.RecordKey;
import io.runnel.RunnelBuilder;
import io.runnel.internal.graph.RecordDef.InputRef;
import io.runnel.internal.graph.RecordDef.WriterDef;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Checks the registrations of a builder and reports every problem at once. Produces the record
 * table and a topological order (inputs before the records derived from them) when there is no
 * error.
 */
public final class GraphChecker {

  public final List<GraphProblem> errors = new ArrayList<>();
  public final List<GraphProblem> warnings = new ArrayList<>();

  /** First definition per key id, in configuration order. */
  public final Map<String, RecordDef<?>> records = new LinkedHashMap<>();

  /** Record ids in topological order (valid only without errors). */
  public final List<String> order = new ArrayList<>();

  public GraphChecker(List<RecordDef<?>> defs) {
    this(defs, Map.of(RunnelBuilder.DEFAULT_LANE, LaneSpec.virtual()));
  }

  public GraphChecker(List<RecordDef<?>> defs, Map<String, LaneSpec> lanes) {
    checkDefinitions(defs);
    checkLanes(lanes);
    checkInputs();
    List<List<String>> cycles = checkCycles();
    if (cycles.isEmpty()) {
      topologicalOrder();
    }
    for (RecordDef<?> def : records.values()) {
      if (def.writers.isEmpty() && !def.external) {
        warnings.add(
            new GraphProblem(
                Kind.NO_WRITER,
                List.of(def.id),
                "nothing writes record '"
                    + def.id
                    + "' ("
                    + typeName(def.type)
                    + "): give it a source, transform or join, or declare it external() and write it"
                    + " with Runnel.producer(); until then its readers wait forever"));
      }
    }
  }

  private void add(GraphProblem p) {
    (p.isWarning() ? warnings : errors).add(p);
  }

  private void checkDefinitions(List<RecordDef<?>> defs) {
    Map<String, List<RecordDef<?>>> byId = new LinkedHashMap<>();
    for (RecordDef<?> def : defs) {
      RecordKey.problem(def.id)
          .ifPresent(
              p -> add(new GraphProblem(Kind.INVALID_KEY, List.of(String.valueOf(def.id)), p)));
      def.problems.forEach(this::add);
      byId.computeIfAbsent(def.id, k -> new ArrayList<>()).add(def);
    }
    for (Map.Entry<String, List<RecordDef<?>>> e : byId.entrySet()) {
      List<RecordDef<?>> same = e.getValue();
      String id = e.getKey();
      records.put(id, same.get(0));
      if (same.size() > 1) {
        Set<Class<?>> types = new LinkedHashSet<>();
        same.forEach(d -> types.add(d.type));
        if (types.size() == 1) {
          add(
              new GraphProblem(
                  Kind.DUPLICATE_KEY,
                  List.of(id),
                  "record '"
                      + id
                      + "' ("
                      + typeName(same.get(0).type)
                      + ") is configured "
                      + same.size()
                      + " times; configure each key once and put all its taps in that one"
                      + " registration"));
        } else {
          add(
              new GraphProblem(
                  Kind.KEY_TYPE_CONFLICT,
                  List.of(id),
                  "record '"
                      + id
                      + "' is configured with different types ("
                      + types.stream().map(GraphChecker::typeName).collect(Collectors.joining(", "))
                      + "); one key holds values of exactly one type, so give each type its own"
                      + " key"));
        }
      }
      List<WriterDef> writers = new ArrayList<>();
      same.forEach(d -> writers.addAll(d.writers));
      if (writers.size() > 1) {
        add(
            new GraphProblem(
                Kind.MULTIPLE_WRITERS,
                List.of(id),
                "record '"
                    + id
                    + "' has "
                    + writers.size()
                    + " writers ("
                    + writers.stream()
                        .map(w -> w.kind.name().toLowerCase())
                        .collect(Collectors.joining(", "))
                    + "); a record has at most one writer: derive a separate record per writer and"
                    + " join them if needed"));
      }
      for (RecordDef<?> def : same) {
        for (WriterDef w : def.writers) {
          if (w.kind == RecordDef.WriterKind.JOIN) {
            checkJoin(def, w);
          }
        }
      }
    }
  }

  private void checkLanes(Map<String, LaneSpec> lanes) {
    Map<String, List<String>> tasksPerLane = new LinkedHashMap<>();
    for (RecordDef<?> def : records.values()) {
      String writerLane = def.lane != null ? def.lane : RunnelBuilder.DEFAULT_LANE;
      if (!def.writers.isEmpty()) {
        tasksPerLane
            .computeIfAbsent(writerLane, k -> new ArrayList<>())
            .add(def.id + "/" + def.writers.get(0).kind.name().toLowerCase());
      }
      for (RecordDef.TapDef<?> tap : def.taps) {
        String l = def.laneOfTap(tap.name());
        tasksPerLane
            .computeIfAbsent(l != null ? l : RunnelBuilder.DEFAULT_LANE, k -> new ArrayList<>())
            .add(def.id + "/tap:" + tap.name());
      }
      for (String tapName : def.tapLanes.keySet()) {
        if (def.taps.stream().noneMatch(t -> t.name().equals(tapName))) {
          add(
              new GraphProblem(
                  Kind.INVALID_REGISTRATION,
                  List.of(def.id),
                  "record '"
                      + def.id
                      + "' puts tap '"
                      + tapName
                      + "' on a lane, but has no tap of that name"));
        }
      }
    }
    for (Map.Entry<String, List<String>> e : tasksPerLane.entrySet()) {
      LaneSpec spec = lanes.get(e.getKey());
      if (spec == null) {
        add(
            new GraphProblem(
                Kind.UNKNOWN_LANE,
                keysOf(e.getValue()),
                "tasks "
                    + e.getValue()
                    + " are assigned to lane '"
                    + e.getKey()
                    + "', which is not declared; declare it with RunnelBuilder.lane(\""
                    + e.getKey()
                    + "\", LaneSpec...) (declared: "
                    + lanes.keySet()
                    + ")"));
        continue;
      }
      int budget = spec.taskBudget();
      if (e.getValue().size() > budget) {
        add(
            new GraphProblem(
                Kind.LANE_FULL,
                keysOf(e.getValue()),
                "lane '"
                    + e.getKey()
                    + "' ("
                    + spec
                    + ") takes at most "
                    + budget
                    + " tasks, but "
                    + e.getValue().size()
                    + " are assigned to it: "
                    + e.getValue()));
      }
    }
  }

  private static List<String> keysOf(List<String> taskIds) {
    return taskIds.stream().map(t -> t.substring(0, t.indexOf('/'))).distinct().toList();
  }

  private void checkJoin(RecordDef<?> def, WriterDef w) {
    if (w.inputs.size() < 2) {
      add(
          new GraphProblem(
              Kind.INVALID_JOIN,
              List.of(def.id),
              "the join writing '"
                  + def.id
                  + "' has "
                  + w.inputs.size()
                  + " input(s); a join needs at least two (use a transform for one)"));
    }
    if (w.onLatest == null && w.joinTask == null) {
      add(
          new GraphProblem(
              Kind.INVALID_JOIN,
              List.of(def.id),
              "the join writing '"
                  + def.id
                  + "' has no behaviour; call onLatest(...) or task(...)"));
    }
    Set<String> seen = new LinkedHashSet<>();
    for (InputRef in : w.inputs) {
      if (!seen.add(in.key().id())) {
        add(
            new GraphProblem(
                Kind.INVALID_JOIN,
                List.of(def.id, in.key().id()),
                "the join writing '" + def.id + "' reads '" + in.key().id() + "' twice"));
      }
    }
  }

  private void checkInputs() {
    for (RecordDef<?> def : records.values()) {
      for (WriterDef w : def.writers) {
        for (InputRef in : w.inputs) {
          String inId = in.key().id();
          RecordDef<?> source = records.get(inId);
          if (source == null) {
            add(
                new GraphProblem(
                    Kind.MISSING_INPUT,
                    List.of(def.id, inId),
                    w.describe(def.id)
                        + " reads '"
                        + inId
                        + "' ("
                        + typeName(in.type())
                        + "), which is not configured"
                        + suggestion(inId)));
          } else if (!in.type().isAssignableFrom(source.type)) {
            add(
                new GraphProblem(
                    Kind.INPUT_TYPE_MISMATCH,
                    List.of(def.id, inId),
                    w.describe(def.id)
                        + " reads '"
                        + inId
                        + "' as "
                        + typeName(in.type())
                        + ", but '"
                        + inId
                        + "' holds "
                        + typeName(source.type)));
          }
        }
      }
    }
  }

  private String suggestion(String missing) {
    for (String id : records.keySet()) {
      if (id.equalsIgnoreCase(missing) || editDistanceAtMostTwo(id, missing)) {
        return "; did you mean '" + id + "'?";
      }
    }
    return "";
  }

  private static boolean editDistanceAtMostTwo(String a, String b) {
    if (Math.abs(a.length() - b.length()) > 2) {
      return false;
    }
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()] <= 2;
  }

  /** Edges input -> derived record, between configured records only. */
  private Map<String, List<String>> edges() {
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (String id : records.keySet()) {
      out.put(id, new ArrayList<>());
    }
    for (RecordDef<?> def : records.values()) {
      for (WriterDef w : def.writers) {
        for (InputRef in : w.inputs) {
          List<String> targets = out.get(in.key().id());
          if (targets != null && !targets.contains(def.id)) {
            targets.add(def.id);
          }
        }
      }
    }
    return out;
  }

  /** Finds the strongly connected components with a cycle (Tarjan) and reports each once. */
  private List<List<String>> checkCycles() {
    Map<String, List<String>> edges = edges();
    Map<String, Integer> index = new HashMap<>();
    Map<String, Integer> low = new HashMap<>();
    Deque<String> stack = new ArrayDeque<>();
    Set<String> onStack = new LinkedHashSet<>();
    List<List<String>> cycles = new ArrayList<>();
    int[] counter = {0};
    for (String v : edges.keySet()) {
      if (!index.containsKey(v)) {
        strongConnect(v, edges, index, low, stack, onStack, counter, cycles);
      }
    }
    for (List<String> cycle : cycles) {
      List<String> path = cyclePath(cycle, edges);
      add(
          new GraphProblem(
              Kind.CYCLE,
              cycle,
              "records derive from each other in a cycle: "
                  + String.join(" -> ", path)
                  + "; a pipeline must be acyclic (keep feedback in a task's own state, or break"
                  + " the loop with an external() record)"));
    }
    return cycles;
  }

  // Recursive Tarjan: graphs here are configuration-sized (hundreds of records at most).
  private void strongConnect(
      String v,
      Map<String, List<String>> edges,
      Map<String, Integer> index,
      Map<String, Integer> low,
      Deque<String> stack,
      Set<String> onStack,
      int[] counter,
      List<List<String>> cycles) {
    index.put(v, counter[0]);
    low.put(v, counter[0]);
    counter[0]++;
    stack.push(v);
    onStack.add(v);
    for (String w : edges.get(v)) {
      if (!index.containsKey(w)) {
        strongConnect(w, edges, index, low, stack, onStack, counter, cycles);
        low.put(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.contains(w)) {
        low.put(v, Math.min(low.get(v), index.get(w)));
      }
    }
    if (low.get(v).equals(index.get(v))) {
      List<String> component = new ArrayList<>();
      String w;
      do {
        w = stack.pop();
        onStack.remove(w);
        component.add(w);
      } while (!w.equals(v));
      if (component.size() > 1 || edges.get(v).contains(v)) {
        // report in configuration order for stable messages
        List<String> ordered = new ArrayList<>();
        for (String id : records.keySet()) {
          if (component.contains(id)) {
            ordered.add(id);
          }
        }
        cycles.add(ordered);
      }
    }
  }

  /** A concrete closed path through the component, starting at its first record. */
  private static List<String> cyclePath(List<String> component, Map<String, List<String>> edges) {
    String start = component.get(0);
    Map<String, String> parent = new HashMap<>();
    Deque<String> queue = new ArrayDeque<>();
    queue.add(start);
    parent.put(start, null);
    while (!queue.isEmpty()) {
      String v = queue.poll();
      for (String w : edges.get(v)) {
        if (w.equals(start)) {
          List<String> path = new ArrayList<>();
          for (String x = v; x != null; x = parent.get(x)) {
            path.add(0, x);
          }
          path.add(start);
          return path;
        }
        if (component.contains(w) && !parent.containsKey(w)) {
          parent.put(w, v);
          queue.add(w);
        }
      }
    }
    List<String> fallback = new ArrayList<>(component);
    fallback.add(start);
    return fallback;
  }

  /**
   * Kahn's algorithm; ties broken by configuration order so the order is stable. O(n log n): it
   * runs at every run-time change too (a hub adding a record per station), not only at build.
   */
  private void topologicalOrder() {
    Map<String, List<String>> edges = edges();
    Map<String, Integer> position = new HashMap<>();
    for (String id : records.keySet()) {
      position.put(id, position.size());
    }
    Map<String, Integer> indegree = new HashMap<>();
    edges.keySet().forEach(id -> indegree.put(id, 0));
    edges.values().forEach(ts -> ts.forEach(t -> indegree.merge(t, 1, Integer::sum)));
    java.util.PriorityQueue<String> ready =
        new java.util.PriorityQueue<>(java.util.Comparator.comparingInt(position::get));
    indegree.forEach(
        (id, d) -> {
          if (d == 0) {
            ready.add(id);
          }
        });
    while (!ready.isEmpty()) {
      String v = ready.poll();
      order.add(v);
      for (String w : edges.get(v)) {
        if (indegree.merge(w, -1, Integer::sum) == 0) {
          ready.add(w);
        }
      }
    }
  }

  public static String typeName(Class<?> type) {
    if (type == null) {
      return "null";
    }
    String n = type.getCanonicalName();
    return n != null ? n : type.getName();
  }
}
