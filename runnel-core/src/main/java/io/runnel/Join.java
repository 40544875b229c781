package io.runnel;

import java.util.function.Function;

/**
 * Declares a join: a record derived from two or more input records. Declare the inputs, keep their
 * handles, then give the behaviour: either {@link #onLatest} (the common case) or {@link #task}.
 *
 * <pre>{@code
 * r.join(j -> {
 *   JoinInput<Double> in = j.input(Double.class, INDOOR);
 *   JoinInput<Double> out = j.input(Double.class, OUTDOOR);
 *   j.onLatest(latest -> latest.get(in) - latest.get(out));
 * });
 * }</pre>
 *
 * @param <T> the output record's type
 */
public interface Join<T> {

  /** Adds an input; its value type must be the record's type or a supertype of it. */
  <I> JoinInput<I> input(Class<I> type, RecordKey key);

  /**
   * Each time any input delivers a value, once every input has a value, computes the output from
   * the latest value of each input; {@code null} produces nothing. A function that throws is logged
   * and counted, and evaluation continues with the next input value.
   */
  void onLatest(Function<Latest, ? extends T> fn);

  /** Full control: a task that reads all inputs and produces the output. */
  void task(JoinTask<T> task);
}
