package io.runnel.bench.mqtt;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttActionListener;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;

/**
 * Eclipse Paho's MQTT 5 client ({@code org.eclipse.paho.mqttv5.client}): the same design as its
 * 3.1.1 client (blocking JDK sockets, its own threads, no dependencies). No clean start, session
 * kept for an hour, 60 s keep-alive, session state in memory, no automatic reconnect; publishes
 * carry the link's user properties, and a PUBACK reason code of 0x80 or above fails the publish.
 */
public final class PahoV5Client implements ProbeClient {
  private MqttAsyncClient client;
  private volatile Consumer<byte[]> subscriber = payload -> {};

  /** Loaded by name by {@link MqttClientProbe}. */
  public PahoV5Client() {}

  @Override
  public String describe() {
    return "Eclipse Paho mqttv5, MQTT 5";
  }

  @Override
  public void connect(String host, int port, String clientId, Duration timeout) throws Exception {
    client = new MqttAsyncClient("tcp://" + host + ":" + port, clientId, new MemoryPersistence());
    client.setCallback(
        new MqttCallback() {
          @Override
          public void disconnected(MqttDisconnectResponse response) {
            System.err.println("paho5: disconnected: " + response);
          }

          @Override
          public void mqttErrorOccurred(MqttException e) {
            System.err.println("paho5: error: " + e);
          }

          @Override
          public void messageArrived(String topic, MqttMessage message) {
            subscriber.accept(message.getPayload());
          }

          @Override
          public void deliveryComplete(IMqttToken token) {}

          @Override
          public void connectComplete(boolean reconnect, String serverUri) {}

          @Override
          public void authPacketArrived(int reasonCode, MqttProperties properties) {}
        });
    MqttConnectionOptions o = new MqttConnectionOptions();
    o.setCleanStart(false);
    o.setSessionExpiryInterval(3600L);
    o.setKeepAliveInterval(60);
    o.setAutomaticReconnect(false);
    client.connect(o).waitForCompletion(timeout.toMillis());
  }

  @Override
  public void subscribe(String filter, Consumer<byte[]> onMessage, Duration timeout)
      throws Exception {
    subscriber = onMessage;
    IMqttToken t = client.subscribe(new MqttSubscription(filter, 1));
    t.waitForCompletion(timeout.toMillis());
    for (int code : t.getReasonCodes()) {
      if (code >= 0x80) {
        throw new IllegalStateException(
            "broker refused subscription to '"
                + filter
                + "': reason code 0x"
                + Integer.toHexString(code));
      }
    }
  }

  @Override
  public CompletableFuture<Void> publish(
      String topic, byte[] payload, String schema, long sequence) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    MqttMessage m = new MqttMessage(payload, 1, false, null);
    MqttProperties props = new MqttProperties();
    props.setUserProperties(
        List.of(
            new UserProperty("runnel-seq", Long.toString(sequence)),
            new UserProperty("runnel-schema", schema)));
    m.setProperties(props);
    try {
      client.publish(
          topic,
          m,
          null,
          new MqttActionListener() {
            @Override
            public void onSuccess(IMqttToken token) {
              int[] codes = token.getReasonCodes();
              if (codes != null && codes.length > 0 && codes[0] >= 0x80) {
                done.completeExceptionally(
                    new IllegalStateException(
                        "broker refused publish: reason code 0x" + Integer.toHexString(codes[0])));
              } else {
                done.complete(null);
              }
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
