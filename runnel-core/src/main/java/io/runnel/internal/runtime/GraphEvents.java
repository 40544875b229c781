package io.runnel.internal.runtime;

import io.runnel.buffer.Buffer;
import io.runnel.buffer.BufferSpec;
import io.runnel.buffer.Reader;
import io.runnel.inspect.GraphChange;

/**
 * The graph's change events: an SPMC ring, the same buffer a record of high-rate telemetry uses, so
 * the commit that publishes never waits for a reader, and a reader that falls behind is told
 * exactly how many changes it missed ({@link io.runnel.buffer.LaggedException}); the ring's lag
 * count is the total of changes readers missed. Written only under the pipeline's lifecycle lock
 * (one producer); read by any number of outside threads.
 */
public final class GraphEvents {
  /** Changes a reader may fall behind by before it lags. */
  static final int CAPACITY = 256;

  private final Buffer<GraphChange> ring;

  GraphEvents(String pipeline) {
    this.ring = BufferSpec.ring(CAPACITY).create(pipeline + ":graph");
  }

  void publish(GraphChange change) {
    ring.produce(change);
  }

  Reader<GraphChange> subscribe() {
    return ring.subscribe();
  }

  /** Readers see end of stream once they received every change (the pipeline closed). */
  void close() {
    ring.close();
  }

  /** Changes published so far. */
  public long published() {
    return ring.produced();
  }

  /** Change events readers missed by falling more than {@value #CAPACITY} changes behind. */
  public long missed() {
    return ring.lagged();
  }
}
