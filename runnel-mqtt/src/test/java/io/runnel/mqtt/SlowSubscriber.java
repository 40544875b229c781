package io.runnel.mqtt;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A persistent MQTT 3.1.1 subscriber that takes {@code handleNanos} per message before it returns
 * (and so acknowledges) it: a slow consumer. Mosquitto lets at most {@code max_inflight_messages}
 * (default 20) be unacknowledged to an MQTT 3.1.1 client and queues the rest for it, up to {@code
 * max_queued_messages}. Counts disconnects, which must not happen in a clean run.
 */
final class SlowSubscriber implements AutoCloseable {

  final LinkedBlockingQueue<byte[]> received = new LinkedBlockingQueue<>();
  final AtomicLong disconnects = new AtomicLong();
  private final Mqtt3AsyncClient client;
  private final long handleNanos;

  private SlowSubscriber(Mqtt3AsyncClient client, long handleNanos) {
    this.client = client;
    this.handleNanos = handleNanos;
    client.publishes(MqttGlobalPublishFilter.ALL, this::handle);
  }

  /** Connects with a persistent session ({@code cleanSession=false}) and subscribes at QoS 1. */
  static SlowSubscriber connect(int port, String id, String filter, long handleNanos)
      throws Exception {
    SlowSubscriber[] self = new SlowSubscriber[1];
    Mqtt3AsyncClient c =
        MqttClient.builder()
            .useMqttVersion3()
            .identifier(id)
            .serverHost("127.0.0.1")
            .serverPort(port)
            .automaticReconnect()
            .initialDelay(50, TimeUnit.MILLISECONDS)
            .maxDelay(500, TimeUnit.MILLISECONDS)
            .applyAutomaticReconnect()
            .addDisconnectedListener(
                ctx -> {
                  if (self[0] != null) {
                    self[0].disconnects.incrementAndGet();
                  }
                })
            .buildAsync();
    SlowSubscriber s = new SlowSubscriber(c, handleNanos);
    self[0] = s;
    c.connectWith().cleanSession(false).send().get(10, TimeUnit.SECONDS);
    c.subscribeWith()
        .topicFilter(filter)
        .qos(MqttQos.AT_LEAST_ONCE)
        .send()
        .get(10, TimeUnit.SECONDS);
    return s;
  }

  private void handle(Mqtt3Publish p) {
    long until = System.nanoTime() + handleNanos;
    LockSupport.parkNanos(handleNanos);
    while (System.nanoTime() - until < 0) {
      Thread.onSpinWait(); // parkNanos may return early
    }
    received.add(p.getPayloadAsBytes());
  }

  /** Goes away, keeping its session at the broker. */
  void disconnect() {
    try {
      client.disconnect().get(2, TimeUnit.SECONDS);
    } catch (Exception e) {
      // already gone
    }
  }

  @Override
  public void close() {
    disconnect();
  }
}
