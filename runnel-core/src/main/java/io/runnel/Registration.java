package io.runnel;

import io.runnel.buffer.BufferSpec;
import io.runnel.spi.RecordHook;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Configures one record inside {@link RunnelBuilder#configure}: its buffer, its writer (a source, a
 * transform or a join: at most one) and its taps (any number). Nothing is checked here; {@link
 * RunnelBuilder#build()} checks the whole graph and reports every problem at once.
 *
 * @param <T> the record's type
 */
public interface Registration<T> {

  /** A human-readable name shown in introspection and graph exports. */
  Registration<T> name(String name);

  /** How values are held; the default is the builder's ({@code ring(1024)} unless changed). */
  Registration<T> buffer(BufferSpec spec);

  /**
   * Declares that values are written from outside the graph with {@link Runnel#producer}; such a
   * record needs no writer and gets no {@link GraphProblem.Kind#NO_WRITER} warning.
   */
  Registration<T> external();

  /**
   * Runs this record's tasks (its writer and its taps) on the lane {@code lane}, declared with
   * {@link RunnelBuilder#lane}; the default is the virtual-thread lane {@value
   * RunnelBuilder#DEFAULT_LANE}.
   */
  Registration<T> lane(String lane);

  /** Runs the tap named {@code tapName} on {@code lane} instead of the record's lane. */
  Registration<T> tapLane(String tapName, String lane);

  /** The restart policy of this record's tasks (default: the builder's). */
  Registration<T> restart(RestartPolicy policy);

  /**
   * Attaches an extension that sees every value produced into this record and may restore a value
   * before start, such as persistence from {@code runnel-store}. Any number may be attached; they
   * run in the order attached, on the producer's thread.
   */
  Registration<T> hook(RecordHook<? super T> hook);

  /** Writes the record from a source task. */
  Registration<T> source(Source<T> source);

  /** Consumes each value. */
  Registration<T> tap(Tap<T> tap);

  /** Consumes each value; {@code name} identifies the tap in logs and introspection. */
  Registration<T> tap(String name, Tap<T> tap);

  /** Consumes the record with a task in full control of its reader. */
  Registration<T> tapTask(String name, TapTask<T> task);

  /**
   * Derives this record from {@code input}, read as {@code inputType}: a stateless map; return
   * {@code null} to produce nothing.
   */
  <I> Registration<T> transform(
      Class<I> inputType, RecordKey input, Transform<? super I, ? extends T> transform);

  /**
   * Like {@link #transform}, with state: {@code factory} creates a fresh transform (holding its
   * state in fields) when the task starts and again on each restart.
   */
  <I> Registration<T> transformStateful(
      Class<I> inputType,
      RecordKey input,
      Supplier<? extends Transform<? super I, ? extends T>> factory);

  /** Derives this record from {@code input} with a task in full control. */
  <I> Registration<T> transformTask(Class<I> inputType, RecordKey input, TransformTask<I, T> task);

  /** Derives this record from two or more inputs; see {@link Join}. */
  Registration<T> join(Consumer<Join<T>> join);
}
