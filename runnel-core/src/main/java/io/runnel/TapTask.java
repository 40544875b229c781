package io.runnel;

import io.runnel.buffer.Reader;

/**
 * A tap in full control of its reader: receives at its own pace, sees each {@link
 * io.runnel.buffer.LaggedException}. Returning or reaching end of stream ends it; throwing is
 * handled by the record's {@link RestartPolicy} (the reader, and so the position, is kept).
 *
 * @param <T> the record's type
 */
@FunctionalInterface
public interface TapTask<T> {
  void run(RuntimeContext ctx, Reader<T> in) throws Exception;
}
