package io.runnel;

import io.runnel.buffer.Producer;

/**
 * Produces the values of one record. Runs as a task in plain blocking style; returning ends the
 * source (and closes its record, so readers see end of stream). Throwing is logged, counted and
 * handled by the record's {@link RestartPolicy}. When the pipeline stops, the task is interrupted:
 * waits throw {@link InterruptedException} and {@link RuntimeContext#isStopping()} turns true.
 *
 * @param <T> the record's type
 */
@FunctionalInterface
public interface Source<T> {
  void run(RuntimeContext ctx, Producer<T> out) throws Exception;
}
