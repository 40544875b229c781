package io.runnel.http;

import static java.lang.System.Logger.Level.WARNING;

import io.runnel.spi.LogLimiter;
import io.runnel.store.HistoryReader;
import io.runnel.store.StoredEntry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds the next {@link Batch} from a history page: renders its entries with {@link BatchWriter},
 * cuts the page where the rendered body would pass the byte limit, and names the batch with its
 * idempotency key.
 *
 * <p>The byte limit is measured on the rendered JSON, so it is applied here, not by the {@link
 * HistoryReader} (which is built without a byte limit); a {@linkplain HistoryReader.Page#rebuilt()
 * rebuilt} page is never cut: it goes out with the bounds it was sent with, whatever its size.
 *
 * <p>Keys: {@code <node>-<first sequence>}; a batch built with a smaller entry limit than
 * configured (after a 413) also names that limit, {@code <node>-<first>-l<limit>}, so it never
 * shares a key with the larger batch that was refused. A rebuilt page is keyed with the configured
 * limit, whatever the current one: its bounds come from the {@code .sent} cursor, not from the
 * limit.
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
  private final BatchWriter writer;
  private final SyncStatus status;
  private final LogLimiter renderLog = new LogLimiter(3, Duration.ofMinutes(1));

  Batcher(SyncSettings settings, SyncStatus status) {
    this.name = settings.name();
    this.nodeId = settings.nodeId();
    this.maxBatchEntries = settings.maxBatchEntries();
    this.maxBatchBytes = settings.maxBatchBytes();
    this.writer = new BatchWriter(settings.mapper(), settings.codecs(), settings.nodeId());
    this.status = status;
  }

  /**
   * Builds the batch for {@code page}, or for the longest prefix of it within the byte limit (at
   * least one entry).
   *
   * @param page a non-empty page read with at most {@code limit} entries
   * @param limit the entry limit the page was read with (part of the key when below the configured
   *     one)
   */
  Batch next(HistoryReader.Page page, int limit) {
    List<StoredEntry> entries = page.entries();
    List<byte[]> rendered = new ArrayList<>(entries.size());
    long bytes = writer.headerReserve();
    int entryBytes = 0;
    for (StoredEntry e : entries) {
      BatchWriter.Rendered r = writer.entry(e);
      byte[] json = r.json();
      if (!rendered.isEmpty() && !page.rebuilt() && bytes + 1 + json.length > maxBatchBytes) {
        page = page.prefix(rendered.size()); // the rest is read again for the next batch
        break;
      }
      count(r);
      rendered.add(json);
      entryBytes += json.length;
      bytes += json.length + 1;
    }
    long first = page.firstSequence();
    return new Batch(
        page,
        writer.body(first, page.lastSequence(), rendered, entryBytes),
        idempotencyKey(first, page.rebuilt() ? maxBatchEntries : limit));
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
