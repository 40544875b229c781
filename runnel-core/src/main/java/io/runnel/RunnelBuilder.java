package io.runnel;

import io.runnel.buffer.BufferSpec;
import io.runnel.internal.graph.GraphChecker;
import io.runnel.internal.graph.RecordDef;
import io.runnel.internal.runtime.Pipeline;
import io.runnel.internal.runtime.SimulatedBuilders;
import io.runnel.internal.time.SimScheduler;
import io.runnel.internal.time.TimeSource;
import io.runnel.spi.Checks;
import io.runnel.spi.Connector;
import io.runnel.spi.RecordHook;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Collects record registrations and builds a checked {@link Runnel}. Create with {@link
 * Runnel#builder()}.
 *
 * <pre>{@code
 * Runnel runnel = Runnel.builder()
 *     .configure(Double.class, INDOOR, r -> r.buffer(BufferSpec.ring(256)).source(sensor))
 *     .configure(Alert.class, ALERT, r -> r.transform(Double.class, INDOOR, t -> t > 24 ? new Alert(t) : null))
 *     .build();
 * }</pre>
 *
 * <p>Configuration problems are not thrown one by one: {@link #build()} reports them all at once.
 */
public final class RunnelBuilder {

  private final List<RecordDef<?>> defs = new ArrayList<>();
  private final List<GraphProblem> builderProblems = new ArrayList<>();
  private String name = "runnel";
  private BufferSpec defaultBuffer = BufferSpec.ring(1024);
  private RestartPolicy defaultRestart = RestartPolicy.defaultPolicy();
  private Duration shutdownTimeout = Duration.ofSeconds(5);
  private TimeSource time = TimeSource.SYSTEM;
  private SimScheduler scheduler;
  private final java.util.Map<String, LaneSpec> lanes = new java.util.LinkedHashMap<>();
  private final java.util.Map<String, Connector> connectors = new java.util.LinkedHashMap<>();

  /** The name of the lane tasks run on unless assigned elsewhere: virtual threads by default. */
  public static final String DEFAULT_LANE = "default";

  RunnelBuilder() {
    lanes.put(DEFAULT_LANE, LaneSpec.virtual());
  }

  /**
   * Declares a lane, or replaces the spec of {@value #DEFAULT_LANE}. Assign tasks to it with {@link
   * Registration#lane(String)}.
   */
  public RunnelBuilder lane(String name, LaneSpec spec) {
    Checks.notBlank("lane name", name);
    Checks.notNull("spec", spec);
    lanes.put(name, spec);
    return this;
  }

  /**
   * Registers a connector: it starts before the pipeline's tasks, closes after them, and shows in
   * {@link Runnel#inspect()}. Two connectors with one name are reported by {@link #build()}.
   */
  public RunnelBuilder connector(Connector connector) {
    Checks.notNull("connector", connector);
    String cname = connector.name();
    if (cname == null || cname.isBlank()) {
      builderProblems.add(
          new GraphProblem(
              GraphProblem.Kind.INVALID_REGISTRATION,
              List.of(),
              "connector " + connector.getClass().getName() + " has no name"));
    } else if (connectors.putIfAbsent(cname, connector) != null) {
      builderProblems.add(
          new GraphProblem(
              GraphProblem.Kind.INVALID_REGISTRATION,
              List.of(),
              "two connectors are named '" + cname + "'; connector names must be unique"));
    }
    return this;
  }

  /** A name for this pipeline in logs (default {@code runnel}). */
  public RunnelBuilder name(String name) {
    this.name = Checks.notBlank("name", name);
    return this;
  }

  /** The buffer of records that do not choose one (default {@code ring(1024)}). */
  public RunnelBuilder defaultBuffer(BufferSpec spec) {
    this.defaultBuffer = Checks.notNull("spec", spec);
    return this;
  }

  /**
   * The restart policy of records that do not choose one (default {@link
   * RestartPolicy#defaultPolicy()}).
   */
  public RunnelBuilder defaultRestartPolicy(RestartPolicy policy) {
    this.defaultRestart = Checks.notNull("policy", policy);
    return this;
  }

  /**
   * How long {@link Runnel#close()} lets tasks finish on their own before interrupting them
   * (default 5 s).
   */
  public RunnelBuilder shutdownTimeout(Duration timeout) {
    this.shutdownTimeout = Checks.notNegative("shutdownTimeout", timeout);
    return this;
  }

  static {
    SimulatedBuilders.register(
        scheduler -> {
          RunnelBuilder b = new RunnelBuilder();
          b.scheduler = scheduler;
          b.time = scheduler;
          return b;
        });
  }

  /**
   * Declares the record {@code key} holding values of {@code type}, and configures it. Problems (a
   * bad key, a missing input, ...) are collected and reported by {@link #build()}.
   */
  public <T> RunnelBuilder configure(
      Class<T> type, RecordKey key, Consumer<Registration<T>> config) {
    RecordDef.declare(type, key, config, defs, builderProblems);
    return this;
  }

  /** Like {@link #configure(Class, RecordKey, Consumer)} with nothing more than the defaults. */
  public <T> RunnelBuilder configure(Class<T> type, RecordKey key) {
    return configure(type, key, r -> {});
  }

  /**
   * Checks the graph and creates the pipeline, not yet started.
   *
   * @throws GraphException listing every error found; warnings (see {@link
   *     GraphProblem.Kind#NO_WRITER}) do not fail the build but are logged and available from
   *     {@link Runnel#warnings()}
   */
  public Runnel build() {
    GraphChecker checker = new GraphChecker(defs, lanes);
    List<GraphProblem> errors = new ArrayList<>(builderProblems);
    errors.addAll(checker.errors);
    connectors.values().forEach(c -> errors.addAll(connectorProblems(c)));
    if (!errors.isEmpty()) {
      throw new GraphException(errors);
    }
    for (RecordDef<?> def : defs) {
      LaneSpec writerLane = lanes.get(def.lane != null ? def.lane : DEFAULT_LANE);
      for (RecordHook<?> hook : def.hooks) {
        try {
          hook.attach(def.key, def.type, writerLane);
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
      throw new GraphException(errors);
    }
    Runnel runnel =
        new Runnel(
            new Pipeline(
                name,
                checker,
                defs,
                defaultBuffer,
                defaultRestart,
                shutdownTimeout,
                time,
                lanes,
                scheduler,
                List.copyOf(connectors.values())));
    if (scheduler != null) {
      scheduler.adopt(runnel);
    }
    return runnel;
  }

  /** What {@code c} reports about its configuration; a connector that throws here is a problem. */
  private static List<GraphProblem> connectorProblems(Connector c) {
    List<GraphProblem> out = new ArrayList<>();
    try {
      List<String> reported = c.problems();
      if (reported != null) {
        for (String p : reported) {
          out.add(
              new GraphProblem(
                  GraphProblem.Kind.INVALID_CONNECTOR,
                  List.of(),
                  "connector '" + c.name() + "': " + p));
        }
      }
    } catch (RuntimeException e) {
      out.add(
          new GraphProblem(
              GraphProblem.Kind.INVALID_CONNECTOR,
              List.of(),
              "connector '" + c.name() + "': problems() threw " + e));
    }
    return out;
  }
}
