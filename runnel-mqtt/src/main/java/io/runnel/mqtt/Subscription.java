package io.runnel.mqtt;

import com.hivemq.client.mqtt.datatypes.MqttTopic;
import com.hivemq.client.mqtt.datatypes.MqttTopicFilter;
import io.runnel.RuntimeContext;
import io.runnel.Source;
import io.runnel.buffer.Producer;
import io.runnel.codec.Codec;
import java.time.Instant;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.LongAdder;

/**
 * One inbound topic filter feeding one record. Messages arrive on the client's event loop and are
 * handed over through a bounded queue (dropping the oldest when full, never blocking the client);
 * the record's source task decodes them, so a slow or failing codec never stalls the connection.
 */
final class Subscription<T> implements Source<T> {

  record Message(String topic, byte[] payload, Instant at) {}

  private final InboundRoutes routes;
  final String filter;
  final MqttTopicFilter matcher;
  final Codec<T> codec;
  final Qos qos;
  private final ArrayBlockingQueue<Message> queue;
  final LongAdder dropped = new LongAdder();

  Subscription(InboundRoutes routes, String filter, Codec<T> codec, Qos qos, int capacity) {
    this.routes = routes;
    this.filter = filter;
    this.matcher = MqttTopicFilter.of(filter);
    this.codec = codec;
    this.qos = qos;
    this.queue = new ArrayBlockingQueue<>(capacity);
  }

  boolean matches(MqttTopic topic) {
    return matcher.matches(topic);
  }

  /** Called on the client's event loop; never blocks. */
  void offer(Message m) {
    while (!queue.offer(m)) {
      if (queue.poll() != null) {
        dropped.increment();
      }
    }
  }

  int backlog() {
    return queue.size();
  }

  @Override
  public void run(RuntimeContext ctx, Producer<T> out) throws InterruptedException {
    routes.requireStarted("subscribe(\"" + filter + "\")");
    for (; ; ) {
      Message m = queue.take();
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
      out.produce(value);
      routes.received();
    }
  }

  @Override
  public String toString() {
    return "mqtt subscription '" + filter + "' via link '" + routes.link() + "'";
  }
}
