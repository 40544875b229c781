package io.runnel.remote.internal;

import io.runnel.Runnel;
import java.time.Duration;
import java.util.List;

/**
 * Follows one record's durable history for a {@code watch ... since}: pages of entries from a
 * position, only up to the durable sequence read before the page, so the next position is exact (no
 * gap, no duplicate); then waits, bounded, for more to become durable, and loops. Ends when the
 * pipeline closes and nothing durable is left.
 */
final class HistoryFeed implements Runnable {
  private static final int PAGE = 256;
  private static final Duration WAIT = Duration.ofMillis(500);

  private final Subscription sub;
  private final History history;
  private final Runnel runnel;
  private final Subscription.Feed feed;
  private final long fromMicros;
  private long next;

  HistoryFeed(
      Subscription sub, String key, History history, Runnel runnel, long fromSeq, long fromMicros) {
    this.sub = sub;
    this.history = history;
    this.runnel = runnel;
    this.feed = new Subscription.Feed(key);
    this.next = fromSeq;
    this.fromMicros = fromMicros;
  }

  @Override
  public void run() {
    try {
      while (!sub.isClosed()) {
        long durable = history.durableSequence();
        boolean full = false;
        if (durable >= next) {
          List<History.Entry> page = history.page(feed.key, next, fromMicros, Long.MAX_VALUE, PAGE);
          int n = 0;
          for (History.Entry e : page) {
            if (e.seq() > durable) {
              break; // written, not yet durable: next round
            }
            if (!sub.put(feed, e.value(), e.seq(), e.timeMicros())) {
              return;
            }
            next = e.seq() + 1;
            n++;
          }
          full = n == PAGE;
          if (!full) {
            // every entry up to `durable` is visible to queries, and this key has none left there
            next = Math.max(next, durable + 1);
          }
        }
        if (full) {
          continue;
        }
        Runnel.State s = runnel.state();
        if (s == Runnel.State.CLOSED || s == Runnel.State.STOPPING) {
          if (!history.awaitDurable(next, WAIT)) {
            sub.end(feed, "closed"); // nothing more became durable: the stream ended
            return;
          }
          continue;
        }
        history.awaitDurable(next, WAIT);
      }
    } catch (InterruptedException e) {
      // unwatched or the connection closed
    } catch (RpcException e) {
      try {
        sub.end(feed, "error");
      } catch (InterruptedException ie) {
        // closing
      }
      System.getLogger("io.runnel.remote")
          .log(System.Logger.Level.WARNING, "remote: watch of " + feed.key + ": " + e.getMessage());
    }
  }
}
