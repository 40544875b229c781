package io.runnel.mqtt;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttClientSslConfig;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A plain HiveMQ MQTT 5 client for tests: publishes and collects what it receives. */
final class TestClient implements AutoCloseable {

  /** One message; {@code properties} are its MQTT 5 user properties (the first of each name). */
  record Received(
      String topic,
      String payload,
      boolean retain,
      String sequence,
      byte[] bytes,
      java.util.Map<String, String> properties) {}

  final LinkedBlockingQueue<Received> received = new LinkedBlockingQueue<>();
  private final Mqtt5AsyncClient client;

  /**
   * How long each arriving message takes to handle: a slow consumer, with a backlog at the broker.
   */
  volatile long handleNanos;

  private TestClient(Mqtt5AsyncClient client) {
    this.client = client;
    client.publishes(MqttGlobalPublishFilter.ALL, this::collect);
  }

  /** A clean, non-persistent session. */
  static TestClient connect(int port) throws Exception {
    return connect(port, "test-" + System.nanoTime(), false, null);
  }

  /**
   * Connects with automatic reconnect; with {@code persistent}, the broker keeps the session for 5
   * minutes (messages published while this client is away are kept for it).
   */
  static TestClient connect(int port, String id, boolean persistent, MqttClientSslConfig ssl)
      throws Exception {
    var b =
        MqttClient.builder()
            .useMqttVersion5()
            .identifier(id)
            .serverHost("127.0.0.1")
            .serverPort(port)
            .automaticReconnect()
            .initialDelay(50, TimeUnit.MILLISECONDS)
            .maxDelay(500, TimeUnit.MILLISECONDS)
            .applyAutomaticReconnect();
    if (ssl != null) {
      b = b.sslConfig(ssl);
    }
    TestClient c = new TestClient(b.buildAsync());
    c.client
        .connectWith()
        .cleanStart(!persistent)
        .sessionExpiryInterval(persistent ? 300 : 0)
        .send()
        .get(10, TimeUnit.SECONDS);
    return c;
  }

  private void collect(Mqtt5Publish p) {
    if (handleNanos > 0) {
      java.util.concurrent.locks.LockSupport.parkNanos(handleNanos);
    }
    java.util.Map<String, String> props = new java.util.LinkedHashMap<>();
    p.getUserProperties()
        .asList()
        .forEach(u -> props.putIfAbsent(u.getName().toString(), u.getValue().toString()));
    String seq = props.get("runnel-seq");
    received.add(
        new Received(
            p.getTopic().toString(),
            new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8),
            p.isRetain(),
            seq,
            p.getPayloadAsBytes(),
            java.util.Collections.unmodifiableMap(props)));
  }

  TestClient subscribe(String filter) throws Exception {
    client
        .subscribeWith()
        .topicFilter(filter)
        .qos(MqttQos.AT_LEAST_ONCE)
        .send()
        .get(10, TimeUnit.SECONDS);
    return this;
  }

  void publish(String topic, String payload) throws Exception {
    publish(topic, payload.getBytes(StandardCharsets.UTF_8));
  }

  void publish(String topic, byte[] payload) throws Exception {
    client
        .publishWith()
        .topic(topic)
        .qos(MqttQos.AT_LEAST_ONCE)
        .payload(payload)
        .send()
        .get(10, TimeUnit.SECONDS);
  }

  /** Waits for {@code n} messages, or fails with what arrived. */
  List<Received> take(int n, Duration timeout) throws InterruptedException {
    List<Received> out = new ArrayList<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (out.size() < n) {
      Received r = received.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (r == null) {
        throw new AssertionError(
            "expected " + n + " messages within " + timeout + ", got " + out.size() + ": " + out);
      }
      out.add(r);
    }
    return out;
  }

  @Override
  public void close() {
    try {
      client.disconnect().get(2, TimeUnit.SECONDS);
    } catch (Exception e) {
      // already gone
    }
  }
}
