package io.runnel.http;

import io.runnel.RecordKey;
import io.runnel.store.HistoryStore;
import io.runnel.store.Query;
import io.runnel.store.StoredEntry;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * Reads the durable history of the selected keys, from a cursor position, one page at a time.
 *
 * <p><b>This is the seam for the shared store {@code HistoryReader}</b> (used by MQTT and Kafka
 * too): everything the sync knows about reading history goes through the three methods below, and
 * nothing else in this package queries the store (except {@link CloudSync#status()} for the
 * backlog). It holds no position of its own: the caller owns the durable cursor and passes where to
 * read from.
 *
 * <p>Only durable entries are read (entries after a {@link #durableSequence()} snapshot taken
 * before the query are never passed on), so "the query returned less than asked" means "everything
 * up to that durable sequence was seen". Entries of other keys are passed over: the returned
 * position moves past them.
 *
 * <p>Used by the sync thread only.
 */
final class HistoryPages {

  /** Receives the entries of a page, in sequence order. */
  @FunctionalInterface
  interface Sink {
    /**
     * Takes one entry; false to refuse it and end the page before it (it is read again next time).
     */
    boolean offer(StoredEntry entry);
  }

  private final HistoryStore store;
  private final Set<String> keys;

  /** The key when there is only one (read with an index-guided key query). */
  private final RecordKey single;

  /**
   * @param keys ids of the keys to read; empty for every key
   */
  HistoryPages(HistoryStore store, Set<String> keys) {
    this.store = store;
    this.keys = Set.copyOf(keys);
    this.single = this.keys.size() == 1 ? RecordKey.of(this.keys.iterator().next()) : null;
  }

  /** The store's durable sequence now; the upper bound to pass to {@link #read}. */
  long durableSequence() {
    return store.durableSequence();
  }

  /** Waits at most {@code timeout} until the entry at {@code from} is durable. */
  boolean awaitDurable(long from, Duration timeout) throws InterruptedException {
    return store.awaitDurable(from, timeout);
  }

  /**
   * Reads one page: offers the entries of the selected keys at sequences in {@code [from, until)}
   * and at most {@code durable}, in order, out of at most {@code limit} stored entries, until the
   * sink refuses one.
   *
   * @param durable a {@link #durableSequence()} taken before this call
   * @param until exclusive upper bound, {@link Long#MAX_VALUE} for none
   * @return the position to read from next: after the last entry offered and taken or passed over;
   *     {@code until} if bounded; past {@code durable} if the page reached the durable end and the
   *     sink took everything
   */
  long read(long from, long durable, int limit, long until, Sink sink) throws IOException {
    Query q = Query.all().fromSequence(from).limit(limit);
    if (single != null) {
      q = q.key(single);
    }
    List<StoredEntry> found = store.query(q);
    long next = from;
    boolean refused = false;
    boolean reachedEnd = found.size() < limit;
    for (StoredEntry e : found) {
      if (e.sequence() > durable || e.sequence() >= until) {
        reachedEnd = true;
        break;
      }
      if (!keys.isEmpty() && !keys.contains(e.key())) {
        next = e.sequence() + 1;
        continue;
      }
      if (!sink.offer(e)) {
        refused = true;
        break;
      }
      next = e.sequence() + 1;
    }
    if (until != Long.MAX_VALUE) {
      return until;
    }
    if (reachedEnd && !refused) {
      return Math.max(next, durable + 1);
    }
    return next;
  }
}
