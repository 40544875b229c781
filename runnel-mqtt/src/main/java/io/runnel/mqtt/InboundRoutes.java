package io.runnel.mqtt;

import com.hivemq.client.mqtt.datatypes.MqttTopic;
import io.runnel.RecordKey;
import io.runnel.Runnel;
import io.runnel.buffer.BufferClosedException;
import io.runnel.buffer.Producer;
import io.runnel.codec.Codec;
import io.runnel.spi.ErrorLog;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;

/**
 * Inbound: the link's {@link Subscription}s, the routing of arriving messages to them, and the
 * dead-letter record.
 *
 * <h2>Threads</h2>
 *
 * <p>Subscriptions are added before the link starts (by the thread configuring the pipeline).
 * {@link #dispatch} and {@link #subscribeAll} run on the client's event loop and never block: a
 * message is only matched and offered to each matching subscription's bounded queue. Decoding,
 * dead-lettering and producing happen on each subscription's source task.
 */
final class InboundRoutes {

  private final Lifecycle lifecycle;
  private final String link;
  private final ErrorLog errors;
  private final int queueCapacity;
  private final long queueBytes;
  private final RecordKey deadLetterKey;

  private final List<Subscription<?>> subscriptions = new CopyOnWriteArrayList<>();
  private volatile Producer<DeadLetter> deadLetterOut;

  private final LongAdder received = new LongAdder();
  private final LongAdder deadLetters = new LongAdder();
  private final LongAdder unrouted = new LongAdder();
  private final LongAdder subscribeFailures = new LongAdder();
  private final LongAdder subscribed = new LongAdder();

  InboundRoutes(
      Lifecycle lifecycle,
      String link,
      ErrorLog errors,
      int queueCapacity,
      long queueBytes,
      RecordKey deadLetterKey) {
    this.lifecycle = lifecycle;
    this.link = link;
    this.errors = errors;
    this.queueCapacity = queueCapacity;
    this.queueBytes = queueBytes;
    this.deadLetterKey = deadLetterKey;
  }

  /** A new subscription, subscribed when the link first connects. */
  <T> Subscription<T> add(String filter, Codec<T> codec, Qos qos) {
    Subscription<T> s = new Subscription<>(this, filter, codec, qos, queueCapacity, queueBytes);
    subscriptions.add(s);
    return s;
  }

  /** Looks up the dead-letter record's producer, if one is configured. */
  void start(Runnel runnel) {
    if (deadLetterKey != null) {
      if (runnel == null) {
        throw new IllegalStateException("dead letters need a pipeline");
      }
      deadLetterOut = runnel.producer(DeadLetter.class, deadLetterKey);
    }
  }

  // -------------------------------------------------------------------- client event loop

  void subscribeAll(Transport transport) {
    for (Subscription<?> s : subscriptions) {
      transport
          .subscribe(s.filter, s.qos)
          .whenComplete(
              (ok, e) -> {
                if (e != null) {
                  subscribeFailures.increment();
                  errors.report("subscribe to '" + s.filter + "' failed", e);
                } else {
                  subscribed.increment();
                }
              });
    }
  }

  void dispatch(String topic, byte[] payload, Wire.Stamp stamp) {
    MqttTopic t = MqttTopic.of(topic);
    Instant at = Instant.now();
    boolean routed = false;
    for (Subscription<?> s : subscriptions) {
      if (s.matches(t)) {
        s.offer(new Subscription.Message(topic, payload, at, stamp));
        routed = true;
      }
    }
    if (!routed) {
      unrouted.increment();
    }
  }

  // -------------------------------------------------------------------- source tasks

  String link() {
    return link;
  }

  void requireStarted(String what) {
    lifecycle.requireStarted(what);
  }

  void received() {
    received.increment();
  }

  void deadLetter(Subscription<?> s, Subscription.Message m, RuntimeException e) {
    deadLetters.increment();
    String what =
        "payload on topic '"
            + m.topic()
            + "' ("
            + m.payload().length
            + " bytes) does not decode with "
            + s.codec.schema()
            + (deadLetterKey != null
                ? "; routed to '" + deadLetterKey.id() + "'"
                : "; dropped (no dead-letter record configured)");
    errors.report(what, e);
    Producer<DeadLetter> out = deadLetterOut;
    if (out != null) {
      try {
        out.produce(new DeadLetter(m.topic(), m.payload(), String.valueOf(e), m.at()));
      } catch (BufferClosedException closing) {
        // the pipeline is stopping
      }
    }
  }

  // -------------------------------------------------------------------- status

  long deadLetters() {
    return deadLetters.sum();
  }

  void addCounters(Map<String, Long> counters) {
    counters.put("received", received.sum());
    counters.put("unrouted", unrouted.sum());
    counters.put("subscribeFailures", subscribeFailures.sum());
    counters.put("subscribed", subscribed.sum());
    long inboundDropped = 0;
    long inboundQueuedBytes = 0;
    for (Subscription<?> s : subscriptions) {
      inboundDropped += s.queue.dropped();
      inboundQueuedBytes += s.queue.bytes();
    }
    counters.put("inboundDropped", inboundDropped);
    counters.put("inboundQueuedBytes", inboundQueuedBytes);
  }
}
