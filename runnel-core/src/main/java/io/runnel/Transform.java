package io.runnel;

/**
 * Derives a value of one record from a value of another: a map that may filter. Return {@code null}
 * to produce nothing for this input. A transform that throws for one value is logged and counted
 * and gets the next value.
 *
 * @param <I> the input record's type
 * @param <O> the output record's type
 */
@FunctionalInterface
public interface Transform<I, O> {
  O apply(I value) throws Exception;
}
