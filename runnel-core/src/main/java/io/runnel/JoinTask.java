package io.runnel;

import io.runnel.buffer.Producer;

/**
 * A join in full control: reads from all its inputs and produces its output.
 *
 * @param <T> the output record's type
 */
@FunctionalInterface
public interface JoinTask<T> {
  void run(RuntimeContext ctx, JoinInputs inputs, Producer<T> out) throws Exception;
}
