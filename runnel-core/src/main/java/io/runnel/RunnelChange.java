package io.runnel;

import io.runnel.inspect.GraphChange;
import io.runnel.internal.graph.RecordDef;
import io.runnel.internal.runtime.Pipeline;
import io.runnel.spi.Checks;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A change of a built or running pipeline's graph: records to add (configured exactly as {@link
 * RunnelBuilder#configure} configures them), records to remove, and lanes to declare. Create with
 * {@link Runnel#change()}, {@link #commit()} once. Like {@link RunnelBuilder} (decision 009) it
 * accumulates and returns {@code this}; nothing is checked before {@link #commit()}.
 *
 * <pre>{@code
 * runnel.change()
 *     .remove(STATION_7)
 *     .configure(Reading.class, STATION_8, r -> r.external().tap("log", log::info))
 *     .commit();
 * }</pre>
 *
 * <p>{@link #commit()} checks the graph the change would leave with the same checks as {@link
 * RunnelBuilder#build()}, and more: removing a record that remaining records read is an error. It
 * reports every problem at once in a {@link GraphException}, and then nothing has changed: no
 * record, task, lane, hook or counter. Otherwise the change is applied as one step: {@link
 * Runnel#inspect()} shows either the graph before or the graph after, never a mix.
 *
 * <p>Any thread may commit: the user's, a connector's (also inside its {@code start()}), a task's
 * or a task's child of the same pipeline (also one that removes its own record). Changes are
 * serialised with each other and with {@link Runnel#start()} and {@link Runnel#close()}; the
 * produce path of records is never locked, so other records keep running while a change is checked
 * and applied.
 */
public final class RunnelChange {

  private final Pipeline pipeline;
  private final List<RecordDef<?>> added = new ArrayList<>();
  private final Set<String> removed = new LinkedHashSet<>();
  private final Map<String, LaneSpec> lanes = new LinkedHashMap<>();
  private final List<GraphProblem> problems = new ArrayList<>();
  private boolean committed;

  RunnelChange(Pipeline pipeline) {
    this.pipeline = pipeline;
  }

  /**
   * Adds the record {@code key} holding values of {@code type}, configured like {@link
   * RunnelBuilder#configure(Class, RecordKey, Consumer)}: buffer, writer, taps, lane, hooks.
   */
  public <T> RunnelChange configure(
      Class<T> type, RecordKey key, Consumer<Registration<T>> config) {
    RecordDef.declare(type, key, config, added, problems);
    return this;
  }

  /**
   * Removes the record {@code key}: its writer is stopped, its taps drain what it still holds and
   * end, its readers outside the graph see end of stream, its hooks are closed. Records that read
   * it (transforms, joins) must be removed in the same change.
   */
  public RunnelChange remove(RecordKey key) {
    if (key == null) {
      problems.add(
          new GraphProblem(
              GraphProblem.Kind.INVALID_REGISTRATION, List.of(), "remove(key): key is null"));
    } else {
      removed.add(key.id());
    }
    return this;
  }

  /** Declares a new lane; a lane of this name must not exist yet. */
  public RunnelChange lane(String name, LaneSpec spec) {
    Checks.notBlank("lane name", name);
    Checks.notNull("spec", spec);
    if (lanes.putIfAbsent(name, spec) != null) {
      problems.add(
          new GraphProblem(
              GraphProblem.Kind.INVALID_REGISTRATION,
              List.of(),
              "lane '" + name + "' is declared twice in one change"));
    }
    return this;
  }

  /**
   * Checks and applies the change. Returns once the graph is changed and the added tasks are
   * started, and once the removed tasks have ended and their records' hooks are closed, bounded by
   * the pipeline's shutdown timeout as in {@link Runnel#close()} — except when called from a task
   * of this pipeline, or under a {@code Simulation}: then the removed tasks are waited for on
   * another thread (a task may be one of them, or hold the lane slot they need to end; simulated
   * tasks end when the simulation runs them).
   *
   * @return the change as readers of {@link Runnel#graphChanges()} see it
   * @throws GraphException listing every problem; then nothing has changed
   * @throws IllegalStateException if this change was committed already, or the pipeline is stopping
   *     or closed
   */
  public GraphChange commit() {
    if (committed) {
      throw new IllegalStateException("this change was committed already; make a new one");
    }
    committed = true;
    return pipeline.commit(added, removed, lanes, problems, GraphException::new);
  }
}
