package io.runnel.store.wal;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The highest sequence someone asked the writer to force at once ({@code HistoryStore.sync()}),
 * whatever the durability policy; -1 if none. Requested by any thread, served and cleared by the
 * writer.
 *
 * <p>A request is cleared only when the writer saw it and found it resolved (nothing queued,
 * everything written forced: its sequence was dropped or never appended). A request that arrives
 * meanwhile, for a value appended after the writer looked, is never lost.
 */
final class SyncRequest {
  private final AtomicLong upTo = new AtomicLong(-1);

  /** Any thread: asks for everything up to {@code sequence} to be forced now. */
  void request(long sequence) {
    upTo.accumulateAndGet(sequence, Math::max);
  }

  /** The highest sequence requested (a value to pass to {@link #resolved} later). */
  long get() {
    return upTo.get();
  }

  /**
   * Writer: the request it read as {@code observed} is resolved, everything up to {@code durable}
   * being forced; it is lowered to {@code durable}, unless a higher request came since.
   */
  void resolved(long observed, long durable) {
    // not accumulateAndGet(durable, min): that also lowers a request made after the writer looked
    upTo.compareAndSet(observed, Math.min(observed, durable));
  }
}
