package io.runnel.mqtt;

import io.runnel.RuntimeContext;
import io.runnel.buffer.LaggedException;
import io.runnel.buffer.Reader;
import io.runnel.codec.Codec;
import io.runnel.spi.DropQueue;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * Live outbound: the tap tasks of {@link MqttLink#publish} encode values into the offline queue (a
 * {@link DropQueue} bounded in messages and payload bytes; never blocking), and the sender thread
 * ({@link #run}) publishes from it while connected, with at most {@code maxInflight} messages
 * unacknowledged.
 *
 * <h2>Threads</h2>
 *
 * <p>Tap tasks (pipeline threads) only add to the queue and count what they skip. The sender thread
 * is the only one that takes from the queue and acquires in-flight permits; acknowledgements arrive
 * on the client's event loop, which releases the permit, counts, and puts a failed QoS 1 message
 * back at the head of the queue. The thread closing the link waits for the queue to drain ({@link
 * #awaitEmpty}) and the permits to return ({@link #awaitAcknowledged}).
 */
final class LiveSender implements Runnable {

  /** One message to publish. */
  record Message(String topic, byte[] payload, Qos qos, boolean retain, Wire.Stamp stamp) {}

  private final RouteLink link;
  private final DropQueue<Message> queue;
  private final int maxInflight;
  private final Semaphore inflight;
  private final AtomicInteger unacked = new AtomicInteger();

  private final LongAdder sent = new LongAdder();
  private final LongAdder publishFailures = new LongAdder();
  private final LongAdder encodeFailures = new LongAdder();
  private final LongAdder lagged = new LongAdder();

  LiveSender(RouteLink link, int offlineQueue, long offlineQueueBytes, int maxInflight) {
    this.link = link;
    this.queue =
        new DropQueue<>(
            offlineQueue,
            offlineQueueBytes,
            m -> m.payload().length,
            DropQueue.Overflow.DROP_OLDEST);
    this.maxInflight = maxInflight;
    this.inflight = new Semaphore(maxInflight);
  }

  // -------------------------------------------------------------------- tap tasks

  /** The loop of one tap task: encodes each value of {@code in} and queues it; never returns. */
  <T> void forward(
      RuntimeContext ctx,
      Reader<T> in,
      Codec<? super T> codec,
      Function<? super T, String> topic,
      Qos qos,
      boolean retain)
      throws InterruptedException {
    Wire.Stamp stamp = Wire.Stamp.of(codec); // one per task: the codec is fixed
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
        t = topic.apply(value);
        Transport.checkTopic(t);
        payload = codec.encode(value);
      } catch (RuntimeException e) {
        encodeFailures.increment();
        link.error("record '" + ctx.key().id() + "': value not published: " + value, e);
        continue;
      }
      queue.add(new Message(t, payload, qos, retain, stamp));
    }
  }

  // -------------------------------------------------------------------- sender thread

  @Override
  public void run() {
    long poll = TimeUnit.MILLISECONDS.toNanos(100);
    try {
      while (!link.stopping()) {
        if (!link.isConnected()) {
          link.awaitConnected(100);
          continue;
        }
        if (!inflight.tryAcquire(100, TimeUnit.MILLISECONDS)) {
          continue;
        }
        Message m = queue.poll(poll);
        if (m == null || !link.isConnected()) {
          if (m != null) {
            queue.putBack(m);
          }
          inflight.release();
          continue;
        }
        CompletableFuture<Void> f;
        unacked.incrementAndGet();
        try {
          f = link.publish(m.topic(), m.payload(), m.qos(), m.retain(), -1, m.stamp());
        } catch (RuntimeException e) {
          unacked.decrementAndGet();
          inflight.release();
          publishFailures.increment();
          link.error("publish to '" + m.topic() + "' refused", e);
          continue;
        }
        f.whenComplete((ok, e) -> completed(m, e));
      }
    } catch (InterruptedException e) {
      // closing
    }
  }

  /** On the client's event loop: the broker acknowledged {@code m}, or its publish failed. */
  private void completed(Message m, Throwable e) {
    if (e == null) {
      sent.increment(); // counted before the backlog shrinks, so status never shows neither
    }
    unacked.decrementAndGet();
    inflight.release();
    if (e == null) {
      return;
    }
    publishFailures.increment();
    link.error("publish to '" + m.topic() + "' failed", e);
    int code = Transport.pubackCode(e); // a final refusal is not sent again; a transient one is
    if (m.qos() == Qos.AT_LEAST_ONCE && (code < 0 || Transport.isTransient(code))) {
      queue.putBack(m);
    }
  }

  // -------------------------------------------------------------------- closing and status

  /** Waits until the queue is empty or the timeout passes. */
  void awaitEmpty(long timeoutNanos) throws InterruptedException {
    queue.awaitEmpty(timeoutNanos);
  }

  /** Waits until no message is unacknowledged, or the deadline ({@link System#nanoTime()}). */
  void awaitAcknowledged(long deadline) throws InterruptedException {
    if (inflight.tryAcquire(
        maxInflight, Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
      inflight.release(maxInflight);
    }
  }

  /** Messages queued or published but not yet acknowledged. */
  long backlog() {
    return queue.size() + unacked.get();
  }

  void addCounters(Map<String, Long> counters) {
    counters.put("sent", sent.sum());
    counters.put("dropped", queue.dropped());
    counters.put("publishFailures", publishFailures.sum());
    counters.put("encodeFailures", encodeFailures.sum());
    counters.put("lagged", lagged.sum());
    counters.put("queued", (long) queue.size());
    counters.put("queuedBytes", queue.bytes());
    counters.put("inflight", (long) unacked.get());
  }
}
