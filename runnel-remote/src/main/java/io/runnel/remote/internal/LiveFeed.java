package io.runnel.remote.internal;

import io.runnel.buffer.EndOfStreamException;
import io.runnel.buffer.LaggedException;
import io.runnel.buffer.Reader;
import java.time.Duration;

/**
 * Reads one record for one watch, as an outside reader of the pipeline: bounded receives, never
 * blocking the producer; lag and drops are counted exactly (see {@link Subscription}).
 */
final class LiveFeed implements Runnable {
  private static final Duration POLL = Duration.ofMillis(250);

  private final Subscription sub;
  private final Reader<Object> reader;
  private final Subscription.Feed feed;

  LiveFeed(Subscription sub, String key, Reader<Object> reader) {
    this.sub = sub;
    this.reader = reader;
    this.feed = new Subscription.Feed(key);
  }

  @Override
  public void run() {
    try {
      while (!sub.isClosed()) {
        Object v;
        try {
          v = reader.recv(POLL);
        } catch (LaggedException e) {
          sub.missed(feed, e.missed());
          continue;
        } catch (EndOfStreamException e) {
          if (!sub.isClosed()) {
            sub.end(feed, "closed");
          }
          return;
        }
        if (v != null) {
          sub.offerLive(feed, v);
        }
      }
    } catch (InterruptedException e) {
      // unwatched or the connection closed
    } finally {
      reader.close();
    }
  }
}
