package io.runnel.internal.graph;

import io.runnel.GraphProblem;
import io.runnel.Join;
import io.runnel.JoinInput;
import io.runnel.JoinTask;
import io.runnel.Latest;
import io.runnel.RecordKey;
import io.runnel.Registration;
import io.runnel.RestartPolicy;
import io.runnel.RunnelBuilder;
import io.runnel.Source;
import io.runnel.Tap;
import io.runnel.TapTask;
import io.runnel.Transform;
import io.runnel.TransformTask;
import io.runnel.buffer.BufferSpec;
import io.runnel.spi.RecordHook;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/** What {@link RunnelBuilder#configure} recorded for one record; also its {@link Registration}. */
public final class RecordDef<T> implements Registration<T> {

  public enum WriterKind {
    SOURCE,
    TRANSFORM,
    JOIN
  }

  public record InputRef(Class<?> type, RecordKey key) {}

  /** One writer of the record. Exactly one of the bodies is set, by kind. */
  public static final class WriterDef {
    public final WriterKind kind;
    public final List<InputRef> inputs;
    public Source<?> source;
    public Supplier<? extends Transform<?, ?>> transformFactory;
    public TransformTask<?, ?> transformTask;
    public Function<Latest, ?> onLatest;
    public JoinTask<?> joinTask;
    public final List<JoinInput<?>> joinHandles = new ArrayList<>();

    public WriterDef(WriterKind kind, List<InputRef> inputs) {
      this.kind = kind;
      this.inputs = inputs;
    }

    String describe(String outputKey) {
      return switch (kind) {
        case SOURCE -> "the source of '" + outputKey + "'";
        case TRANSFORM -> "the transform writing '" + outputKey + "'";
        case JOIN -> "the join writing '" + outputKey + "'";
      };
    }
  }

  public record TapDef<T>(String name, Tap<T> tap, TapTask<T> task) {}

  public final RecordKey key;
  public final String id;
  public final Class<T> type;
  final int order;
  String name;
  public BufferSpec buffer;
  boolean external;
  public RestartPolicy restart;
  public String lane;
  final java.util.Map<String, String> tapLanes = new java.util.LinkedHashMap<>();
  public final List<WriterDef> writers = new ArrayList<>();
  public final List<TapDef<T>> taps = new ArrayList<>();
  public final List<RecordHook<? super T>> hooks = new ArrayList<>();
  final List<GraphProblem> problems = new ArrayList<>();

  public RecordDef(Class<T> type, RecordKey key, int order) {
    this.type = type;
    this.key = key;
    this.id = key.id();
    this.order = order;
  }

  /**
   * What {@code configure(type, key, config)} does for the builder and for a run-time change: a
   * null argument is a problem added to {@code problems}; otherwise a new definition is appended to
   * {@code defs} (its order is its index) and {@code config} applied to it, a failure of which is a
   * problem of that record.
   */
  public static <T> void declare(
      Class<T> type,
      RecordKey key,
      Consumer<Registration<T>> config,
      List<? super RecordDef<T>> defs,
      List<GraphProblem> problems) {
    if (type == null || key == null || config == null) {
      problems.add(
          new GraphProblem(
              GraphProblem.Kind.INVALID_REGISTRATION,
              key == null ? List.of() : List.of(String.valueOf(key.id())),
              "configure(type, key, config) was called with a null "
                  + (type == null ? "type" : key == null ? "key" : "config")
                  + (key == null ? "" : " for key '" + key.id() + "'")));
      return;
    }
    RecordDef<T> def = new RecordDef<>(type, key, defs.size());
    defs.add(def);
    try {
      config.accept(def);
    } catch (RuntimeException e) {
      def.problem(
          GraphProblem.Kind.INVALID_REGISTRATION,
          "configuring record '" + def.id + "' failed: " + e);
    }
  }

  public void problem(GraphProblem.Kind kind, String message) {
    problems.add(new GraphProblem(kind, List.of(String.valueOf(id)), message));
  }

  private boolean check(Object arg, String what) {
    if (arg == null) {
      problem(
          GraphProblem.Kind.INVALID_REGISTRATION,
          "record '" + id + "': " + what + " must not be null");
      return false;
    }
    return true;
  }

  @Override
  public Registration<T> name(String name) {
    if (check(name, "name")) {
      this.name = name;
    }
    return this;
  }

  @Override
  public Registration<T> buffer(BufferSpec spec) {
    if (check(spec, "buffer")) {
      this.buffer = spec;
    }
    return this;
  }

  /** Whether the record was declared written from outside the graph. */
  public boolean isExternal() {
    return external;
  }

  @Override
  public Registration<T> external() {
    this.external = true;
    return this;
  }

  @Override
  public Registration<T> lane(String lane) {
    if (check(lane, "lane")) {
      this.lane = lane;
    }
    return this;
  }

  @Override
  public Registration<T> tapLane(String tapName, String lane) {
    if (check(tapName, "tap name") && check(lane, "lane")) {
      tapLanes.put(tapName, lane);
    }
    return this;
  }

  /** The lane of the tap named {@code tapName}. */
  public String laneOfTap(String tapName) {
    String l = tapLanes.get(tapName);
    return l != null ? l : lane;
  }

  @Override
  public Registration<T> restart(RestartPolicy policy) {
    if (check(policy, "restart policy")) {
      this.restart = policy;
    }
    return this;
  }

  @Override
  public Registration<T> hook(RecordHook<? super T> hook) {
    if (check(hook, "hook")) {
      hooks.add(hook); // attached by build(), once the graph checked out
    }
    return this;
  }

  public static String hookName(RecordHook<?> hook) {
    try {
      return String.valueOf(hook.name());
    } catch (RuntimeException e) {
      return hook.getClass().getName();
    }
  }

  @Override
  public Registration<T> source(Source<T> source) {
    if (check(source, "source")) {
      WriterDef w = new WriterDef(WriterKind.SOURCE, List.of());
      w.source = source;
      writers.add(w);
    }
    return this;
  }

  @Override
  public Registration<T> tap(Tap<T> tap) {
    return tap("tap-" + (taps.size() + 1), tap);
  }

  @Override
  public Registration<T> tap(String name, Tap<T> tap) {
    if (check(name, "tap name") && check(tap, "tap")) {
      taps.add(new TapDef<>(name, tap, null));
    }
    return this;
  }

  @Override
  public Registration<T> tapTask(String name, TapTask<T> task) {
    if (check(name, "tap name") && check(task, "tap task")) {
      taps.add(new TapDef<>(name, null, task));
    }
    return this;
  }

  private boolean checkInput(Class<?> inputType, RecordKey input) {
    return check(inputType, "input type") && check(input, "input key");
  }

  @Override
  public <I> Registration<T> transform(
      Class<I> inputType, RecordKey input, Transform<? super I, ? extends T> transform) {
    if (checkInput(inputType, input) && check(transform, "transform")) {
      WriterDef w = new WriterDef(WriterKind.TRANSFORM, List.of(new InputRef(inputType, input)));
      w.transformFactory = () -> transform;
      writers.add(w);
    }
    return this;
  }

  @Override
  public <I> Registration<T> transformStateful(
      Class<I> inputType,
      RecordKey input,
      Supplier<? extends Transform<? super I, ? extends T>> factory) {
    if (checkInput(inputType, input) && check(factory, "transform factory")) {
      WriterDef w = new WriterDef(WriterKind.TRANSFORM, List.of(new InputRef(inputType, input)));
      w.transformFactory = factory;
      writers.add(w);
    }
    return this;
  }

  @Override
  public <I> Registration<T> transformTask(
      Class<I> inputType, RecordKey input, TransformTask<I, T> task) {
    if (checkInput(inputType, input) && check(task, "transform task")) {
      WriterDef w = new WriterDef(WriterKind.TRANSFORM, List.of(new InputRef(inputType, input)));
      w.transformTask = task;
      writers.add(w);
    }
    return this;
  }

  @Override
  public Registration<T> join(Consumer<Join<T>> join) {
    if (!check(join, "join")) {
      return this;
    }
    List<InputRef> inputs = new ArrayList<>();
    WriterDef w = new WriterDef(WriterKind.JOIN, inputs);
    join.accept(
        new Join<T>() {
          @Override
          public <I> JoinInput<I> input(Class<I> type, RecordKey key) {
            Objects.requireNonNull(type, "input type");
            Objects.requireNonNull(key, "input key");
            inputs.add(new InputRef(type, key));
            JoinInput<I> handle = new JoinHandle<>(type, key, inputs.size() - 1);
            w.joinHandles.add(handle);
            return handle;
          }

          @Override
          public void onLatest(Function<Latest, ? extends T> fn) {
            Objects.requireNonNull(fn, "onLatest function");
            if (w.onLatest != null || w.joinTask != null) {
              problem(
                  GraphProblem.Kind.INVALID_JOIN,
                  "the join writing '"
                      + id
                      + "' has more than one behaviour; give one onLatest or one task");
            }
            w.onLatest = fn;
          }

          @Override
          public void task(JoinTask<T> task) {
            Objects.requireNonNull(task, "join task");
            if (w.onLatest != null || w.joinTask != null) {
              problem(
                  GraphProblem.Kind.INVALID_JOIN,
                  "the join writing '"
                      + id
                      + "' has more than one behaviour; give one onLatest or one task");
            }
            w.joinTask = task;
          }
        });
    writers.add(w);
    return this;
  }

  public String displayName() {
    return name != null ? name : id;
  }
}
