package io.runnel.kafka;

import io.runnel.RuntimeContext;
import io.runnel.buffer.LaggedException;
import io.runnel.buffer.Reader;
import io.runnel.codec.Codec;
import io.runnel.spi.Backoff;
import io.runnel.spi.DropQueue;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Live outbound (not persisted): the tap tasks of {@link KafkaLink#publish} encode values into the
 * live queue (a {@link DropQueue} bounded in messages and payload bytes, dropping by the {@link
 * LiveOverflow} policy; never blocking), and the sender thread ({@link #run}) hands them to the
 * producer with at most {@code maxInflight} unacknowledged.
 *
 * <h2>Threads</h2>
 *
 * <p>Tap tasks (pipeline threads) only add to the queue and count what they skip, so the producer's
 * own blocking ({@code send} waits up to {@code max.block.ms} for metadata or buffer space) never
 * reaches a lane. The sender thread is the only one that takes from the queue. Acknowledgements
 * arrive on the producer's I/O thread, which releases the permit and counts. A send that failed
 * because the cluster could not be reached (a {@link TimeoutException}: no metadata, or the
 * delivery timeout passed) is put back at the head of the queue and the sender pauses (a {@link
 * Backoff}); any other failure is counted and the value dropped: live values are best effort.
 */
final class LiveSender implements Runnable {

  private static final Backoff RETRY =
      Backoff.exponential(Duration.ofMillis(100), Duration.ofSeconds(5))
          .jitter(Backoff.Jitter.EQUAL);

  /** One message to send. */
  record Message(String topic, byte[] key, byte[] payload, RecordHeaders headers) {}

  private final RouteContext link;
  private final DropQueue<Message> queue;
  private final int maxInflight;
  private final Semaphore inflight;
  private final AtomicInteger unacked = new AtomicInteger();
  private volatile int failuresInARow;

  private final LongAdder sent = new LongAdder();
  private final LongAdder sendFailures = new LongAdder();
  private final LongAdder encodeFailures = new LongAdder();
  private final LongAdder lagged = new LongAdder();
  private final LongAdder requeued = new LongAdder();

  LiveSender(
      RouteContext link,
      int queueMessages,
      long queueBytes,
      LiveOverflow overflow,
      int maxInflight) {
    this.link = link;
    this.queue =
        new DropQueue<>(
            queueMessages,
            queueBytes,
            m -> m.payload().length,
            overflow == LiveOverflow.DROP_NEWEST
                ? DropQueue.Overflow.DROP_NEWEST
                : DropQueue.Overflow.DROP_OLDEST);
    this.maxInflight = maxInflight;
    this.inflight = new Semaphore(maxInflight);
  }

  // -------------------------------------------------------------------- tap tasks

  /** The loop of one tap task: encodes each value of {@code in} and queues it; never returns. */
  <T> void forward(
      RuntimeContext ctx, Reader<T> in, Codec<? super T> codec, Function<? super T, String> topic)
      throws InterruptedException {
    String record = ctx.key().id();
    byte[] key = KafkaHeaders.messageKey(record, link.nodeId());
    byte[] recordBytes = KafkaHeaders.utf8(record);
    byte[] schema = KafkaHeaders.hex(codec.id());
    byte[] version =
        codec.version() > 0 ? KafkaHeaders.utf8(Integer.toString(codec.version())) : null;
    for (; ; ) {
      T value;
      try {
        value = in.recv();
      } catch (LaggedException e) {
        lagged.add(e.missed());
        continue;
      }
      String t;
      byte[] payload;
      try {
        t = Topics.checkTopic(topic.apply(value));
        payload = codec.encode(value);
      } catch (RuntimeException e) {
        encodeFailures.increment();
        link.errors().report("record '" + record + "': value not sent: " + value, e);
        continue;
      }
      RecordHeaders headers = new RecordHeaders();
      headers.add(KafkaHeaders.NODE, link.nodeBytes());
      headers.add(KafkaHeaders.RECORD, recordBytes);
      headers.add(KafkaHeaders.SCHEMA, schema);
      if (version != null) {
        headers.add(KafkaHeaders.VERSION, version);
      }
      queue.add(new Message(t, key, payload, headers));
    }
  }

  // -------------------------------------------------------------------- sender thread

  @Override
  public void run() {
    long poll = TimeUnit.MILLISECONDS.toNanos(100);
    try {
      while (!link.stopping()) {
        int failures = failuresInARow;
        if (failures > 0) {
          pause(RETRY.delay(failures - 1).toNanos());
          if (link.stopping()) {
            break;
          }
        }
        if (!inflight.tryAcquire(100, TimeUnit.MILLISECONDS)) {
          continue;
        }
        Message m = queue.poll(poll);
        if (m == null) {
          inflight.release();
          continue;
        }
        send(m);
      }
    } catch (InterruptedException e) {
      // closing
    }
  }

  private void send(Message m) {
    unacked.incrementAndGet();
    try {
      link.producer()
          .send(
              new ProducerRecord<>(m.topic(), null, null, m.key(), m.payload(), m.headers()),
              (md, e) -> completed(m, e));
    } catch (RuntimeException e) { // the producer is closing
      completed(m, e);
    }
  }

  /** On the producer's I/O thread (or the sender's): the cluster acknowledged {@code m}, or not. */
  private void completed(Message m, Exception e) {
    if (e == null) {
      sent.increment(); // counted before the backlog shrinks
      failuresInARow = 0;
    }
    unacked.decrementAndGet();
    inflight.release();
    if (e == null) {
      return;
    }
    sendFailures.increment();
    link.errors().report("live send to topic '" + m.topic() + "' failed", e);
    if (e instanceof TimeoutException && !link.stopping()) {
      failuresInARow = Math.min(failuresInARow + 1, 30);
      requeued.increment();
      queue.putBack(m); // not reachable: keep it (bounded) until the cluster is back
    }
  }

  private void pause(long nanos) {
    long deadline = System.nanoTime() + nanos;
    while (!link.stopping() && System.nanoTime() - deadline < 0) {
      LockSupport.parkNanos(Math.min(deadline - System.nanoTime(), 50_000_000L));
    }
  }

  // -------------------------------------------------------------------- closing and status

  /** Sends what is queued until the queue is empty or the deadline passes (closing). */
  void drain(long deadline) throws InterruptedException {
    while (System.nanoTime() - deadline < 0 && failuresInARow == 0) {
      long left = deadline - System.nanoTime();
      if (!inflight.tryAcquire(Math.max(0, left), TimeUnit.NANOSECONDS)) {
        return;
      }
      Message m = queue.poll();
      if (m == null) {
        inflight.release();
        return;
      }
      send(m);
    }
  }

  /** Waits until no message is unacknowledged, or the deadline ({@link System#nanoTime()}). */
  void awaitAcknowledged(long deadline) throws InterruptedException {
    if (inflight.tryAcquire(
        maxInflight, Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
      inflight.release(maxInflight);
    }
  }

  /** Messages queued or sent but not yet acknowledged. */
  long backlog() {
    return queue.size() + unacked.get();
  }

  int inflight() {
    return unacked.get();
  }

  void addCounters(Map<String, Long> counters) {
    counters.put("live.sent", sent.sum());
    counters.put("live.dropped", queue.dropped());
    counters.put("live.sendFailures", sendFailures.sum());
    counters.put("live.requeued", requeued.sum());
    counters.put("live.encodeFailures", encodeFailures.sum());
    counters.put("live.lagged", lagged.sum());
    counters.put("live.queued", (long) queue.size());
    counters.put("live.queuedBytes", queue.bytes());
    counters.put("live.inflight", (long) unacked.get());
  }
}
