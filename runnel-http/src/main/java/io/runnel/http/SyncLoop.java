package io.runnel.http;

import static java.lang.System.Logger.Level.DEBUG;
import static java.lang.System.Logger.Level.INFO;
import static java.lang.System.Logger.Level.WARNING;

import io.runnel.spi.Backoff;
import io.runnel.spi.LogLimiter;
import io.runnel.store.Query;
import io.runnel.store.StoreCursor;
import io.runnel.store.StoreException;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The sync thread ({@code runnel-http-<name>}): waits for durable history, builds a batch, sends it
 * until acknowledged, moves the cursor, and decides how long to wait after a failure.
 *
 * <h2>Implementation overview</h2>
 *
 * <p>State owned by this thread alone: the pending batch and its failed attempts, the durable
 * {@code cursor} (the first sequence not yet acknowledged), the {@code .sent} cursor (the end of
 * the furthest batch ever sent), and whether that end is to be ignored after a 413. Other threads
 * only read {@link #forwardedPosition()} and the {@link SyncStatus} this thread publishes.
 *
 * <p>Invariants: every entry below the cursor's position was acknowledged by a 2xx (or is of a key
 * not sent); the cursor is persisted before the next batch is built. Before a batch is sent for the
 * first time, its end is persisted in the {@code .sent} cursor; while the cursor is below that end,
 * the batch at the cursor is rebuilt with exactly those bounds (so a batch whose answer was lost
 * goes out again identical under its key), unless a 413 refused those bounds.
 *
 * <p>Retry decisions: after a failed attempt or a store failure the loop waits for the capped,
 * fully jittered backoff of the attempt number, or for the server's {@code Retry-After} when that
 * is longer ({@link #retryDelay}, the one place that uses {@link Backoff}); a wake-up or close ends
 * the wait early. A 413 halves the entry limit of new batches (down to 1).
 */
final class SyncLoop implements Runnable {
  private static final System.Logger LOG = System.getLogger(CloudSync.class.getName());

  /** Longest single wait for new durable entries; bounds how long close() waits for the lane. */
  private static final Duration DATA_POLL = Duration.ofMillis(200);

  private final String name;
  private final URI endpoint;
  private final HistoryPages history;
  private final Batcher batcher;
  private final HttpSender sender;
  private final SyncStatus status;
  private final SyncSignal signal;
  private final Backoff backoff;
  private final StoreCursor cursor;

  /**
   * The end (exclusive) of the furthest batch ever sent, persisted before it is sent. After a
   * restart the batch at the cursor is rebuilt with exactly these bounds, so that a batch whose
   * answer was lost is re-sent identically under its key (never a longer batch under the same key,
   * which a de-duplicating receiver would acknowledge without reading).
   */
  private final StoreCursor sentEnd;

  /** Set after a 413: the stored bounds were refused, so batches may be rebuilt smaller. */
  private boolean ignoreSentEnd;

  private final LogLimiter failureLog = new LogLimiter(3, Duration.ofMinutes(1));

  SyncLoop(
      SyncSettings settings,
      StoreCursor cursor,
      StoreCursor sentEnd,
      HistoryPages history,
      Batcher batcher,
      HttpSender sender,
      SyncStatus status,
      SyncSignal signal) {
    this.name = settings.name();
    this.endpoint = settings.endpoint();
    this.cursor = cursor;
    this.sentEnd = sentEnd;
    this.history = history;
    this.batcher = batcher;
    this.sender = sender;
    this.status = status;
    this.signal = signal;
    this.backoff = Backoff.exponential(settings.minBackoff(), settings.maxBackoff());
  }

  /** Any thread: every entry before this position has been acknowledged (or is not sent). */
  long forwardedPosition() {
    return cursor.position();
  }

  @Override
  public void run() {
    try {
      loop();
    } catch (Throwable t) { // an Error, or a bug: say so in the status rather than vanish
      status.connected = false;
      status.lastError = Instant.now() + " cloud sync '" + name + "': the sync thread died: " + t;
      LOG.log(System.Logger.Level.ERROR, "cloud sync '" + name + "': the sync thread died", t);
      if (t instanceof Error err) {
        throw err;
      }
    }
  }

  private void loop() {
    Batch pending = null;
    int attempt = 0; // failed attempts of the pending batch (or of reading the store)
    while (!signal.closing()) {
      Duration wait;
      try {
        if (pending == null) {
          long from = cursor.position();
          if (!history.awaitDurable(from, DATA_POLL)) {
            continue;
          }
          pending = nextBatch(from);
          if (pending.count() == 0) {
            advance(pending); // only filtered-out entries: pass them
            pending = null;
            continue;
          }
          if (pending.next() > sentEnd.position()) {
            sentEnd.advanceTo(pending.next()); // before the first send: see sentEnd
          }
        }
        HttpSender.Outcome a = sender.send(pending);
        if (a == null) {
          break; // closing
        }
        if (a.acknowledged()) {
          // counters first: whoever sees the cursor move (awaitForwarded) sees them too
          status.sentEntries.addAndGet(pending.count());
          status.sentBatches.incrementAndGet();
          status.sentBytes.addAndGet(pending.body().length);
          status.connected = true;
          advance(pending);
          if (attempt > 0) {
            LOG.log(
                INFO,
                "cloud sync ''{0}'': {1} accepted batch {2} after {3} failed attempt(s)",
                name,
                endpoint,
                pending.idempotencyKey(),
                attempt);
            failureLog.reset();
          }
          pending = null;
          attempt = 0;
          continue;
        }
        status.connected = false;
        attempt++;
        if (a.tooLarge() && pending.count() > 1) {
          // (a 413 for a single entry cannot shrink: it is retried, visibly, like other 4xx)
          status.batchLimit = Math.max(1, pending.count() / 2);
          ignoreSentEnd = true; // refused, so not stored under its key: rebuild smaller
          LOG.log(
              WARNING,
              "cloud sync ''{0}'': {1} answered 413 to {2} entries ({3} bytes); batches now hold at"
                  + " most {4} entries",
              name,
              endpoint,
              pending.count(),
              pending.body().length,
              status.batchLimit);
          pending = null; // rebuilt smaller from the same cursor
        }
        wait = retryDelay(attempt, a.retryAfter());
        fail(a.error(), attempt, wait);
      } catch (IOException | RuntimeException e) {
        // the store (query, cursor) or rendering failed: keep the batch if we have one, retry
        attempt++;
        wait = retryDelay(attempt, null);
        fail("cloud sync '" + name + "' cannot read or advance the history: " + e, attempt, wait);
        if (!(e instanceof IOException) && !(e instanceof StoreException)) {
          LOG.log(DEBUG, "cloud sync lane failure", e);
        }
      } catch (InterruptedException e) {
        if (signal.closing()) {
          break;
        }
        continue; // stray interrupt: keep going
      }
      if (attempt > 0) {
        status.retries.incrementAndGet();
      }
      signal.pause(wait);
    }
  }

  /**
   * The wait before retry {@code attempt}: the jittered backoff, or the server's {@code
   * Retry-After} if longer (never sooner than asked, never a tight loop on "Retry-After: 0").
   */
  private Duration retryDelay(int attempt, Duration retryAfter) {
    Duration wait =
        backoff.delay(attempt - 1, ThreadLocalRandom.current()); // attempt counts from 1
    if (retryAfter != null && retryAfter.compareTo(wait) > 0) {
      wait = retryAfter;
    }
    return wait;
  }

  /**
   * The next batch at {@code from}: a new one within the current limits, or, while {@code from} is
   * below the {@code .sent} end, the batch sent before rebuilt with exactly its bounds. The durable
   * sequence is read before the history is, so "fewer than asked" means "all up to it was seen".
   */
  private Batch nextBatch(long from) throws IOException {
    long durable = history.durableSequence();
    int limit = status.batchLimit;
    long until = Long.MAX_VALUE; // rebuild a batch sent before a restart with its exact bounds
    long end = sentEnd.position();
    if (from >= end) {
      ignoreSentEnd = false;
    } else if (!ignoreSentEnd && end - 1 <= durable) {
      until = end;
      limit = (int) Math.min(Query.MAX_LIMIT, end - from);
    }
    return batcher.next(from, durable, limit, until);
  }

  private void advance(Batch batch) throws IOException {
    cursor.advanceTo(batch.next());
    signal.advanced();
  }

  /** Publishes the failure and logs it, rate-limited (3, then one a minute). */
  private void fail(String error, int attempt, Duration wait) {
    status.lastError = Instant.now() + " " + error;
    long suppressed = failureLog.tryAcquire();
    if (suppressed >= 0) {
      LOG.log(
          WARNING,
          "{0}; attempt {1}, next in {2} ms{3}",
          error,
          attempt,
          wait.toMillis(),
          LogLimiter.suppressedNote(suppressed));
    }
  }
}
