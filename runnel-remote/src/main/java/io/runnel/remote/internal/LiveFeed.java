package io.runnel.remote.internal;

import io.runnel.buffer.EndOfStreamException;
import io.runnel.buffer.LaggedException;
import io.runnel.buffer.Reader;
import java.time.Duration;

/**
 * Reads one record for one watch, as an outside reader of the pipeline: bounded receives, never
 * blocking the producer; lag and drops are counted exactly (see {@link Subscription}).
 *
 * <p>With a {@code maxRate} it conflates: it still reads every value, but queues at most {@code
 * maxRate} per second, each time the latest value read, carrying the number of values it stands for
 * ({@code conflated}). A value held back is sent when its slot comes even if nothing newer arrives,
 * and before the key's end, so the client always ends up with the record's last value.
 */
final class LiveFeed implements Runnable {
  private static final Duration POLL = Duration.ofMillis(250);
  private static final long POLL_NANOS = POLL.toNanos();

  private final Subscription sub;
  private final Reader<Object> reader;
  private final Subscription.Feed feed;
  private final long intervalNanos;

  /** Why the record ended, asked once at its end ({@code closed}, {@code removed}). */
  private final java.util.function.Supplier<String> endReason;

  // conflation state (this feed's thread only)
  private Object held;
  private long heldSkipped; // values read and replaced by a newer one while held
  private long nextSlot;

  /**
   * @param maxRate values per second at most, 0 for every value
   */
  LiveFeed(
      Subscription sub,
      String key,
      Reader<Object> reader,
      double maxRate,
      java.util.function.Supplier<String> endReason) {
    this.sub = sub;
    this.endReason = endReason;
    this.reader = reader;
    this.feed = new Subscription.Feed(key);
    this.intervalNanos = maxRate > 0 ? (long) Math.ceil(1e9 / maxRate) : 0;
  }

  @Override
  public void run() {
    try {
      nextSlot = System.nanoTime();
      while (!sub.isClosed()) {
        Object v;
        try {
          v = reader.recv(held == null ? POLL : Duration.ofNanos(waitForSlot()));
        } catch (LaggedException e) {
          sub.missed(feed, e.missed());
          continue;
        } catch (EndOfStreamException e) {
          if (!sub.isClosed()) {
            flushHeld();
            sub.end(feed, endReason.get());
          }
          return;
        }
        if (intervalNanos == 0) {
          if (v != null) {
            sub.offerLive(feed, v, 0);
          }
          continue;
        }
        if (v != null) {
          if (held != null) {
            heldSkipped++;
          }
          held = v;
        }
        if (held != null && System.nanoTime() - nextSlot >= 0) {
          flushHeld();
        }
      }
    } catch (InterruptedException e) {
      // unwatched or the connection closed
    } finally {
      reader.close();
    }
  }

  private long waitForSlot() {
    long wait = nextSlot - System.nanoTime();
    return Math.max(1, Math.min(wait, POLL_NANOS));
  }

  private void flushHeld() {
    if (held == null) {
      return;
    }
    sub.offerLive(feed, held, heldSkipped);
    held = null;
    heldSkipped = 0;
    long now = System.nanoTime();
    // the next slot is one interval after this send; a feed that was idle does not bank slots
    nextSlot = now + intervalNanos;
  }
}
