package io.runnel.mqtt;

import com.hivemq.client.mqtt.datatypes.MqttTopic;
import com.hivemq.client.mqtt.datatypes.MqttTopicFilter;
import io.runnel.RuntimeContext;
import io.runnel.Source;
import io.runnel.buffer.Buffer;
import io.runnel.buffer.BufferSpec;
import io.runnel.buffer.LaggedException;
import io.runnel.buffer.Producer;
import io.runnel.buffer.Reader;
import io.runnel.codec.Codec;
import java.time.Instant;
import java.util.concurrent.atomic.LongAdder;

/**
 * One inbound topic filter feeding one record. Messages arrive on the client's event loop and are
 * handed over through a Runnel ring buffer (the oldest overwritten and counted when full, never
 * blocking the client); the record's source task decodes them, so a slow or failing codec never
 * stalls the connection.
 *
 * <p>The source waits only in the ring reader's {@code recv()}: a Runnel waiting point, which parks
 * through the lane's parker. So an idle topic is a task waiting, not running (no watchdog report on
 * the default lane), gives up a cooperative lane's slot to the lane's other tasks, and waits in
 * virtual time under a simulation. A plain blocking queue would do none of these.
 *
 * <p>The ring has a single writer: {@link #offer} is called on the client's event loop (one
 * thread), and is synchronized anyway so that a second event-loop thread could never overlap two
 * produces. The reader is subscribed at construction, before any message can arrive, and is used by
 * the source task only.
 */
final class Subscription<T> implements Source<T> {

  record Message(String topic, byte[] payload, Instant at) {}

  private final InboundRoutes routes;
  final String filter;
  final MqttTopicFilter matcher;
  final Codec<T> codec;
  final Qos qos;
  private final Buffer<Message> ring;
  private final Reader<Message> reader;
  final LongAdder dropped = new LongAdder();

  Subscription(InboundRoutes routes, String filter, Codec<T> codec, Qos qos, int capacity) {
    this.routes = routes;
    this.filter = filter;
    this.matcher = MqttTopicFilter.of(filter);
    this.codec = codec;
    this.qos = qos;
    this.ring = BufferSpec.ring(capacity).create("mqtt inbound '" + filter + "'");
    this.reader = ring.subscribe();
  }

  boolean matches(MqttTopic topic) {
    return matcher.matches(topic);
  }

  /**
   * Called on the client's event loop; never blocks. When the source is a full ring behind, the
   * oldest message is overwritten; the source counts it ({@code inboundDropped}) when it notices.
   */
  synchronized void offer(Message m) {
    ring.produce(m);
  }

  @Override
  public void run(RuntimeContext ctx, Producer<T> out) throws InterruptedException {
    routes.requireStarted("subscribe(\"" + filter + "\")");
    for (; ; ) {
      Message m;
      try {
        m = reader.recv(); // a Runnel waiting point: parks through the lane
      } catch (LaggedException e) {
        dropped.add(e.missed());
        continue;
      }
      T value;
      try {
        value = codec.decode(m.payload());
        if (value == null) {
          throw new IllegalArgumentException("the codec returned null");
        }
      } catch (RuntimeException e) {
        routes.deadLetter(this, m, e);
        continue;
      }
      routes.received(); // before produce: a reader of the record never sees a value not counted
      out.produce(value);
    }
  }

  @Override
  public String toString() {
    return "mqtt subscription '" + filter + "' via link '" + routes.link() + "'";
  }
}
