package io.runnel.mqtt;

import io.runnel.RecordKey;
import io.runnel.codec.Codec;
import io.runnel.spi.Backoff;
import io.runnel.store.HistoryReader;
import io.runnel.store.HistoryStore;
import io.runnel.store.KeySelector;
import io.runnel.store.StoredEntry;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * Forwards persisted records (the keys of a {@link KeySelector}, all of one type: one key, several,
 * or every key under a prefix, including keys first written while the route runs; through one
 * cursor) from the history store to MQTT, at least once, on its own thread.
 *
 * <p>It sees its link only through {@link RouteLink}: connected or not, the connection number,
 * stopping, the close deadline, publish, probe and error reporting. Its state (the window, the read
 * position, the {@link HistoryReader}, the {@link ConfirmationGate}) is owned by its thread; {@link
 * #addCounters} reads the counters and volatile positions from any thread.
 *
 * <h2>Implementation overview</h2>
 *
 * <p>The durable cursor and the pages are the store's {@link HistoryReader} (its class javadoc is
 * the contract this route relies on); the route adds the MQTT side. It reads pages of durable
 * entries of its keys from {@code next} onwards, publishes each entry at QoS 1 and keeps the
 * outstanding ones, in sequence order, in a window. An entry leaves the window from its head only
 * once its PUBACK has arrived (on the connection the route is on), so the head is always the first
 * unacknowledged sequence. Whenever the head moves, the new position is given to the {@link
 * ConfirmationGate}; only what the gate confirms (a probe answered at least the replay window after
 * the PUBACKs, on their connection) is reported {@linkplain HistoryReader#delivered delivered}, and
 * the reader {@linkplain HistoryReader#commit() commits} it at most every {@link #COMMIT_INTERVAL}.
 * Closing commits only what is confirmed (after one last probe for what is old enough); the rest is
 * sent again by the next run.
 *
 * <p>Invariant: every entry of the keys below the cursor's position was acknowledged by the broker
 * and the acknowledgement confirmed (or rejected by it for good, or skipped as unpublishable). It
 * holds because the route reports only confirmed heads of its window as delivered, and the reader's
 * contract ({@link HistoryReader}, "Delivered" and "Commit") never moves the cursor past a position
 * not reported delivered.
 *
 * <p><b>Reconnects.</b> When the connection number changes (any reconnect, with or without session)
 * the route commits what is confirmed, {@linkplain HistoryReader#rewind() rewinds} to the cursor
 * and sends everything after it again: acknowledgements of an earlier connection can never be
 * confirmed. The entries it resends that the broker had acknowledged are counted ({@code
 * resentAcked}, and {@code resentAckedLastOutage} for the latest rewind): the duplicates a
 * subscriber may see per outage. A publish that failed without a reason code (the session or client
 * went) rewinds the same way.
 *
 * <p><b>Pacing.</b> At most {@code maxInflight} messages are unacknowledged, counting those of the
 * window before a rewind that the client may still send (HiveMQ republishes them after a reconnect
 * with session): a replay after an outage goes out no faster than the broker acknowledges it. A
 * broker acknowledges at its own speed, not its subscribers', and drops for a subscriber whose
 * queue is full (Mosquitto: {@code max_queued_messages}, 1000 by default); so with a {@linkplain
 * MqttLink.Builder#historyRate rate} the route also sends at most that many messages per second
 * (its {@link Pacer}: bursts of at most 50 ms worth), retries included, counting each time it held
 * back ({@code paced}).
 *
 * <p><b>PUBACK codes</b> ({@link Transport#isTransient}). A transient one (quota exceeded, packet
 * identifier in use) sends the entry again after a {@link Backoff} delay (capped exponential with
 * jitter), counted as {@code retried}; it stays the head, so the cursor waits for it. A final one
 * is counted as {@code rejected}, logged, and skipped (it counts as delivered), so that one message
 * the broker will never take cannot block the record forever.
 */
final class HistoryRoute<T> implements Runnable {

  static final long COMMIT_INTERVAL = TimeUnit.MILLISECONDS.toNanos(200);
  private static final int READ_LIMIT = 512;
  private static final Backoff RETRY =
      Backoff.exponential(Duration.ofMillis(100), Duration.ofSeconds(10))
          .jitter(Backoff.Jitter.EQUAL);

  /** One published entry of the window. */
  private static final class Pending {
    final long sequence;
    final String topic; // null: skipped, acknowledged by definition
    final byte[] payload;
    final Wire.Stamp stamp;
    CompletableFuture<Void> acked; // done once its callback ran; null while waiting for a retry
    volatile long ackConnection = -1; // the connection its PUBACK (or failure) arrived on
    int retries;
    long retryAt;

    Pending(long sequence, String topic, byte[] payload, Wire.Stamp stamp) {
      this.sequence = sequence;
      this.topic = topic;
      this.payload = payload;
      this.stamp = stamp;
    }
  }

  private final RouteLink link;
  private final HistoryStore store;
  private final KeySelector keys;

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
  private final LongAdder retried = new LongAdder();
  private final LongAdder skipped = new LongAdder();
  private final LongAdder rewinds = new LongAdder();
  private final LongAdder resentAcked = new LongAdder();
  private volatile long resentAckedLastOutage;
  private final LongAdder probes = new LongAdder();
  private final LongAdder codecMismatches = new LongAdder();

  private final ConfirmationGate gate;

  /** The resend pace ({@link MqttLink.Builder#historyRate}); unlimited by default. */
  private final Pacer pacer;

  private final LongAdder paced = new LongAdder();

  /** How long a route held by a codec mismatch waits before it reads again. */
  static final long HOLD_NANOS = TimeUnit.SECONDS.toNanos(2);

  private long heldUntil = System.nanoTime();
  private long heldAt = -1;

  private long seenConnection;
  private long seenSessionLosses;
  private CompletableFuture<Long> probe;

  /** Futures of publishes from before a rewind, still counted against maxInflight. */
  private final List<CompletableFuture<Void>> draining = new ArrayList<>();

  private volatile long next = -1;
  private volatile int windowSize;
  private volatile HistoryReader reader;

  HistoryRoute(
      RouteLink link,
      HistoryStore store,
      KeySelector keys,
      Codec<T> codec,
      String fixedTopic,
      Function<? super T, String> topicOf,
      String cursorName,
      int maxInflight,
      java.time.Duration replayWindow,
      int rate) {
    this.gate = new ConfirmationGate(replayWindow.toNanos());
    this.pacer = new Pacer(rate, System.nanoTime());
    this.link = link;
    this.store = store;
    this.keys = keys;
    this.label = keys.toString();
    this.codec = codec;
    this.fixedTopic = fixedTopic;
    this.topicOf = topicOf;
    this.cursorName = cursorName;
    this.maxInflight = maxInflight;
  }

  String cursorName() {
    return cursorName;
  }

  KeySelector keys() {
    return keys;
  }

  Codec<T> codec() {
    return codec;
  }

  HistoryStore store() {
    return store;
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
    counters.put(p + "retried", retried.sum());
    counters.put(p + "skipped", skipped.sum());
    counters.put(p + "codecMismatch", codecMismatches.sum());
    counters.put(p + "rewinds", rewinds.sum());
    counters.put(p + "resentAcked", resentAcked.sum());
    counters.put(p + "resentAckedLastOutage", resentAckedLastOutage);
    counters.put(p + "probes", probes.sum());
    counters.put(p + "paced", paced.sum());
    counters.put(p + "position", position());
    long b = backlog();
    counters.put(p + "backlog", b);
    return b;
  }

  /** Entries skipped because they were stored with another codec than the route's. */
  long codecMismatches() {
    return codecMismatches.sum();
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
        // No window in the reader: the route reports delivered only what its gate confirmed.
        reader =
            HistoryReader.builder(store, cursorName).keys(keys).maxPageEntries(READ_LIMIT).build();
      } catch (Exception e) {
        link.error("history '" + label + "': cannot open cursor '" + cursorName + "'", e);
        if (!pause(1000)) {
          return;
        }
      }
    }
    next = reader.position();
    seenConnection = link.connection();
    seenSessionLosses = link.sessionLosses();
    ArrayDeque<Pending> window = new ArrayDeque<>();
    long lastCommit = System.nanoTime();
    while (!link.stopping()) {
      long connection = link.connection();
      if (connection != seenConnection) {
        reconnected(window, connection);
      }
      draining.removeIf(CompletableFuture::isDone);
      boolean progress = reap(window);
      progress |= retryHead(window);
      progress |= confirm(window);
      boolean pacedOut = false;
      if (link.isConnected()
          && window.size() + draining.size() < maxInflight
          && System.nanoTime() - heldUntil >= 0) {
        int permits = pacer.permits(System.nanoTime());
        if (permits == 0) {
          pacedOut = true;
        } else {
          try {
            progress |= fill(window, permits);
          } catch (Exception e) {
            link.error("history '" + label + "': cannot read the store", e);
            pause(500);
          }
        }
      }
      windowSize = window.size();
      long now = System.nanoTime();
      if (now - lastCommit >= COMMIT_INTERVAL) {
        commit(); // only confirmed deliveries: safe whether connected or not
        lastCommit = now;
      }
      if (!progress) {
        if (pacedOut) {
          awaitPace(window);
        } else {
          idle(window);
        }
      }
    }
    // Closing: give outstanding messages until the close deadline to be acknowledged, and what is
    // old enough one last probe; commit only what is confirmed.
    while (System.nanoTime() - link.closeDeadline() < 0
        && link.connection() == seenConnection
        && (!window.isEmpty() || gate.probeOutstanding() || gate.probeWanted(System.nanoTime()))) {
      reap(window);
      confirm(window);
      if (!window.isEmpty() && window.peekFirst().acked != null) {
        waitFor(window.peekFirst().acked, 20);
      } else if (probe != null) {
        waitFor(probe, 20);
      } else if (!window.isEmpty()) {
        pause(20);
      } else {
        java.util.concurrent.locks.LockSupport.parkNanos(5_000_000); // the next probe's turn
      }
    }
    windowSize = window.size();
    commit();
  }

  private long firstUnacked(ArrayDeque<Pending> window) {
    return window.isEmpty() ? next : window.peekFirst().sequence;
  }

  /**
   * The link is on another connection: nothing acknowledged on the last one can be confirmed any
   * more. Commit what is confirmed, then resend everything after the cursor.
   */
  private void reconnected(ArrayDeque<Pending> window, long connection) {
    seenConnection = connection;
    long losses = link.sessionLosses();
    boolean sessionLost = losses != seenSessionLosses;
    seenSessionLosses = losses;
    if (probe != null) {
      gate.probeAnswered(-1); // an answer on the new connection confirms nothing of the old
      probe = null;
    }
    if (window.isEmpty() && !gate.pending() && next == reader.deliveredPosition()) {
      return; // nothing was outstanding
    }
    rewind(
        window,
        sessionLost
            ? "the broker lost its session"
            : "reconnected (the broker kept the session, but acknowledgements of the last"
                + " connection cannot be confirmed)");
  }

  private void rewind(ArrayDeque<Pending> window, String why) {
    commit();
    long resent = gate.unconfirmedEntries();
    for (Pending p : window) {
      if (p.acked != null && !p.acked.isDone()) {
        draining.add(p.acked);
      }
      if (p.acked != null && p.acked.isDone() && failure(p.acked) == null) {
        resent++; // acknowledged, not yet reaped
      }
    }
    window.clear();
    gate.reset();
    probe = null;
    long from = reader.rewind();
    rewinds.increment();
    resentAcked.add(resent);
    resentAckedLastOutage = resent;
    link.error(
        "history '"
            + label
            + "': "
            + why
            + "; resending from sequence "
            + from
            + " ("
            + resent
            + " of them acknowledged but not confirmed: possible duplicates)",
        null);
    next = from;
    windowSize = 0;
  }

  /** Removes acknowledged entries from the head of the window; true if the head moved. */
  private boolean reap(ArrayDeque<Pending> window) {
    long entries = 0; // acknowledged by the broker (or rejected for good)
    boolean moved = false;
    while (!window.isEmpty()) {
      Pending p = window.peekFirst();
      if (p.acked == null || !p.acked.isDone()) {
        break;
      }
      if (p.topic != null && p.ackConnection != seenConnection) {
        break; // it arrived on another connection: reconnected() rewinds first
      }
      Throwable error = failure(p.acked);
      if (error == null) {
        window.pollFirst();
        moved = true;
        if (p.topic != null) {
          acked.increment();
          entries++;
        }
        continue;
      }
      int code = Transport.pubackCode(error);
      if (code >= 0 && Transport.isTransient(code)) {
        p.acked = null;
        p.retryAt = System.nanoTime() + RETRY.delay(p.retries).toNanos();
        p.retries++;
        link.error(
            "history '"
                + label
                + "': broker refused sequence "
                + p.sequence
                + " for now (PUBACK 0x"
                + Integer.toHexString(code)
                + "); resending it in "
                + TimeUnit.NANOSECONDS.toMillis(p.retryAt - System.nanoTime())
                + " ms",
            error);
        break;
      }
      if (code >= 0) {
        window.pollFirst();
        moved = true;
        rejected.increment();
        entries++;
        link.error(
            "history '"
                + label
                + "': broker rejected sequence "
                + p.sequence
                + " for good (PUBACK 0x"
                + Integer.toHexString(code)
                + "); skipped (not resent)",
            error);
        continue;
      }
      if (link.stopping()) {
        break;
      }
      rewind(window, "publish of sequence " + p.sequence + " failed (" + error + ")");
      if (!link.isConnected()) {
        link.awaitConnected(200);
      }
      return true;
    }
    if (!moved) {
      return false;
    }
    long confirmed =
        gate.acknowledged(firstUnacked(window), entries, System.nanoTime(), seenConnection);
    if (confirmed >= 0) {
      reader.delivered(confirmed);
    }
    return true;
  }

  /** Sends the head again once its transient refusal's delay has passed. */
  private boolean retryHead(ArrayDeque<Pending> window) {
    Pending p = window.peekFirst();
    long now = System.nanoTime();
    if (p == null || p.acked != null || now - p.retryAt < 0 || !link.isConnected()) {
      return false;
    }
    if (pacer.permits(now) == 0) {
      return false; // the pace holds retries back too
    }
    pacer.sent(1, now);
    retried.increment();
    p.acked = send(p);
    return true;
  }

  /** Probes when the gate says so, and reports what an answer confirms as delivered. */
  private boolean confirm(ArrayDeque<Pending> window) {
    boolean progress = false;
    if (probe != null && probe.isDone()) {
      long on;
      try {
        on = probe.join();
      } catch (RuntimeException e) {
        on = -1;
      }
      probe = null;
      long confirmed = gate.probeAnswered(on);
      if (confirmed >= 0) {
        reader.delivered(confirmed);
        progress = true;
      }
    }
    long now = System.nanoTime();
    if (probe == null && link.isConnected() && gate.probeDue(now)) {
      gate.probeSent(now, seenConnection);
      probes.increment();
      probe = link.probe();
      progress = true;
    }
    return progress;
  }

  /**
   * Publishes the next page of durable entries from {@code next} while the window has room; true if
   * the read position moved (entries published, or only other keys' entries and gaps passed).
   */
  private boolean fill(ArrayDeque<Pending> window, int permits) throws Exception {
    long from = next;
    int room = Math.min(maxInflight - window.size() - draining.size(), permits);
    HistoryReader.Page page = reader.read(from, Math.min(READ_LIMIT, room));
    long end = page.end();
    int published = 0;
    for (int i = 0; i < page.size(); i++) {
      StoredEntry e = page.entries().get(i);
      String mismatch = codecMismatch(e);
      if (mismatch != null) {
        end = page.endAfter(i); // the route stops before it: the cursor never passes it
        hold(e, mismatch);
        break;
      }
      window.addLast(publish(e));
      published++;
    }
    pacer.sent(published, System.nanoTime());
    next = end;
    if (end != from && window.isEmpty()) {
      // only other keys' entries and gaps: acknowledged by definition
      long confirmed = gate.acknowledged(end, 0, System.nanoTime(), seenConnection);
      if (confirmed >= 0) {
        reader.delivered(confirmed);
      }
    }
    return end != from;
  }

  /**
   * Why {@code e} cannot be forwarded with the route's codec (it was stored with another), or null.
   */
  private String codecMismatch(StoredEntry e) {
    if (e.codecId() == codec.id() || codec.reads(e.codecId())) {
      return null; // its own, or another version of the route's chain: forwarded as stored
    }
    try {
      e.decode(codec);
      return "entry " + e.sequence() + " has codec id 0x" + Long.toHexString(e.codecId());
    } catch (RuntimeException mismatch) { // SchemaMismatchException: names both schemas
      return mismatch.getMessage();
    }
  }

  /**
   * Stops the route before {@code e}: a record forwarded with another codec than it was persisted
   * with is a configuration error, and skipping would move the cursor past every such entry for
   * good. The entries stay in the backlog; the route looks again every {@link #HOLD_NANOS}.
   */
  private void hold(StoredEntry e, String why) {
    heldUntil = System.nanoTime() + HOLD_NANOS;
    if (e.sequence() != heldAt) {
      heldAt = e.sequence();
      codecMismatches.increment();
    }
    link.error(
        "history '"
            + label
            + "' (cursor '"
            + cursorName
            + "') holds at sequence "
            + e.sequence()
            + ": "
            + why
            + ". Forward the record with the codec it is persisted with (Persist.to(store,"
            + " Type.class) stores with Codec.forRecord(Type.class)) and restart; nothing is"
            + " skipped meanwhile",
        null);
  }

  /**
   * At start: fails if the newest stored entry of a selected key (named, or in the store under a
   * prefix) was written with another codec than the route's, naming the key, both schemas and what
   * to do. Entries stored later, of keys that appear later too, are checked as they are read
   * ({@link #hold}).
   *
   * @throws IllegalStateException on a mismatch
   */
  void checkStoredCodec(String linkName) {
    java.util.Collection<String> ids = keys.keyIds();
    if (!keys.prefixes().isEmpty()) {
      ids = store.storedKeys().stream().filter(keys::matches).toList();
    }
    for (String id : ids) {
      RecordKey k = RecordKey.of(id);
      List<StoredEntry> latest;
      try {
        latest = store.latest(k, 1);
      } catch (Exception e) {
        return; // the route reports an unreadable store once it runs
      }
      if (!latest.isEmpty() && codecMismatch(latest.getFirst()) != null) {
        StoredEntry e = latest.getFirst();
        throw new IllegalStateException(
            "link '"
                + linkName
                + "': publishHistory of record '"
                + k.id()
                + "' (cursor '"
                + cursorName
                + "') uses codec "
                + codec.schema()
                + " [id 0x"
                + Long.toHexString(codec.id())
                + "], but the store holds the record persisted with another: "
                + codecMismatch(e)
                + ". Pass publishHistory the codec the record is persisted with (for"
                + " Persist.to(store, Type.class): Codec.forRecord(Type.class)), or persist it with"
                + " the codec you want on the wire");
      }
    }
  }

  private Pending publish(StoredEntry e) {
    String topic;
    if (fixedTopic != null) {
      topic = fixedTopic; // the codec was checked by fill()
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
    // the stored bytes as they are, stamped with the version they were written with
    Pending p =
        new Pending(
            e.sequence(),
            topic,
            e.payload(),
            new Wire.Stamp(true, e.codecId(), codec.versionOf(e.codecId())));
    p.acked = send(p);
    return p;
  }

  private CompletableFuture<Void> send(Pending p) {
    CompletableFuture<Void> f;
    try {
      f = link.publish(p.topic, p.payload, Qos.AT_LEAST_ONCE, false, p.sequence, p.stamp);
    } catch (RuntimeException ex) { // e.g. an invalid topic
      skipped.increment();
      link.error(
          "history '" + label + "': sequence " + p.sequence + " skipped: the publish was refused",
          ex);
      return CompletableFuture.completedFuture(null);
    }
    sent.increment();
    // Runs where the PUBACK completes the future (the event loop): the connection it came on.
    return f.whenComplete((ok, error) -> p.ackConnection = link.connection());
  }

  private Pending skip(StoredEntry e, String why) {
    skipped.increment();
    link.error(
        "history '" + label + "': sequence " + e.sequence() + " skipped because " + why, null);
    Pending p = new Pending(e.sequence(), null, null, Wire.Stamp.NONE);
    p.acked = CompletableFuture.completedFuture(null);
    return p;
  }

  /** Commits the reader: every confirmed delivery. */
  private void commit() {
    try {
      reader.commit();
    } catch (Exception e) {
      link.error("history '" + label + "': cannot persist cursor '" + cursorName + "'", e);
    }
  }

  private void idle(ArrayDeque<Pending> window) {
    Pending head = window.peekFirst();
    if (head != null && head.acked != null) {
      waitFor(head.acked, 50);
    } else if (head != null || probe != null || gate.pending()) {
      if (probe != null) {
        waitFor(probe, 20);
      } else {
        pause(20); // a retry or a probe becomes due
      }
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

  /**
   * The pace holds the next publish back: waits until it may go (at most 20 ms), or for the head's
   * acknowledgement if that comes first.
   */
  private void awaitPace(ArrayDeque<Pending> window) {
    paced.increment();
    long nanos = Math.min(pacer.nanosToNext(System.nanoTime()), 20_000_000L);
    if (nanos <= 0) {
      return;
    }
    Pending head = window.peekFirst();
    if (head != null && head.acked != null && !head.acked.isDone()) {
      try {
        head.acked.get(nanos, TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (ExecutionException | TimeoutException | RuntimeException e) {
        // handled by reap()
      }
    } else {
      java.util.concurrent.locks.LockSupport.parkNanos(nanos);
    }
  }

  private static void waitFor(CompletableFuture<?> f, long millis) {
    try {
      f.get(millis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      // handled by reap() / confirm()
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
