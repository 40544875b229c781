package io.runnel.http;

import static java.lang.System.Logger.Level.WARNING;

import io.runnel.spi.LogLimiter;
import io.runnel.store.StoredEntry;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds the next {@link Batch} from the history: reads entries through {@link HistoryPages} within
 * the entry and byte limits, renders them with {@link BatchWriter} and names the batch with its
 * idempotency key.
 *
 * <p>Keys: {@code <node>-<first sequence>}; a batch built with a smaller entry limit than
 * configured (after a 413) also names that limit, {@code <node>-<first>-l<limit>}, so it never
 * shares a key with the larger batch that was refused.
 *
 * <p>Used by the sync thread only; counts {@code undecodedEntries} and {@code oversizeEntries} into
 * the {@link SyncStatus}.
 */
final class Batcher {
  private static final System.Logger LOG = System.getLogger(CloudSync.class.getName());

  private final String name;
  private final String nodeId;
  private final int maxBatchEntries;
  private final long maxBatchBytes;
  private final HistoryPages history;
  private final BatchWriter writer;
  private final SyncStatus status;
  private final LogLimiter renderLog = new LogLimiter(3, Duration.ofMinutes(1));

  Batcher(SyncSettings settings, HistoryPages history, SyncStatus status) {
    this.name = settings.name();
    this.nodeId = settings.nodeId();
    this.maxBatchEntries = settings.maxBatchEntries();
    this.maxBatchBytes = settings.maxBatchBytes();
    this.history = history;
    this.writer = new BatchWriter(settings.mapper(), settings.codecs(), settings.nodeId());
    this.status = status;
  }

  /**
   * Reads from {@code from} and builds the next batch.
   *
   * @param durable the durable sequence read before (see {@link HistoryPages#read})
   * @param limit at most this many entries
   * @param until {@link Long#MAX_VALUE} for a new batch, cut by the byte limit; otherwise the exact
   *     end (exclusive) of a batch sent before, rebuilt with these bounds whatever its size
   */
  Batch next(long from, long durable, int limit, long until) throws IOException {
    boolean exact = until != Long.MAX_VALUE;
    Entries entries = new Entries(exact);
    long next = history.read(from, durable, limit, until, entries);
    if (entries.rendered.isEmpty()) {
      return Batch.empty(next);
    }
    return new Batch(
        entries.first,
        entries.last,
        next,
        entries.rendered.size(),
        writer.body(entries.first, entries.last, entries.rendered, entries.entryBytes),
        idempotencyKey(entries.first, exact ? maxBatchEntries : limit));
  }

  /** The entries of the batch being built; refuses the entry that would break the byte limit. */
  private final class Entries implements HistoryPages.Sink {
    private final boolean exact;
    final List<byte[]> rendered = new ArrayList<>();
    long first = -1;
    long last = -1;
    long bytes = writer.headerReserve();
    int entryBytes;

    Entries(boolean exact) {
      this.exact = exact;
    }

    @Override
    public boolean offer(StoredEntry e) {
      BatchWriter.Rendered r = writer.entry(e);
      byte[] json = r.json();
      if (!rendered.isEmpty() && !exact && bytes + 1 + json.length > maxBatchBytes) {
        return false; // a rebuilt batch keeps its old bounds whatever its size
      }
      count(r);
      if (first < 0) {
        first = e.sequence();
      }
      last = e.sequence();
      rendered.add(json);
      entryBytes += json.length;
      bytes += json.length + 1;
      return true;
    }
  }

  private void count(BatchWriter.Rendered r) {
    if (r.problem() != null) {
      status.undecodedEntries.incrementAndGet();
      long s = renderLog.tryAcquire();
      if (s >= 0) {
        LOG.log(
            WARNING, "cloud sync ''{0}'': {1}{2}", name, r.problem(), LogLimiter.suppressedNote(s));
      }
    }
    if (r.json().length + writer.headerReserve() > maxBatchBytes) {
      status.oversizeEntries.incrementAndGet();
    }
  }

  private String idempotencyKey(long first, int limit) {
    return limit < maxBatchEntries ? nodeId + "-" + first + "-l" + limit : nodeId + "-" + first;
  }
}
