package io.runnel.mqtt;

import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import io.runnel.RecordKey;
import io.runnel.codec.Codec;
import io.runnel.store.HistoryStore;
import io.runnel.store.Query;
import io.runnel.store.StoreCursor;
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
 * deadline, session losses, publish and error reporting. Its state (the window, the ack marks, the
 * cursor) is owned by its thread; {@link #addCounters} reads the counters and volatile positions
 * from any thread.
 *
 * <h2>Implementation overview</h2>
 *
 * <p>A durable cursor holds the sequence of the first entry not yet acknowledged by the broker. The
 * loop reads durable entries of the key from {@code next} onwards, publishes each at QoS 1 and
 * keeps the outstanding ones, in sequence order, in a window of at most {@code maxInflight}. An
 * entry leaves the window from its head only once its PUBACK has arrived, so the head is always the
 * first unacknowledged sequence; the cursor is advanced to it (or to {@code next} when the window
 * is empty) at most every {@link #COMMIT_INTERVAL}, and once more when the link closes.
 *
 * <p>Invariant: every entry of the key below the cursor's position was acknowledged by the broker.
 * Hence after a broker outage or a restart of the process nothing is lost; entries acknowledged
 * after the last commit are sent again (duplicates, which a consumer removes by the {@code
 * runnel-seq} user property on MQTT 5, or by a key in the value).
 *
 * <p>A failed publish (the session was lost with the connection, the client was closed) rewinds:
 * the window is discarded and reading restarts at the failed entry once connected again. A PUBACK
 * carrying an error code (MQTT 5: not authorized, quota exceeded, ...) is the broker's final word
 * on that message: it is counted as {@code rejected}, logged, and skipped, so that one message the
 * broker will never take cannot block the record forever.
 */
final class HistoryRoute<T> implements Runnable {

  static final long COMMIT_INTERVAL = TimeUnit.MILLISECONDS.toNanos(200);
  private static final int READ_LIMIT = 512;
  private static final long MARK_INTERVAL = TimeUnit.MILLISECONDS.toNanos(10);

  private record Pending(long sequence, CompletableFuture<Void> acked) {}

  private final RouteLink link;
  private final HistoryStore store;
  private final java.util.Set<String> keys;

  /** The key when there is only one (read with an index-guided key query). */
  private final RecordKey single;

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

  private final long replayWindowNanos;

  /**
   * (nanoTime, first unacknowledged sequence) after each acknowledgement; for the lagged commit.
   */
  private final ArrayDeque<long[]> ackMarks = new ArrayDeque<>();

  private long seenSessionLosses;

  private volatile long next = -1;
  private volatile int windowSize;
  private volatile StoreCursor cursor;

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
    this.replayWindowNanos = replayWindow.toNanos();
    this.link = link;
    this.store = store;
    this.keys = new java.util.LinkedHashSet<>();
    keys.forEach(k -> this.keys.add(k.id()));
    this.label = String.join(", ", this.keys);
    this.single = this.keys.size() == 1 ? keys.iterator().next() : null;
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
    StoreCursor c = cursor;
    return c == null ? -1 : c.position();
  }

  @Override
  public void run() {
    while (cursor == null) {
      try {
        cursor = store.cursor(cursorName);
      } catch (Exception e) {
        link.error("history '" + label + "': cannot open cursor '" + cursorName + "'", e);
        if (!pause(1000)) {
          return;
        }
      }
    }
    next = cursor.position();
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
        long t = System.nanoTime();
        long[] last = ackMarks.peekLast();
        if (last != null && t - last[0] < MARK_INTERVAL) {
          last[1] = firstUnacked(window); // bounded: one mark per MARK_INTERVAL
        } else {
          ackMarks.addLast(new long[] {t, firstUnacked(window)});
        }
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
        commit(laggedCommitPoint(now));
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
    commit(firstUnacked(window)); // the broker is up and acknowledged these: commit all
  }

  private long firstUnacked(ArrayDeque<Pending> window) {
    return window.isEmpty() ? next : window.peekFirst().sequence();
  }

  /** The newest acknowledged position older than the replay window (never moves back). */
  private long laggedCommitPoint(long now) {
    long upTo = -1;
    while (!ackMarks.isEmpty() && now - ackMarks.peekFirst()[0] >= replayWindowNanos) {
      upTo = ackMarks.pollFirst()[1];
    }
    return upTo;
  }

  /**
   * The broker came back without our session: it lost its state, perhaps with messages it had
   * acknowledged but not yet delivered. Resend everything after the committed cursor, i.e. also
   * what was acknowledged within the replay window.
   */
  private void sessionLost(ArrayDeque<Pending> window) {
    long from = cursor.position();
    rewinds.increment();
    link.error(
        "history '"
            + label
            + "': the broker lost its session; resending from sequence "
            + from
            + " (acknowledged within the replay window, or not at all)",
        null);
    window.clear();
    ackMarks.clear();
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
        next = p.sequence();
        ackMarks.clear();
        return true;
      }
    }
    return progress;
  }

  /** Publishes durable entries from {@code next} onwards while the window has room. */
  private boolean fill(ArrayDeque<Pending> window) throws Exception {
    long durable = store.durableSequence();
    long from = next;
    if (from > durable) {
      return false;
    }
    int limit = Math.min(READ_LIMIT, maxInflight - window.size());
    Query q = Query.all().fromSequence(from).limit(limit);
    List<StoredEntry> entries = store.query(single != null ? q.key(single) : q);
    boolean beyondDurable = false;
    for (StoredEntry e : entries) {
      if (e.sequence() > durable) {
        beyondDurable = true;
        break;
      }
      from = e.sequence() + 1;
      if (single == null && !keys.contains(e.key())) {
        continue; // another record's entry: passed
      }
      window.addLast(new Pending(e.sequence(), publish(e)));
    }
    if (!beyondDurable && entries.size() < limit) {
      from = Math.max(from, durable + 1); // no more entries of this key up to the durable end
    }
    next = from;
    return !entries.isEmpty();
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

  private void commit(long upTo) {
    StoreCursor c = cursor;
    if (c == null || upTo <= c.position()) {
      return;
    }
    try {
      c.advanceTo(upTo);
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
