package io.runnel.remote.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runnel.spi.LogLimiter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * One {@code watch}: a feed per key (its own virtual thread) filling one bounded queue that the
 * connection's {@link Outbox} drains.
 *
 * <p>Accounting is exact. A live feed never waits: when the queue is full it drops the value and
 * counts it; a ring that overtook the feed's reader reports its exact count ({@code
 * LaggedException}), added to the same count. The next item the feed queues carries that count
 * ({@link Item#missedBefore}), and the writer sends {@code watch.missed} just before it. A history
 * feed waits for room instead (the history does not run away), so it misses nothing.
 */
final class Subscription {
  private static final System.Logger LOG = System.getLogger("io.runnel.remote");
  private static final LogLimiter RENDER_LOG = new LogLimiter(3, Duration.ofMinutes(1));

  /**
   * One queued notification: a value ({@code end == null}) or the end of a key's stream.
   *
   * @param seq the history sequence, or -1 for a live value
   * @param micros the history timestamp (epoch microseconds), for history values
   * @param missedBefore values of {@code key} dropped just before this item
   * @param conflated values of {@code key} the feed skipped on purpose ({@code maxRate}) since the
   *     previous item of that key: this value is the latest of them
   */
  record Item(
      String key,
      Object value,
      long seq,
      long micros,
      long missedBefore,
      long conflated,
      String end) {}

  private static final class KeyCounts {
    final LongAdder delivered = new LongAdder();
    final LongAdder missed = new LongAdder();
    final LongAdder conflated = new LongAdder();
    long reportedMissed; // writer thread only
  }

  final long id;
  final List<String> keys;
  private final ArrayBlockingQueue<Item> queue;
  private final Map<String, KeyCounts> counts = new ConcurrentHashMap<>();
  private final List<Thread> feeds = new ArrayList<>();
  private final List<AutoCloseable> resources = new ArrayList<>();
  private final ServerStats stats;
  private final Outbox outbox;
  private volatile boolean closed;

  Subscription(long id, List<String> keys, int queue, ServerStats stats, Outbox outbox) {
    this.id = id;
    this.keys = List.copyOf(keys);
    this.queue = new ArrayBlockingQueue<>(queue);
    this.stats = stats;
    this.outbox = outbox;
    for (String k : keys) {
      counts.put(k, new KeyCounts());
    }
  }

  /** Starts a feed's thread (after the {@code watch} response was queued). */
  synchronized void startFeed(String key, Runnable body, AutoCloseable resource) {
    if (resource != null) {
      resources.add(resource);
    }
    feeds.add(Thread.ofVirtual().name("runnel-remote-watch-" + id + "-" + key).start(body));
  }

  boolean isClosed() {
    return closed;
  }

  // ------------------------------------------------------------------ feed side

  /**
   * Live: queues a value if there is room, else counts it missed. Never waits. {@code conflated}
   * values of the key were skipped on purpose just before this one ({@code maxRate}); when the
   * value itself cannot be queued they are counted as missed with it (they were not delivered and
   * no later value stands for them).
   */
  boolean offerLive(Feed f, Object value, long conflated) {
    if (queue.offer(new Item(f.key, value, -1, 0, f.pendingMissed, conflated, null))) {
      f.pendingMissed = 0;
      if (conflated > 0) {
        counts.get(f.key).conflated.add(conflated);
      }
      outbox.signal();
      return true;
    }
    missed(f, 1 + conflated);
    return false;
  }

  /** Counts {@code n} values of the feed's key missed. */
  void missed(Feed f, long n) {
    f.pendingMissed += n;
    counts.get(f.key).missed.add(n);
    stats.watchMissed.add(n);
  }

  /** History: waits for room (the store keeps the values); false once the watch is closed. */
  boolean put(Feed f, Object value, long seq, long micros) throws InterruptedException {
    return putItem(new Item(f.key, value, seq, micros, f.pendingMissed, 0, null), f);
  }

  /** Queues the end of the feed's key, waiting for room; nothing once the watch is closed. */
  void end(Feed f, String reason) throws InterruptedException {
    putItem(new Item(f.key, null, -1, 0, f.pendingMissed, 0, reason), f);
  }

  private boolean putItem(Item item, Feed f) throws InterruptedException {
    while (!closed) {
      if (queue.offer(item, 200, TimeUnit.MILLISECONDS)) {
        f.pendingMissed = 0;
        outbox.signal();
        return true;
      }
    }
    return false;
  }

  // ------------------------------------------------------------------ writer side

  Item poll() {
    return closed ? null : queue.poll();
  }

  /** The messages for one item: {@code watch.missed} first if values were dropped before it. */
  List<String> render(Item item) {
    List<String> out = new ArrayList<>(2);
    KeyCounts c = counts.get(item.key());
    if (item.missedBefore() > 0) {
      c.reportedMissed += item.missedBefore();
      ObjectNode p = Json.object();
      p.put("sub", id).put("key", item.key()).put("count", item.missedBefore());
      p.put("total", c.reportedMissed);
      out.add(notification("watch.missed", p));
    }
    ObjectNode p = Json.object();
    p.put("sub", id).put("key", item.key());
    if (item.end() != null) {
      p.put("reason", item.end());
      out.add(notification("watch.end", p));
      return out;
    }
    p.set("value", value(item.value()));
    if (item.conflated() > 0) {
      p.put("conflated", item.conflated());
    }
    if (item.seq() >= 0) {
      p.put("seq", item.seq());
      p.put("time", History.instant(item.micros()).toString());
    }
    out.add(notification("watch.value", p));
    return out;
  }

  void sent(Item item) {
    if (item.end() == null) {
      counts.get(item.key()).delivered.increment();
      stats.watchDelivered.increment();
    }
  }

  static JsonNode value(Object v) {
    try {
      return Json.tree(v);
    } catch (RuntimeException e) {
      RENDER_LOG.log(
          LOG,
          System.Logger.Level.WARNING,
          "remote: a value of " + v.getClass().getName() + " cannot be rendered as JSON: " + e);
      return Json.object().put("unrenderable", String.valueOf(v));
    }
  }

  static String notification(String method, ObjectNode params) {
    ObjectNode n = Json.object();
    n.put("jsonrpc", "2.0");
    n.put("method", method);
    n.set("params", params);
    return Json.write(n);
  }

  long delivered() {
    return counts.values().stream().mapToLong(c -> c.delivered.sum()).sum();
  }

  long missed() {
    return counts.values().stream().mapToLong(c -> c.missed.sum()).sum();
  }

  /** Values skipped on purpose ({@code maxRate}), each stood for by a later delivered value. */
  long conflated() {
    return counts.values().stream().mapToLong(c -> c.conflated.sum()).sum();
  }

  /** Stops every feed (closing their readers), waiting a bounded time for their threads. */
  void close() {
    List<Thread> threads;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      threads = List.copyOf(feeds);
      for (AutoCloseable r : resources) {
        try {
          r.close();
        } catch (Exception e) {
          // a reader's close does not fail
        }
      }
    }
    queue.clear();
    for (Thread t : threads) {
      t.interrupt();
    }
    for (Thread t : threads) {
      try {
        t.join(1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** A feed's own state (its thread only). */
  static final class Feed {
    final String key;
    long pendingMissed;

    Feed(String key) {
      this.key = key;
    }
  }
}
