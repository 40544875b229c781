package io.runnel.http;

import static java.lang.System.Logger.Level.DEBUG;
import static java.lang.System.Logger.Level.INFO;
import static java.lang.System.Logger.Level.WARNING;

import io.runnel.spi.Backoff;
import io.runnel.spi.LogLimiter;
import io.runnel.store.HistoryReader;
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
 * <p>The history is read through the store's {@link HistoryReader} (built with {@code
 * rememberSent()}; see its contract): it owns the durable cursor (the first sequence not yet
 * acknowledged), the {@code <cursor>.sent} cursor (the end of the furthest batch ever sent) and
 * whether that end is discarded after a 413. This thread alone drives it; other threads only read
 * {@link #forwardedPosition()} and the {@link SyncStatus} this thread publishes. State owned by
 * this thread alone: the pending batch and its failed attempts.
 *
 * <p>Invariants: every entry below the cursor's position was acknowledged by a 2xx (or is of a key
 * not sent): a batch's end is reported {@linkplain HistoryReader#delivered delivered} only after
 * its 2xx, and committed (persisted) before the next batch is read. Before a batch is sent for the
 * first time, it is {@linkplain HistoryReader#markSent marked sent}; while the cursor is below that
 * end, the reader rebuilds the page at the cursor with exactly those bounds (so a batch whose
 * answer was lost goes out again identical under its key), unless a 413 discarded those bounds.
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
  private final HistoryReader reader;
  private final Batcher batcher;
  private final HttpSender sender;
  private final SyncStatus status;
  private final SyncSignal signal;
  private final Backoff backoff;
  private final LogLimiter failureLog = new LogLimiter(3, Duration.ofMinutes(1));

  SyncLoop(
      SyncSettings settings,
      HistoryReader reader,
      Batcher batcher,
      HttpSender sender,
      SyncStatus status,
      SyncSignal signal) {
    this.name = settings.name();
    this.endpoint = settings.endpoint();
    this.reader = reader;
    this.batcher = batcher;
    this.sender = sender;
    this.status = status;
    this.signal = signal;
    this.backoff = Backoff.exponential(settings.minBackoff(), settings.maxBackoff());
  }

  /** Any thread: every entry before this position has been acknowledged (or is not sent). */
  long forwardedPosition() {
    return reader.position();
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
          // a new page within the current limit, or, below the .sent end, the page sent before
          // rebuilt with exactly its bounds (unless a 413 discarded them)
          int limit = status.batchLimit;
          HistoryReader.Page page = reader.await(reader.position(), limit, DATA_POLL);
          if (page.isEmpty()) {
            if (page.end() != page.from()) {
              advance(page.end()); // only filtered-out entries or gaps: pass them
            }
            continue; // (or nothing new within DATA_POLL)
          }
          pending = batcher.next(page, limit);
          reader.markSent(pending.page()); // before the first send
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
          advance(pending.next());
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
          reader.discardSentBounds(); // refused, so not stored under its key: rebuild smaller
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

  /** Reports everything before {@code next} delivered and persists the cursor there. */
  private void advance(long next) throws IOException {
    reader.delivered(next);
    reader.commit();
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
