package io.runnel;

import io.runnel.buffer.Producer;
import io.runnel.buffer.Reader;

/**
 * A transform in full control: reads its input and produces its output at its own pace, keeping any
 * state in local variables (windows, filters, rate limiters).
 *
 * @param <I> the input record's type
 * @param <O> the output record's type
 */
@FunctionalInterface
public interface TransformTask<I, O> {
  void run(RuntimeContext ctx, Reader<I> in, Producer<O> out) throws Exception;
}
