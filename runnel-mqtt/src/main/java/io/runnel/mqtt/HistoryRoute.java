package io.runnel.mqtt;

import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import io.runnel.RecordKey;
import io.runnel.codec.Codec;
import io.runnel.store.HistoryReader;
import io.runnel.store.HistoryStore;
import io.runnel.store.StoredEntry;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * Forwards persisted records (one key, or several of one type through one cursor) from the history
 * store to MQTT, at least once, on its own thread.
 *
 * <p>It sees its link only through {@link RouteLink}: connected or not, stopping, the close
 * deadline, session losses, publish and error reporting. Its state (the window, the read position,
 * the {@link HistoryReader}) is owned by its thread; {@link #addCounters} reads the counters and
 * volatile positions from any thread.
 *
 * <h2>Implementation overview</h2>
 *
 * <p>The durable cursor, the pages and the replay window are the store's {@link HistoryReader} (its
 * class javadoc is the contract this route relies on); the route adds the MQTT side. It reads pages
 * of durable entries of its keys from {@code next} onwards, publishes each entry at QoS 1 and keeps
 * the outstanding ones, in sequence order, in a window of at most {@code maxInflight}. An entry
 * leaves the window from its head only once its PUBACK has arrived, so the head is always the first
 * unacknowledged sequence; whenever the head moves, it (or {@code next} when the window is empty)
 * is reported {@linkplain HistoryReader#delivered delivered}. The reader {@linkplain
 * HistoryReader#commit() commits} the deliveries older than the replay window at most every {@link
 * #COMMIT_INTERVAL} (only while connected with no session loss left unhandled), and the link's
 * close {@linkplain HistoryReader#commitAll() commits} all of them.
 *
 * <p>Invariant: every entry of the keys below the cursor's position was acknowledged by the broker
 * (or rejected by it for good, or skipped as unpublishable). It holds because the route reports
 * only the head of its window as delivered, and the reader's contract ({@link HistoryReader},
 * "Delivered" and "Commit") never moves the cursor past a position not reported delivered. Hence
 * after a broker outage or a restart of the process nothing is lost; entries acknowledged after the
 * last commit are sent again (duplicates, which a consumer removes by the {@code runnel-seq} user
 * property on MQTT 5, or by a key in the value).
 *
 * <p>A broker that comes back without our session {@linkplain HistoryReader#rewind() rewinds} to
 * the committed cursor: what it acknowledged within the replay window is sent again. A failed
 * publish (the session was lost with the connection, the client was closed) rewinds the reader as
 * well, discards the window and restarts reading at the failed entry once connected again. A PUBACK
 * carrying an error code (MQTT 5: not authorized, quota exceeded, ...) is the broker's final word
 * on that message: it is counted as {@code rejected}, logged, and skipped (it counts as delivered),
 * so that one message the broker will never take cannot block the record forever.
 */
final class HistoryRoute<T> implements Runnable {

  static final long COMMIT_INTERVAL = TimeUnit.MILLISECONDS.toNanos(200);
  private static final int READ_LIMIT = 512;

  private record Pending(long sequence, CompletableFuture<Void> acked) {}

  private final RouteLink link;
  private final HistoryStore store;
  private final List<RecordKey> keys;

  /** The keys, for log lines. */
  private final String label;

  private final Codec<T> codec;
  private final String fixedTopic;
  private final Function<? super T, String> topicOf;
  private final String cursorName;
  private final int maxInflight;

  private final LongAdder sent = new LongAdder();
  private final LongAdder acked = new LongAdder();
  private final LongAdder rejected = new LongAdder();
  private final LongAdder skipped = new LongAdder();
  private final LongAdder rewinds = new LongAdder();

  private final Duration replayWindow;

  private long seenSessionLosses;

  private volatile long next = -1;
  private volatile int windowSize;
  private volatile HistoryReader reader;

  HistoryRoute(
      RouteLink link,
      HistoryStore store,
      java.util.Collection<? extends RecordKey> keys,
      Codec<T> codec,
      String fixedTopic,
      Function<? super T, String> topicOf,
      String cursorName,
      int maxInflight,
      java.time.Duration replayWindow) {
    this.replayWindow = replayWindow;
    this.link = link;
    this.store = store;
    this.keys = List.copyOf(keys);
    java.util.Set<String> ids = new java.util.LinkedHashSet<>();
    keys.forEach(k -> ids.add(k.id()));
    this.label = String.join(", ", ids);
    this.codec = codec;
    this.fixedTopic = fixedTopic;
    this.topicOf = topicOf;
    this.cursorName = cursorName;
    this.maxInflight = maxInflight;
  }

  String cursorName() {
    return cursorName;
  }

  /**
   * Puts this route's counters, named {@code history.<cursor>.<counter>}, and returns its {@link
   * #backlog()}.
   */
  long addCounters(java.util.Map<String, Long> counters) {
    String p = "history." + cursorName + ".";
    counters.put(p + "sent", sent.sum());
    counters.put(p + "acked", acked.sum());
    counters.put(p + "rejected", rejected.sum());
    counters.put(p + "skipped", skipped.sum());
    counters.put(p + "rewinds", rewinds.sum());
    counters.put(p + "position", position());
    long b = backlog();
    counters.put(p + "backlog", b);
    return b;
  }

  /**
   * Entries not yet acknowledged: those in flight plus every sequence written after the read
   * position. An upper bound (sequences of other keys in the same store count too, until the route
   * has read past them), exact once caught up: 0 means everything written was acknowledged.
   */
  long backlog() {
    long n = next;
    if (n < 0) {
      return 0;
    }
    return windowSize + Math.max(0, store.writtenSequence() + 1 - n);
  }

  long position() {
    HistoryReader r = reader;
    return r == null ? -1 : r.position();
  }

  @Override
  public void run() {
    while (reader == null) {
      try {
        reader =
            HistoryReader.builder(store, cursorName)
                .keys(keys)
                .maxPageEntries(READ_LIMIT)
                .replayWindow(replayWindow)
                .build();
      } catch (Exception e) {
        link.error("history '" + label + "': cannot open cursor '" + cursorName + "'", e);
        if (!pause(1000)) {
          return;
        }
      }
    }
    next = reader.position();
    seenSessionLosses = link.sessionLosses();
    ArrayDeque<Pending> window = new ArrayDeque<>();
    long lastCommit = System.nanoTime();
    while (!link.stopping()) {
      long losses = link.sessionLosses();
      if (losses != seenSessionLosses) {
        seenSessionLosses = losses;
        sessionLost(window);
      }
      boolean progress = reap(window);
      if (progress) {
        reader.delivered(firstUnacked(window));
      }
      if (link.isConnected() && window.size() < maxInflight) {
        try {
          progress |= fill(window);
        } catch (Exception e) {
          link.error("history '" + label + "': cannot read the store", e);
          pause(500);
        }
      }
      windowSize = window.size();
      long now = System.nanoTime();
      // Never while disconnected, nor with a session loss not yet handled: acknowledgements must
      // not age past the replay window while the broker is away and may have lost them.
      if (now - lastCommit >= COMMIT_INTERVAL
          && link.isConnected()
          && link.sessionLosses() == seenSessionLosses) {
        commit(false);
        lastCommit = now;
      }
      if (!progress) {
        idle(window);
      }
    }
    // Closing: give outstanding messages until the close deadline to be acknowledged.
    while (!window.isEmpty() && System.nanoTime() - link.closeDeadline() < 0) {
      reap(window);
      if (!window.isEmpty()) {
        waitFor(window.peekFirst(), 20);
      }
    }
    windowSize = window.size();
    reader.delivered(firstUnacked(window));
    commit(true); // the broker is up and acknowledged these: commit all
  }

  private long firstUnacked(ArrayDeque<Pending> window) {
    return window.isEmpty() ? next : window.peekFirst().sequence();
  }

  /**
   * The broker came back without our session: it lost its state, perhaps with messages it had
   * acknowledged but not yet delivered. Resend everything after the committed cursor, i.e. also
   * what was acknowledged within the replay window.
   */
  private void sessionLost(ArrayDeque<Pending> window) {
    window.clear();
    long from = reader.rewind();
    rewinds.increment();
    link.error(
        "history '"
            + label
            + "': the broker lost its session; resending from sequence "
            + from
            + " (acknowledged within the replay window, or not at all)",
        null);
    next = from;
    windowSize = 0;
  }

  /** Removes acknowledged entries from the head of the window; rewinds on a lost publish. */
  private boolean reap(ArrayDeque<Pending> window) {
    boolean progress = false;
    while (!window.isEmpty() && window.peekFirst().acked().isDone()) {
      Pending p = window.peekFirst();
      Throwable error = failure(p.acked());
      if (error == null) {
        window.pollFirst();
        acked.increment();
        progress = true;
      } else if (error instanceof Mqtt5PubAckException) {
        window.pollFirst();
        rejected.increment();
        link.error(
            "history '"
                + label
                + "': broker rejected sequence "
                + p.sequence()
                + "; skipped (not resent)",
            error);
        progress = true;
      } else {
        if (link.stopping()) {
          return false;
        }
        rewinds.increment();
        link.error(
            "history '"
                + label
                + "': publish of sequence "
                + p.sequence()
                + " failed; resending from there",
            error);
        window.clear();
        reader.rewind();
        next = p.sequence();
        return true;
      }
    }
    return progress;
  }

  /**
   * Publishes the next page of durable entries from {@code next} while the window has room; true if
   * the read position moved (entries published, or only other keys' entries and gaps passed).
   */
  private boolean fill(ArrayDeque<Pending> window) throws Exception {
    long from = next;
    HistoryReader.Page page = reader.read(from, Math.min(READ_LIMIT, maxInflight - window.size()));
    for (StoredEntry e : page.entries()) {
      window.addLast(new Pending(e.sequence(), publish(e)));
    }
    next = page.end();
    return page.end() != from;
  }

  private CompletableFuture<Void> publish(StoredEntry e) {
    String topic;
    if (fixedTopic != null) {
      if (e.codecId() != codec.id()) {
        return skip(
            e, "it was written by another codec (id 0x" + Long.toHexString(e.codecId()) + ")");
      }
      topic = fixedTopic;
    } else {
      T value;
      try {
        value = e.decode(codec);
        topic = topicOf.apply(value);
      } catch (RuntimeException ex) {
        return skip(e, "it cannot be decoded or given a topic: " + ex);
      }
      if (topic == null || topic.isEmpty()) {
        return skip(e, "the topic function returned no topic");
      }
    }
    CompletableFuture<Void> f;
    try {
      f = link.publish(topic, e.payload(), Qos.AT_LEAST_ONCE, false, e.sequence());
    } catch (RuntimeException ex) { // e.g. an invalid topic
      return skip(e, "the publish was refused: " + ex);
    }
    sent.increment();
    return f;
  }

  private CompletableFuture<Void> skip(StoredEntry e, String why) {
    skipped.increment();
    link.error(
        "history '" + label + "': sequence " + e.sequence() + " skipped because " + why, null);
    return CompletableFuture.completedFuture(null);
  }

  /** Commits the reader: what is older than the replay window, or with {@code all} everything. */
  private void commit(boolean all) {
    try {
      if (all) {
        reader.commitAll();
      } else {
        reader.commit();
      }
    } catch (Exception e) {
      link.error("history '" + label + "': cannot persist cursor '" + cursorName + "'", e);
    }
  }

  private void idle(ArrayDeque<Pending> window) {
    if (!window.isEmpty()) {
      waitFor(window.peekFirst(), 50);
    } else if (!link.isConnected()) {
      link.awaitConnected(200);
    } else {
      try {
        store.awaitDurable(store.durableSequence() + 1, Duration.ofMillis(100));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (RuntimeException e) { // the store failed or closed
        link.error("history '" + label + "': store unavailable", e);
        pause(500);
      }
    }
  }

  private static void waitFor(Pending p, long millis) {
    try {
      p.acked().get(millis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      // handled by reap()
    }
  }

  private boolean pause(long millis) {
    try {
      Thread.sleep(millis);
      return !link.stopping();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static Throwable failure(CompletableFuture<?> f) {
    try {
      f.join();
      return null;
    } catch (CompletionException | java.util.concurrent.CancellationException e) {
      return e.getCause() != null ? e.getCause() : e;
    }
  }
}
