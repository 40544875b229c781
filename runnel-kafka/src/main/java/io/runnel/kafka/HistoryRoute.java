package io.runnel.kafka;

import io.runnel.spi.Backoff;
import io.runnel.store.HistoryReader;
import io.runnel.store.HistoryStore;
import io.runnel.store.KeySelector;
import io.runnel.store.StoredEntry;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Forwards persisted records (the keys of a {@link KeySelector}: one, several, or every key under a
 * prefix, including keys first written while the route runs; through one durable cursor) from a
 * history store to one Kafka topic, at least once, on its own thread.
 *
 * <h2>Implementation overview</h2>
 *
 * <p>The durable cursor and the pages are the store's {@link HistoryReader} (its class javadoc is
 * the contract this route relies on); the route adds the Kafka side. It reads pages of durable
 * entries from {@code next} onwards and hands each entry to the link's idempotent producer ({@code
 * acks=all}) with its stored bytes unchanged as the value, {@code record@node} as the key and the
 * headers of {@link KafkaHeaders}; it keeps the outstanding sends, in sequence order, in a window
 * of at most {@code maxInflight}. The producer's I/O thread only marks a send done (ok or failed)
 * and unparks the route. The route takes acknowledged sends off the head of the window, so the head
 * is always the first unacknowledged sequence, and reports {@linkplain HistoryReader#delivered
 * delivered} up to it (or up to {@code next} with an empty window); the reader {@linkplain
 * HistoryReader#commit() commits} at most every {@link #COMMIT_INTERVAL}.
 *
 * <p>Invariant: every entry of the keys below the cursor was acknowledged by the cluster with
 * {@code acks=all} (written to every in-sync replica). It holds because only acknowledged heads are
 * reported delivered, and the reader never moves the cursor past a position not reported.
 *
 * <p><b>Failures.</b> A send the producer gives up on (its {@code delivery.timeout.ms} passed, the
 * metadata did not come within {@code max.block.ms}, a broker refused it for good) stops the route
 * sending; once every send of the window has completed, it {@linkplain HistoryReader#rewind()
 * rewinds} to the cursor, waits a {@link Backoff} delay and sends everything after the cursor again
 * (counted as {@code rewinds}; the acknowledged sends it repeats as {@code resentAcked}: possible
 * duplicates, which carry the same node and sequence headers). Waiting for the whole window first
 * keeps one key's messages in sequence order in their partition, apart from those repeats.
 */
final class HistoryRoute implements Runnable {

  static final long COMMIT_INTERVAL = TimeUnit.MILLISECONDS.toNanos(200);
  private static final Backoff RETRY =
      Backoff.exponential(Duration.ofMillis(100), Duration.ofSeconds(10))
          .jitter(Backoff.Jitter.EQUAL);

  /** One send of the window. Written by the producer's I/O thread, read by the route's. */
  private static final class Pending implements Callback {
    final long sequence;
    final Thread route;
    final HistoryRoute owner;
    volatile boolean done;
    volatile Exception error;

    Pending(long sequence, Thread route, HistoryRoute owner) {
      this.sequence = sequence;
      this.route = route;
      this.owner = owner;
    }

    @Override
    public void onCompletion(RecordMetadata metadata, Exception exception) {
      error = exception;
      done = true;
      if (owner.parked) {
        LockSupport.unpark(route); // only a waiting route: not one unpark per message
      }
    }
  }

  private final RouteContext link;
  private final HistoryStore store;
  private final KeySelector keys;
  private final String label;
  private final String topic;
  private final String cursorName;
  private final int maxInflight;
  private final int pageEntries;

  private final LongAdder sent = new LongAdder();
  private final LongAdder acked = new LongAdder();
  private final LongAdder failed = new LongAdder();
  private final LongAdder rewinds = new LongAdder();
  private final LongAdder resentAcked = new LongAdder();

  private volatile long next = -1;
  private volatile int windowSize;
  private volatile HistoryReader reader;
  private volatile boolean metadataSeen;

  /** Set by the route while it parks waiting for an acknowledgement. */
  private volatile boolean parked;

  HistoryRoute(
      RouteContext link,
      HistoryStore store,
      KeySelector keys,
      String topic,
      String cursorName,
      int maxInflight) {
    this.link = link;
    this.store = store;
    this.keys = keys;
    this.label = keys.toString();
    this.topic = topic;
    this.cursorName = cursorName;
    this.maxInflight = maxInflight;
    this.pageEntries = Math.min(maxInflight, 500);
  }

  String cursorName() {
    return cursorName;
  }

  /** Puts the route's counters ({@code history.<cursor>.<counter>}); returns its backlog. */
  long addCounters(Map<String, Long> counters) {
    String p = "history." + cursorName + ".";
    counters.put(p + "sent", sent.sum());
    counters.put(p + "acked", acked.sum());
    counters.put(p + "failed", failed.sum());
    counters.put(p + "rewinds", rewinds.sum());
    counters.put(p + "resentAcked", resentAcked.sum());
    counters.put(p + "inflight", (long) windowSize);
    HistoryReader r = reader;
    counters.put(p + "position", r == null ? -1 : r.position());
    long b = backlog();
    counters.put(p + "backlog", b);
    return b;
  }

  /** Sends in flight. */
  int inflight() {
    return windowSize;
  }

  /**
   * Entries not yet acknowledged: in flight plus every sequence written after the read position (an
   * upper bound while other keys' entries are unread; exact once caught up).
   */
  long backlog() {
    long n = next;
    if (n < 0) {
      return 0;
    }
    return windowSize + Math.max(0, store.writtenSequence() + 1 - n);
  }

  @Override
  public void run() {
    while (reader == null) {
      try {
        reader =
            HistoryReader.builder(store, cursorName).keys(keys).maxPageEntries(pageEntries).build();
      } catch (Exception e) {
        link.errors().report("history '" + label + "': cannot open cursor '" + cursorName + "'", e);
        if (!pause(TimeUnit.SECONDS.toNanos(1))) {
          return;
        }
      }
    }
    next = reader.position();
    ArrayDeque<Pending> window = new ArrayDeque<>();
    long lastCommit = System.nanoTime();
    boolean failing = false;
    int attempt = 0;
    Producer<byte[], byte[]> producer = link.producer();
    while (!link.stopping()) {
      boolean progress = false;
      // take acknowledged sends off the head
      while (!window.isEmpty() && window.peekFirst().done) {
        Pending p = window.peekFirst();
        if (p.error != null) {
          if (!failing) {
            failing = true;
            failed.increment();
            link.errors()
                .report(
                    "history '"
                        + label
                        + "': send of sequence "
                        + p.sequence
                        + " to topic '"
                        + topic
                        + "' failed; resending from the cursor once the window has drained",
                    p.error);
          }
          break;
        }
        window.pollFirst();
        acked.increment();
        attempt = 0;
        progress = true;
      }
      if (failing) {
        boolean allDone = window.stream().allMatch(p -> p.done);
        if (allDone) {
          long resent = window.stream().filter(p -> p.error == null).count();
          window.clear();
          commit(window);
          next = reader.rewind();
          rewinds.increment();
          resentAcked.add(resent);
          failing = false;
          windowSize = 0;
          if (!pause(RETRY.delay(attempt++).toNanos())) {
            break;
          }
          continue;
        }
      } else {
        reader.delivered(window.isEmpty() ? next : window.peekFirst().sequence);
      }
      // Fill when a page's worth is free (or the window is empty): reading a few entries per
      // acknowledgement would cost a store query each.
      int free = maxInflight - window.size();
      if (!failing && (window.isEmpty() || free >= Math.min(pageEntries, (maxInflight + 1) / 2))) {
        if (!metadataSeen && !awaitMetadata(producer, attempt)) {
          attempt++;
          continue;
        }
        try {
          progress |= fill(producer, window);
        } catch (Exception e) {
          link.errors().report("history '" + label + "': cannot read the store", e);
          pause(TimeUnit.MILLISECONDS.toNanos(500));
        }
      }
      windowSize = window.size();
      long now = System.nanoTime();
      if (now - lastCommit >= COMMIT_INTERVAL) {
        commit(window);
        lastCommit = now;
      }
      if (!progress) {
        if (window.isEmpty()) {
          try {
            reader.await(next, Duration.ofMillis(100)); // a new durable entry, or the timeout
          } catch (InterruptedException e) {
            break;
          } catch (Exception e) {
            link.errors().report("history '" + label + "': cannot wait for the store", e);
            pause(TimeUnit.MILLISECONDS.toNanos(500));
          }
        } else {
          // Wait for the head's acknowledgement (failing: for any send still outstanding, the
          // head has completed); a completion unparks.
          Pending waitingOn = window.peekFirst();
          if (failing) {
            waitingOn = window.stream().filter(p -> !p.done).findFirst().orElse(null);
          }
          if (waitingOn != null) {
            parked = true;
            if (!waitingOn.done) {
              LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
            }
            parked = false;
          }
        }
      }
    }
    // Closing: outstanding sends get until the close deadline; commit what was acknowledged.
    while (!window.isEmpty() && System.nanoTime() - link.closeDeadline() < 0) {
      Pending p = window.peekFirst();
      if (!p.done) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        continue;
      }
      if (p.error != null) {
        break;
      }
      window.pollFirst();
      acked.increment();
      reader.delivered(window.isEmpty() ? next : window.peekFirst().sequence);
    }
    windowSize = window.size();
    commit(window);
  }

  /**
   * Asks the producer for the topic's partitions once (bounded by {@code max.block.ms}): a broker
   * that cannot be reached shows as the link's last error at once, not only after the first send
   * times out.
   */
  private boolean awaitMetadata(Producer<byte[], byte[]> producer, int attempt) {
    try {
      producer.partitionsFor(topic);
      metadataSeen = true;
      return true;
    } catch (RuntimeException e) {
      link.errors()
          .report(
              "history '"
                  + label
                  + "': no metadata for topic '"
                  + topic
                  + "' from "
                  + link.bootstrap(),
              e);
      pause(RETRY.delay(attempt).toNanos());
      return false;
    }
  }

  private boolean fill(Producer<byte[], byte[]> producer, ArrayDeque<Pending> window)
      throws Exception {
    HistoryReader.Page page = reader.read(next, maxInflight - window.size());
    if (page.end() == next) {
      return false;
    }
    Thread self = Thread.currentThread();
    for (StoredEntry e : page.entries()) {
      RecordHeaders headers = new RecordHeaders();
      headers.add(KafkaHeaders.NODE, link.nodeBytes());
      headers.add(KafkaHeaders.RECORD, KafkaHeaders.utf8(e.key()));
      headers.add(KafkaHeaders.SEQUENCE, KafkaHeaders.utf8(Long.toString(e.sequence())));
      headers.add(KafkaHeaders.SCHEMA, KafkaHeaders.hex(e.codecId()));
      if (e.writtenVersion() > 0) {
        headers.add(KafkaHeaders.VERSION, KafkaHeaders.utf8(Integer.toString(e.writtenVersion())));
      }
      ProducerRecord<byte[], byte[]> record =
          new ProducerRecord<>(
              topic,
              null,
              e.timestampMicros() / 1000,
              KafkaHeaders.messageKey(e.key(), link.nodeId()),
              e.payload(),
              headers);
      Pending p = new Pending(e.sequence(), self, this);
      window.addLast(p);
      sent.increment();
      try {
        producer.send(record, p); // a failure comes through the callback
      } catch (RuntimeException ex) { // the producer is closed, or the record is invalid
        p.onCompletion(null, ex);
      }
      windowSize = window.size();
      if ((p.done && p.error != null) || link.stopping()) {
        // Failed at once (no metadata within max.block.ms: the cluster is away): sending the
        // rest of the page would block max.block.ms per entry. The route rewinds and resends from
        // the cursor anyway.
        next = e.sequence() + 1;
        return true;
      }
    }
    next = page.end();
    return true;
  }

  private void commit(ArrayDeque<Pending> window) {
    try {
      reader.commit();
    } catch (Exception e) {
      link.errors().report("history '" + label + "': cannot commit cursor '" + cursorName + "'", e);
    }
  }

  /** Parks up to {@code nanos} unless the link is stopping; false if it is. */
  private boolean pause(long nanos) {
    long deadline = System.nanoTime() + nanos;
    while (!link.stopping()) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return true;
      }
      LockSupport.parkNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)));
    }
    return false;
  }
}
