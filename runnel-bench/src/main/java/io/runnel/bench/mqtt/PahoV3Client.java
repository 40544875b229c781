package io.runnel.bench.mqtt;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.eclipse.paho.client.mqttv3.IMqttActionListener;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * Eclipse Paho's MQTT 3.1.1 client ({@code org.eclipse.paho.client.mqttv3}): blocking JDK sockets
 * and its own threads (sender, receiver, callback, ping timer), no dependencies. Configured as
 * close to the link as it goes: no clean session, 60 s keep-alive, session state in memory (its
 * default would write every in-flight message to files in the working directory), no automatic
 * reconnect, and an in-flight limit above the probe's window (its default of 10 would be the limit
 * otherwise).
 */
public final class PahoV3Client implements ProbeClient {
  private MqttAsyncClient client;
  private volatile Consumer<byte[]> subscriber = payload -> {};

  /** Loaded by name by {@link MqttClientProbe}. */
  public PahoV3Client() {}

  @Override
  public String describe() {
    return "Eclipse Paho mqttv3, MQTT 3.1.1";
  }

  @Override
  public void connect(String host, int port, String clientId, Duration timeout) throws Exception {
    client = new MqttAsyncClient("tcp://" + host + ":" + port, clientId, new MemoryPersistence());
    client.setCallback(
        new MqttCallback() {
          @Override
          public void connectionLost(Throwable cause) {
            System.err.println("paho3: connection lost: " + cause);
          }

          @Override
          public void messageArrived(String topic, MqttMessage message) {
            subscriber.accept(message.getPayload());
          }

          @Override
          public void deliveryComplete(IMqttDeliveryToken token) {}
        });
    MqttConnectOptions o = new MqttConnectOptions();
    o.setCleanSession(false);
    o.setKeepAliveInterval(60);
    o.setAutomaticReconnect(false);
    o.setMaxInflight(1000);
    o.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
    client.connect(o).waitForCompletion(timeout.toMillis());
  }

  @Override
  public void subscribe(String filter, Consumer<byte[]> onMessage, Duration timeout)
      throws Exception {
    subscriber = onMessage;
    IMqttToken t = client.subscribe(filter, 1);
    t.waitForCompletion(timeout.toMillis());
    for (int q : t.getGrantedQos()) {
      if (q == 0x80) {
        throw new IllegalStateException("broker refused subscription to '" + filter + "'");
      }
    }
  }

  @Override
  public CompletableFuture<Void> publish(
      String topic, byte[] payload, String schema, long sequence) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    try {
      client.publish(
          topic,
          payload,
          1,
          false,
          null,
          new IMqttActionListener() {
            @Override
            public void onSuccess(IMqttToken token) {
              done.complete(null);
            }

            @Override
            public void onFailure(IMqttToken token, Throwable e) {
              done.completeExceptionally(e);
            }
          });
    } catch (Exception e) {
      done.completeExceptionally(e);
    }
    return done;
  }

  @Override
  public void close(Duration timeout) throws Exception {
    if (client != null) {
      client.disconnect(timeout.toMillis()).waitForCompletion(timeout.toMillis());
      client.close();
    }
  }
}
