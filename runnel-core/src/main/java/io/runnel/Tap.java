package io.runnel;

/**
 * Consumes each value of a record (logging, metrics, actuation). A tap that throws for one value is
 * logged and counted, and gets the next value; it never disturbs other consumers.
 *
 * @param <T> the record's type
 */
@FunctionalInterface
public interface Tap<T> {
  void accept(RuntimeContext ctx, T value) throws Exception;
}
