package io.runnel.mqtt;

import com.hivemq.client.mqtt.datatypes.MqttTopic;
import com.hivemq.client.mqtt.datatypes.MqttTopicFilter;
import io.runnel.RuntimeContext;
import io.runnel.Source;
import io.runnel.buffer.Buffer;
import io.runnel.buffer.BufferSpec;
import io.runnel.buffer.Producer;
import io.runnel.buffer.Reader;
import io.runnel.codec.Codec;
import io.runnel.spi.DropQueue;
import java.time.Instant;

/**
 * One inbound topic filter feeding one record. Messages arrive on the client's event loop and are
 * handed over through a {@link DropQueue} bounded in messages and payload bytes (the oldest dropped
 * and counted when full, never blocking the client); the record's source task decodes them, so a
 * slow or failing codec never stalls the connection.
 *
 * <p>The source waits only in a doorbell's {@code recv()} (a Runnel mailbox rung after each offer):
 * a Runnel waiting point, which parks through the lane's parker. So an idle topic is a task
 * waiting, not running (no watchdog report on the default lane), gives up a cooperative lane's slot
 * to the lane's other tasks, and waits in virtual time under a simulation. A plain blocking queue
 * would do none of these. The source rings-then-checks in the safe order: it takes messages until
 * the queue is empty and only then waits, and {@link #offer} queues before it rings, so a message
 * is never left waiting for the next one. (A Runnel ring as the hand-over would keep a reference to
 * every value in its slots until overwritten: no byte bound is possible that way.)
 *
 * <p>The doorbell's reader is subscribed at construction, before any message can arrive, and is
 * used by the source task only.
 */
final class Subscription<T> implements Source<T> {

  record Message(String topic, byte[] payload, Instant at, Wire.Stamp stamp) {}

  private final InboundRoutes routes;
  final String filter;
  final MqttTopicFilter matcher;
  final Codec<T> codec;
  final Qos qos;
  final DropQueue<Message> queue;
  private final Buffer<Boolean> doorbell;
  private final Reader<Boolean> rung;

  Subscription(
      InboundRoutes routes, String filter, Codec<T> codec, Qos qos, int capacity, long maxBytes) {
    this.routes = routes;
    this.filter = filter;
    this.matcher = MqttTopicFilter.of(filter);
    this.codec = codec;
    this.qos = qos;
    this.queue =
        new DropQueue<>(
            capacity, maxBytes, m -> m.payload().length, DropQueue.Overflow.DROP_OLDEST);
    this.doorbell = BufferSpec.mailbox().create("mqtt inbound '" + filter + "'");
    this.rung = doorbell.subscribe();
  }

  boolean matches(MqttTopic topic) {
    return matcher.matches(topic);
  }

  /**
   * Called on the client's event loop; never blocks. When the queue is full (in messages or bytes)
   * the oldest message is dropped and counted ({@code inboundDropped}).
   */
  void offer(Message m) {
    queue.add(m);
    doorbell.produce(Boolean.TRUE);
  }

  @Override
  public void run(RuntimeContext ctx, Producer<T> out) throws InterruptedException {
    routes.requireStarted("subscribe(\"" + filter + "\")");
    for (; ; ) {
      Message m = queue.poll();
      if (m == null) {
        rung.recv(); // a Runnel waiting point: parks through the lane
        continue;
      }
      T value;
      try {
        value = decode(ctx, m);
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

  /**
   * Decodes by the stamp the message carried (MQTT 5 properties, or the 3.1.1 envelope): a
   * versioned codec migrates another version of its chain or refuses it naming both versions. A
   * plain (unversioned) codec decodes the bytes as before, whatever the stamp. A message without a
   * stamp (a publisher of an older Runnel, or any other client) is refused by a versioned codec,
   * which cannot tell which version it is.
   */
  private T decode(RuntimeContext ctx, Message m) {
    Wire.Stamp s = m.stamp();
    byte[] payload = m.payload();
    if (!s.known()) {
      Wire.Stamp env = Wire.envelope(payload);
      if (env != null && (env.version() > 0 || codec.reads(env.id()))) {
        s = env;
        payload = Wire.unwrap(payload);
      }
    }
    String what = "the message on '" + m.topic() + "' for record '" + ctx.key().id() + "'";
    if (codec.version() == 0) {
      return codec.decode(payload); // a plain codec decodes the bytes as before
    }
    if (!s.known()) {
      throw new io.runnel.codec.SchemaMismatchException(
          what
              + " carries no schema id (runnel-schema property or envelope) but is read with"
              + " version "
              + codec.version()
              + " of "
              + codec.schema()
              + ", which cannot tell which version it is: publish it with this Runnel (which"
              + " stamps every message) or subscribe with a plain codec",
          0,
          codec.id());
    }
    return codec.decode(what, s.id(), s.version(), payload);
  }

  @Override
  public String toString() {
    return "mqtt subscription '" + filter + "' via link '" + routes.link() + "'";
  }
}
