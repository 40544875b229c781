package io.runnel.metrics;

import static io.runnel.metrics.SpecList.bool;
import static io.runnel.metrics.SpecList.seconds;

import io.micrometer.core.instrument.Tags;
import io.runnel.Runnel;
import io.runnel.inspect.GraphSnapshot;
import io.runnel.inspect.LaneInfo;
import io.runnel.inspect.RecordInfo;
import io.runnel.inspect.TaskInfo;
import io.runnel.spi.ConnectorStatus;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * The pipeline's meters: records, tasks, lanes, connectors and the pipeline's state, read from one
 * {@link GraphSnapshot} per refresh. A record, task, lane or connector that appears in a later
 * snapshot gets its meters at that refresh; one that is gone loses them at that refresh.
 */
final class GraphMeters implements MeterSource {
  /**
   * The percentiles a snapshot carries. Tagged {@code percentile} (50, 99, 99.9), not {@code
   * quantile}: Prometheus keeps that label for summaries, and these are gauges of an HdrHistogram's
   * percentiles, without the sum and count a summary has.
   */
  private static final double[] QUANTILES = {0.5, 0.99, 0.999};

  private final Runnel runnel;
  private volatile View view;
  private volatile long snapshots;
  private volatile long lastSnapshotNanos;

  GraphMeters(Runnel runnel) {
    this.runnel = runnel;
  }

  /** One snapshot, indexed by name, so that a meter's read is a map look-up. */
  private record View(
      GraphSnapshot graph,
      Map<String, RecordInfo> records,
      Map<String, TaskInfo> tasks,
      Map<String, LaneInfo> lanes,
      Map<String, ConnectorStatus> connectors) {

    static View of(GraphSnapshot g) {
      return new View(
          g,
          index(g.records(), RecordInfo::key),
          index(g.tasks(), TaskInfo::id),
          index(g.lanes(), LaneInfo::name),
          index(g.connectors(), ConnectorStatus::name));
    }

    private static <T> Map<String, T> index(List<T> items, Function<T, String> name) {
      Map<String, T> m = HashMap.newHashMap(items.size());
      for (T t : items) {
        m.put(name.apply(t), t);
      }
      return m;
    }
  }

  @Override
  public void refresh() {
    long t0 = System.nanoTime();
    GraphSnapshot g = runnel.inspect();
    lastSnapshotNanos = System.nanoTime() - t0;
    view = View.of(g);
    snapshots++; // written only under RunnelMetrics' refresh lock
  }

  /** Snapshots taken so far. */
  long snapshots() {
    return snapshots;
  }

  @Override
  public Object shape() {
    View v = view;
    List<String> shape = new ArrayList<>();
    for (RecordInfo r : v.graph().records()) {
      shape.add("r:" + r.key() + new TreeSet<>(r.hookCounters().keySet()));
    }
    for (TaskInfo t : v.graph().tasks()) {
      shape.add("t:" + t.id() + "@" + t.lane() + (ticks(t.lateness()) ? "+ticks" : ""));
    }
    for (LaneInfo l : v.graph().lanes()) {
      shape.add("l:" + l.name() + "/" + l.kind() + (ticks(l.lateness()) ? "+ticks" : ""));
    }
    for (ConnectorStatus c : v.graph().connectors()) {
      shape.add("c:" + c.name() + "/" + c.kind() + new TreeSet<>(c.counters().keySet()));
    }
    return shape;
  }

  private static boolean ticks(TaskInfo.Lateness l) {
    return l != null && (l.ticks() > 0 || l.missedTicks() > 0);
  }

  @Override
  public void specs(SpecList out) {
    View v = view;
    pipeline(out);
    for (RecordInfo r : v.graph().records()) {
      record(out, r);
    }
    for (TaskInfo t : v.graph().tasks()) {
      task(out, t);
    }
    for (LaneInfo l : v.graph().lanes()) {
      lane(out, l);
    }
    for (ConnectorStatus c : v.graph().connectors()) {
      connector(out, c);
    }
  }

  private void pipeline(SpecList out) {
    for (Runnel.State s : Runnel.State.values()) {
      out.gauge(
          "runnel.pipeline.state",
          "1 for the pipeline's lifecycle state, 0 for the others",
          Tags.of("state", lower(s.name())),
          () -> bool(view.graph().state().equals(s.name())));
    }
    out.counter(
        "runnel.metrics.snapshots",
        "Pipeline snapshots (inspect()) taken by the metrics binding",
        Tags.empty(),
        () -> snapshots);
    out.gauge(
        "runnel.metrics.snapshot.duration",
        "seconds",
        "How long the last pipeline snapshot (inspect()) took",
        Tags.empty(),
        () -> seconds(lastSnapshotNanos));
  }

  private void record(SpecList out, RecordInfo r) {
    String key = r.key();
    Tags tags = Tags.of("record", key);
    out.counter("runnel.record.produced", "Values produced", tags, rec(key, RecordInfo::produced))
        .counter(
            "runnel.record.delivered",
            "Values received, summed over readers",
            tags,
            rec(key, RecordInfo::delivered))
        .counter(
            "runnel.record.lagged",
            "Values missed by lagging readers, summed over readers (counted when they read again)",
            tags,
            rec(key, RecordInfo::lagged))
        .counter(
            "runnel.record.dropped",
            "Values lost before any reader took them (mailbox overwrites)",
            tags,
            rec(key, RecordInfo::dropped))
        .gauge(
            "runnel.record.consumers",
            "Taps, derived records and outside readers subscribed",
            tags,
            rec(key, RecordInfo::consumers))
        .gauge(
            "runnel.record.producers",
            "Writers of the record (0 or 1)",
            tags,
            rec(key, RecordInfo::producers))
        .gauge(
            "runnel.record.backlog.max",
            "Values the furthest-behind reader has neither received nor been told it missed, now",
            tags,
            rec(key, RecordInfo::maxBacklog))
        .gauge(
            "runnel.record.backlog.overrun",
            "Values the furthest-behind ring reader will be told it missed when it next reads",
            tags,
            rec(key, RecordInfo::wouldLag))
        .gauge(
            "runnel.record.capacity",
            "Values the buffer holds (ring capacity, or 1)",
            tags,
            rec(key, RecordInfo::capacity))
        .gauge(
            "runnel.record.closed",
            "1 once the record's buffer is closed",
            tags,
            rec(key, i -> bool(i.closed())));
    for (String counter : new TreeSet<>(r.hookCounters().keySet())) {
      int dot = counter.indexOf('.');
      String hook = dot < 0 ? "" : counter.substring(0, dot);
      String event = dot < 0 ? counter : counter.substring(dot + 1);
      out.counter(
          "runnel.record.hook.events",
          "Counters of the record's hooks, e.g. hook=persist, event=appended",
          tags.and("hook", hook, "event", event),
          rec(key, i -> i.hookCounters().getOrDefault(counter, 0L)));
    }
  }

  private void task(SpecList out, TaskInfo t) {
    String id = t.id();
    Tags tags = Tags.of("task", id, "lane", String.valueOf(t.lane()));
    for (TaskInfo.State s : TaskInfo.State.values()) {
      out.gauge(
          "runnel.task.state",
          "1 for the task's lifecycle state, 0 for the others",
          tags.and("state", lower(s.name())),
          task(id, i -> bool(i.state() == s)));
    }
    out.counter(
            "runnel.task.failures", "Times the task body threw", tags, task(id, i -> i.failures()))
        .counter(
            "runnel.task.value.failures",
            "Values for which a per-value callback threw (value skipped)",
            tags,
            task(id, i -> i.valueFailures()))
        .counter(
            "runnel.task.restarts", "Restarts after failures", tags, task(id, i -> i.restarts()))
        .counter(
            "runnel.task.watchdog.reports",
            "Times the watchdog reported the task holding its lane too long",
            tags,
            task(id, i -> i.watchdogReports()));
    if (ticks(t.lateness())) {
      out.counter("runnel.task.ticks", "Ticks fired", tags, task(id, i -> i.lateness().ticks()))
          .counter(
              "runnel.task.ticks.missed",
              "Ticks skipped (SKIP) or re-anchorings (DELAY)",
              tags,
              task(id, i -> i.lateness().missedTicks()));
      lateness(
          out,
          "runnel.task.lateness",
          "How late the task's tickers fired",
          tags,
          id,
          (v, k) -> v.tasks().get(k) == null ? null : v.tasks().get(k).lateness());
    }
  }

  private void lane(SpecList out, LaneInfo l) {
    String name = l.name();
    Tags tags = Tags.of("lane", name, "kind", lower(String.valueOf(l.kind())));
    out.gauge(
            "runnel.lane.busy",
            "ratio",
            "Time the lane's threads ran (not waiting in Runnel), per elapsed time and parallelism",
            tags,
            lane(name, LaneInfo::busyRatio))
        .gauge(
            "runnel.lane.threads.live",
            "Threads of the lane alive now (tasks and spawned children)",
            tags,
            lane(name, LaneInfo::liveThreads))
        .gauge(
            "runnel.lane.slot.waiting",
            "Tasks waiting for a slot (cooperative lanes and blocking pools)",
            tags,
            lane(name, LaneInfo::waitingForSlot))
        .counter(
            "runnel.lane.rejected",
            "Tasks or spawns refused because the lane was full",
            tags,
            lane(name, LaneInfo::rejected))
        .gauge(
            "runnel.lane.watchdog.limit",
            "seconds",
            "How long a task may hold the lane before the watchdog reports it",
            tags,
            lane(name, i -> i.watchdogLimitMillis() / 1e3))
        .counter(
            "runnel.lane.watchdog.reports",
            "Times the watchdog reported a task holding the lane too long",
            tags,
            lane(name, LaneInfo::watchdogReports))
        .counter(
            "runnel.lane.tuning.failures",
            "CPU pinning or priority requests that could not be applied",
            tags,
            lane(name, LaneInfo::tuningFailures))
        .counter(
            "runnel.lane.wakeups",
            "Wake-ups whose delay to running was recorded",
            tags,
            lane(name, i -> i.wakeToRun() == null ? 0 : i.wakeToRun().count()));
    for (double q : QUANTILES) {
      out.gauge(
          "runnel.lane.wake.delay",
          "seconds",
          "How long the lane's threads took to run again once due (woken or deadline reached)",
          tags.and("percentile", percentile(q)),
          lane(name, i -> i.wakeToRun() == null ? 0 : seconds(quantile(i.wakeToRun(), q))));
    }
    out.gauge(
        "runnel.lane.wake.delay.max",
        "seconds",
        "The longest delay of the lane's threads to run again once due",
        tags,
        lane(name, i -> i.wakeToRun() == null ? 0 : seconds(i.wakeToRun().maxNanos())));
    if (ticks(l.lateness())) {
      lateness(
          out,
          "runnel.lane.lateness",
          "How late the tickers of the lane's tasks fired",
          tags,
          name,
          (v, k) -> v.lanes().get(k) == null ? null : v.lanes().get(k).lateness());
    }
  }

  private void connector(SpecList out, ConnectorStatus c) {
    String name = c.name();
    Tags tags = Tags.of("connector", name, "kind", String.valueOf(c.kind()));
    out.gauge(
            "runnel.connector.connected",
            "1 while the connector's link to the outside is up",
            tags,
            conn(name, i -> bool(i.connected())))
        .gauge(
            "runnel.connector.backlog",
            "Values waiting to be forwarded (history not yet acknowledged, queued messages)",
            tags,
            conn(name, ConnectorStatus::backlog))
        .counter(
            "runnel.connector.retries",
            "Attempts repeated after a failure",
            tags,
            conn(name, ConnectorStatus::retries))
        .counter(
            "runnel.connector.dead.letters",
            "Inbound values that could not be decoded or routed",
            tags,
            conn(name, ConnectorStatus::deadLetters));
    for (String stat : new TreeSet<>(c.counters().keySet())) {
      out.gauge(
          "runnel.connector.stat",
          "The connector's own figures by name (counters and levels; the SPI does not say which)",
          tags.and("stat", stat),
          conn(name, i -> i.counters().getOrDefault(stat, 0L)));
    }
  }

  /** Where a lateness distribution is found in a view, by entity name. */
  private interface LatenessOf {
    TaskInfo.Lateness in(View v, String name);
  }

  private void lateness(
      SpecList out, String name, String description, Tags tags, String entity, LatenessOf of) {
    for (double q : QUANTILES) {
      out.gauge(
          name,
          "seconds",
          description + " (percentile over the run so far)",
          tags.and("percentile", percentile(q)),
          () -> {
            TaskInfo.Lateness l = of.in(view, entity);
            return l == null ? Double.NaN : seconds(quantile(l, q));
          });
    }
    out.gauge(
        name + ".max",
        "seconds",
        description + " (the latest tick so far)",
        tags,
        () -> {
          TaskInfo.Lateness l = of.in(view, entity);
          return l == null ? Double.NaN : seconds(l.maxNanos());
        });
  }

  private static String percentile(double q) {
    return q == 0.5 ? "50" : q == 0.99 ? "99" : "99.9";
  }

  private static long quantile(TaskInfo.Lateness l, double q) {
    return q == 0.5 ? l.p50Nanos() : q == 0.99 ? l.p99Nanos() : l.p999Nanos();
  }

  private static long quantile(LaneInfo.Delay d, double q) {
    return q == 0.5 ? d.p50Nanos() : q == 0.99 ? d.p99Nanos() : d.p999Nanos();
  }

  private java.util.function.DoubleSupplier rec(String key, ToDoubleFunction<RecordInfo> f) {
    return () -> {
      RecordInfo i = view.records().get(key);
      return i == null ? Double.NaN : f.applyAsDouble(i);
    };
  }

  private java.util.function.DoubleSupplier task(String id, ToDoubleFunction<TaskInfo> f) {
    return () -> {
      TaskInfo i = view.tasks().get(id);
      return i == null ? Double.NaN : f.applyAsDouble(i);
    };
  }

  private java.util.function.DoubleSupplier lane(String name, ToDoubleFunction<LaneInfo> f) {
    return () -> {
      LaneInfo i = view.lanes().get(name);
      return i == null ? Double.NaN : f.applyAsDouble(i);
    };
  }

  private java.util.function.DoubleSupplier conn(String name, ToDoubleFunction<ConnectorStatus> f) {
    return () -> {
      ConnectorStatus i = view.connectors().get(name);
      return i == null ? Double.NaN : f.applyAsDouble(i);
    };
  }

  private static String lower(String s) {
    return s.toLowerCase(Locale.ROOT);
  }
}
