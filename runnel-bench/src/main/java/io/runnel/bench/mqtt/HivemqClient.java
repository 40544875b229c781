package io.runnel.bench.mqtt;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttClientExecutorConfig;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt3.message.connect.Mqtt3Connect;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;
import com.hivemq.client.mqtt.mqtt3.message.subscribe.Mqtt3Subscribe;
import com.hivemq.client.mqtt.mqtt3.message.subscribe.suback.Mqtt3SubAckReturnCode;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.connect.Mqtt5Connect;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5Subscribe;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The HiveMQ MQTT client (Netty, RxJava), configured as runnel-mqtt's {@code Transport} configures
 * it: one Netty event-loop thread on a daemon thread, the async API, no clean start. {@link V5}
 * speaks MQTT 5 and sends the link's user properties; {@link V3} speaks MQTT 3.1.1.
 */
public abstract sealed class HivemqClient implements ProbeClient {

  static Executor daemonThreads(String clientId) {
    ThreadFactory f =
        Thread.ofPlatform().daemon().name("probe-mqtt-io[" + clientId + "]-", 0).factory();
    return task -> f.newThread(task).start();
  }

  /** MQTT 5. */
  public static final class V5 extends HivemqClient {
    private Mqtt5AsyncClient client;

    /** Loaded by name by {@link MqttClientProbe}. */
    public V5() {}

    @Override
    public String describe() {
      return "HiveMQ mqtt-client, MQTT 5";
    }

    @Override
    public void connect(String host, int port, String clientId, Duration timeout) throws Exception {
      client =
          MqttClient.builder()
              .identifier(clientId)
              .serverHost(host)
              .serverPort(port)
              .executorConfig(
                  MqttClientExecutorConfig.builder()
                      .nettyExecutor(daemonThreads(clientId))
                      .nettyThreads(1)
                      .build())
              .useMqttVersion5()
              .build()
              .toAsync();
      client
          .connect(
              Mqtt5Connect.builder()
                  .cleanStart(false)
                  .sessionExpiryInterval(3600)
                  .keepAlive(60)
                  .build())
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void subscribe(String filter, Consumer<byte[]> onMessage, Duration timeout)
        throws Exception {
      client.publishes(MqttGlobalPublishFilter.ALL, p -> onMessage.accept(p.getPayloadAsBytes()));
      var ack =
          client
              .subscribe(
                  Mqtt5Subscribe.builder().topicFilter(filter).qos(MqttQos.AT_LEAST_ONCE).build())
              .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      for (var code : ack.getReasonCodes()) {
        if (code.isError()) {
          throw new IllegalStateException(
              "broker refused subscription to '" + filter + "': " + code);
        }
      }
    }

    @Override
    public CompletableFuture<Void> publish(
        String topic, byte[] payload, String schema, long sequence) {
      Mqtt5Publish p =
          Mqtt5Publish.builder()
              .topic(topic)
              .qos(MqttQos.AT_LEAST_ONCE)
              .payload(payload)
              .userProperties()
              .add("runnel-seq", Long.toString(sequence))
              .add("runnel-schema", schema)
              .applyUserProperties()
              .build();
      return client
          .publish(p)
          .thenCompose(
              r ->
                  r.getError().isPresent()
                      ? CompletableFuture.failedFuture(r.getError().get())
                      : CompletableFuture.completedFuture(null));
    }

    @Override
    public void close(Duration timeout) throws Exception {
      if (client != null) {
        client.disconnect().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      }
    }
  }

  /** MQTT 3.1.1. */
  public static final class V3 extends HivemqClient {
    private Mqtt3AsyncClient client;

    /** Loaded by name by {@link MqttClientProbe}. */
    public V3() {}

    @Override
    public String describe() {
      return "HiveMQ mqtt-client, MQTT 3.1.1";
    }

    @Override
    public void connect(String host, int port, String clientId, Duration timeout) throws Exception {
      client =
          MqttClient.builder()
              .identifier(clientId)
              .serverHost(host)
              .serverPort(port)
              .executorConfig(
                  MqttClientExecutorConfig.builder()
                      .nettyExecutor(daemonThreads(clientId))
                      .nettyThreads(1)
                      .build())
              .useMqttVersion3()
              .build()
              .toAsync();
      client
          .connect(Mqtt3Connect.builder().cleanSession(false).keepAlive(60).build())
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void subscribe(String filter, Consumer<byte[]> onMessage, Duration timeout)
        throws Exception {
      client.publishes(MqttGlobalPublishFilter.ALL, p -> onMessage.accept(p.getPayloadAsBytes()));
      var ack =
          client
              .subscribe(
                  Mqtt3Subscribe.builder().topicFilter(filter).qos(MqttQos.AT_LEAST_ONCE).build())
              .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      for (var code : ack.getReturnCodes()) {
        if (code == Mqtt3SubAckReturnCode.FAILURE) {
          throw new IllegalStateException("broker refused subscription to '" + filter + "'");
        }
      }
    }

    @Override
    public CompletableFuture<Void> publish(
        String topic, byte[] payload, String schema, long sequence) {
      return client
          .publish(
              Mqtt3Publish.builder()
                  .topic(topic)
                  .qos(MqttQos.AT_LEAST_ONCE)
                  .payload(payload)
                  .build())
          .thenApply(p -> null);
    }

    @Override
    public void close(Duration timeout) throws Exception {
      if (client != null) {
        client.disconnect().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      }
    }
  }
}
