package io.runnel.mqtt;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttClientBuilder;
import com.hivemq.client.mqtt.MqttClientExecutorConfig;
import com.hivemq.client.mqtt.MqttClientSslConfig;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.datatypes.MqttTopic;
import com.hivemq.client.mqtt.datatypes.MqttTopicFilter;
import com.hivemq.client.mqtt.lifecycle.MqttClientReconnector;
import com.hivemq.client.mqtt.lifecycle.MqttDisconnectSource;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt3.lifecycle.Mqtt3ClientConnectedContext;
import com.hivemq.client.mqtt.mqtt3.message.connect.Mqtt3Connect;
import com.hivemq.client.mqtt.mqtt3.message.connect.Mqtt3ConnectBuilder;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;
import com.hivemq.client.mqtt.mqtt3.message.subscribe.Mqtt3Subscribe;
import com.hivemq.client.mqtt.mqtt3.message.subscribe.suback.Mqtt3SubAckReturnCode;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.lifecycle.Mqtt5ClientConnectedContext;
import com.hivemq.client.mqtt.mqtt5.message.connect.Mqtt5Connect;
import com.hivemq.client.mqtt.mqtt5.message.connect.Mqtt5ConnectBuilder;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishBuilder;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5Subscribe;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAckReasonCode;
import io.runnel.spi.Checks;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * The HiveMQ client behind one link, speaking MQTT 3.1.1 or 5, reduced to what the link needs:
 * connect, publish, subscribe, disconnect and three callbacks. Everything version-specific lives
 * here, and so does what the client needs configured: credentials (sent in CONNECT), TLS, the
 * event-loop thread, and the checks of topics and filters. It keeps no state of its own beyond the
 * client: connection state and reconnecting are {@link Connection}'s.
 */
abstract sealed class Transport {

  /** Callbacks, invoked on the client's event-loop threads: must not block. */
  interface Listener {
    void connected(boolean sessionPresent);

    /**
     * The connection was lost or an attempt failed; {@code reconnector} is HiveMQ's, to schedule
     * the next attempt.
     */
    void disconnected(Throwable cause, boolean byUser, MqttClientReconnector reconnector);

    void message(String topic, byte[] payload, Wire.Stamp stamp);
  }

  /** What a transport needs from the link's configuration. */
  record Settings(
      String host,
      int port,
      int version,
      String clientId,
      String username,
      byte[] password,
      MqttClientSslConfig ssl,
      long sessionExpirySeconds,
      int keepAliveSeconds) {}

  static final String SEQUENCE_PROPERTY = "runnel-seq";

  static Transport create(Settings s, Listener listener) {
    MqttClientBuilder b =
        MqttClient.builder()
            .identifier(s.clientId())
            .serverHost(s.host())
            .serverPort(s.port())
            .executorConfig(
                MqttClientExecutorConfig.builder()
                    .nettyExecutor(daemonThreads(s.clientId()))
                    .nettyThreads(1)
                    .build())
            .addDisconnectedListener(
                ctx ->
                    listener.disconnected(
                        ctx.getCause(),
                        ctx.getSource() == MqttDisconnectSource.USER,
                        ctx.getReconnector()));
    if (s.ssl() != null) {
      b = b.sslConfig(s.ssl());
    }
    b =
        b.addConnectedListener(
            ctx ->
                listener.connected(
                    ctx instanceof Mqtt5ClientConnectedContext c5
                        ? c5.getConnAck().isSessionPresent()
                        : ((Mqtt3ClientConnectedContext) ctx).getConnAck().isSessionPresent()));
    return s.version() == 5
        ? new V5(b.useMqttVersion5().build().toAsync(), s, listener)
        : new V3(b.useMqttVersion3().build().toAsync(), s, listener);
  }

  /**
   * One event-loop thread per link, a daemon. HiveMQ's default threads are not daemons and, while
   * it keeps a client's session state (until the session expiry, forever for MQTT 3.1.1 persistent
   * sessions), they outlive the disconnect and would keep the JVM from exiting.
   */
  private static java.util.concurrent.Executor daemonThreads(String clientId) {
    java.util.concurrent.ThreadFactory f =
        Thread.ofPlatform().daemon().name("runnel-mqtt-io[" + clientId + "]-", 0).factory();
    return task -> f.newThread(task).start();
  }

  /** Starts connecting; failures arrive at {@link Listener#disconnected}. */
  abstract CompletableFuture<?> connect();

  /**
   * Publishes one message; the future completes when it is written (QoS 0) or acknowledged (QoS 1),
   * and completes exceptionally if the broker refused it or the session was lost.
   *
   * @param sequence the history sequence, sent as the MQTT 5 user property {@value
   *     #SEQUENCE_PROPERTY}; -1 for none
   */
  abstract CompletableFuture<Void> publish(
      String topic, byte[] payload, Qos qos, boolean retain, long sequence, Wire.Stamp stamp);

  /** Subscribes; completes exceptionally if the broker refused the subscription. */
  abstract CompletableFuture<Void> subscribe(String filter, Qos qos);

  abstract CompletableFuture<Void> disconnect();

  /**
   * The filter a {@link #probe} unsubscribes: never subscribed by a link, so the UNSUBSCRIBE
   * changes nothing (MQTT 5 answers "no subscription existed", 3.1.1 a plain UNSUBACK).
   */
  static final String PROBE_FILTER = "runnel/link-probe/never-subscribed";

  /** One round trip (UNSUBSCRIBE, UNSUBACK); see {@link RouteLink#probe()}. */
  abstract CompletableFuture<Void> probe();

  /**
   * Whether {@code e}, a failed {@link #probe}, still carries the broker's answer (an error code).
   */
  static boolean isAnswer(Throwable e) {
    Throwable t = unwrap(e);
    return t instanceof com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5UnsubAckException
        || t instanceof com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3UnsubAckException;
  }

  /**
   * The MQTT 5 PUBACK reason code of a failed publish, or -1 if the failure was not the broker's
   * refusal (the connection or session was lost, the client closed).
   */
  static int pubackCode(Throwable e) {
    return unwrap(e) instanceof com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException x
        ? x.getMqttMessage().getReasonCode().getCode()
        : -1;
  }

  /**
   * Whether a PUBACK reason code (MQTT 5.0, section 3.4.2.1) is worth sending the message again
   * later. Transient: 0x97 Quota exceeded (a rate or quota, which recovers) and 0x91 Packet
   * identifier in use (a packet-id collision in the session state; a new send gets a new id).
   * Final: 0x80 Unspecified error, 0x83 Implementation specific error ("valid but the receiver is
   * not willing to accept it": a policy decision, which HiveMQ's and EMQX's rule and plugin layers
   * use), 0x87 Not authorized, 0x90 Topic name invalid, 0x99 Payload format invalid. A final code
   * retried would block the record forever; a transient one skipped would lose the message.
   */
  static boolean isTransient(int pubackCode) {
    return pubackCode == 0x97 || pubackCode == 0x91;
  }

  static Throwable unwrap(Throwable e) {
    Throwable t = e;
    while ((t instanceof java.util.concurrent.CompletionException
            || t instanceof java.util.concurrent.ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  static MqttQos qos(Qos qos) {
    return qos == Qos.AT_LEAST_ONCE ? MqttQos.AT_LEAST_ONCE : MqttQos.AT_MOST_ONCE;
  }

  static <R> CompletableFuture<Void> failIfError(
      CompletableFuture<R> f, java.util.function.Function<R, java.util.Optional<Throwable>> error) {
    return f.thenCompose(
        r -> {
          java.util.Optional<Throwable> e = error.apply(r);
          return e.isPresent()
              ? CompletableFuture.failedFuture(e.get())
              : CompletableFuture.completedFuture(null);
        });
  }

  static final class V5 extends Transport {
    private final Mqtt5AsyncClient client;
    private final Mqtt5Connect connect;

    V5(Mqtt5AsyncClient client, Settings s, Listener listener) {
      this.client = client;
      Mqtt5ConnectBuilder b =
          Mqtt5Connect.builder()
              .cleanStart(false)
              .sessionExpiryInterval(s.sessionExpirySeconds())
              .keepAlive(s.keepAliveSeconds());
      if (s.username() != null) {
        b =
            b.simpleAuth()
                .username(s.username())
                .password(s.password() == null ? new byte[0] : s.password())
                .applySimpleAuth();
      }
      this.connect = b.build();
      // Registered before connecting, so that messages the broker kept for this session (sent
      // right after CONNACK, before any SUBSCRIBE of ours) are not lost.
      client.publishes(
          MqttGlobalPublishFilter.ALL,
          p -> {
            String schema = null;
            String version = null;
            for (var up : p.getUserProperties().asList()) {
              String n = up.getName().toString();
              if (n.equals(Wire.SCHEMA_PROPERTY)) {
                schema = up.getValue().toString();
              } else if (n.equals(Wire.VERSION_PROPERTY)) {
                version = up.getValue().toString();
              }
            }
            listener.message(
                p.getTopic().toString(), p.getPayloadAsBytes(), Wire.properties(schema, version));
          });
    }

    @Override
    CompletableFuture<?> connect() {
      return client.connect(connect);
    }

    @Override
    CompletableFuture<Void> publish(
        String topic, byte[] payload, Qos qos, boolean retain, long sequence, Wire.Stamp stamp) {
      Mqtt5PublishBuilder.Complete b =
          Mqtt5Publish.builder().topic(topic).qos(qos(qos)).retain(retain).payload(payload);
      if (sequence >= 0 || stamp.known()) {
        var props = b.userProperties();
        if (sequence >= 0) {
          props = props.add(SEQUENCE_PROPERTY, Long.toString(sequence));
        }
        if (stamp.known()) {
          props = props.add(Wire.SCHEMA_PROPERTY, stamp.idHex());
          if (stamp.versionText() != null) {
            props = props.add(Wire.VERSION_PROPERTY, stamp.versionText());
          }
        }
        b = props.applyUserProperties();
      }
      return failIfError(client.publish(b.build()), r -> r.getError());
    }

    @Override
    CompletableFuture<Void> subscribe(String filter, Qos qos) {
      return client
          .subscribe(Mqtt5Subscribe.builder().topicFilter(filter).qos(qos(qos)).build())
          .thenCompose(
              ack -> {
                for (Mqtt5SubAckReasonCode code : ack.getReasonCodes()) {
                  if (code.isError()) {
                    return CompletableFuture.failedFuture(
                        new IllegalStateException(
                            "broker refused subscription to '" + filter + "': " + code));
                  }
                }
                return CompletableFuture.completedFuture(null);
              });
    }

    @Override
    CompletableFuture<Void> disconnect() {
      return client.disconnect();
    }

    @Override
    CompletableFuture<Void> probe() {
      return client
          .unsubscribe(
              com.hivemq.client.mqtt.mqtt5.message.unsubscribe.Mqtt5Unsubscribe.builder()
                  .topicFilter(PROBE_FILTER)
                  .build())
          .thenApply(ack -> null);
    }
  }

  static final class V3 extends Transport {
    private final Mqtt3AsyncClient client;
    private final Mqtt3Connect connect;

    V3(Mqtt3AsyncClient client, Settings s, Listener listener) {
      this.client = client;
      Mqtt3ConnectBuilder b =
          Mqtt3Connect.builder().cleanSession(false).keepAlive(s.keepAliveSeconds());
      if (s.username() != null) {
        b =
            b.simpleAuth()
                .username(s.username())
                .password(s.password() == null ? new byte[0] : s.password())
                .applySimpleAuth();
      }
      this.connect = b.build();
      client.publishes(
          MqttGlobalPublishFilter.ALL,
          p -> listener.message(p.getTopic().toString(), p.getPayloadAsBytes(), Wire.Stamp.NONE));
    }

    @Override
    CompletableFuture<?> connect() {
      return client.connect(connect);
    }

    @Override
    CompletableFuture<Void> publish(
        String topic, byte[] payload, Qos qos, boolean retain, long sequence, Wire.Stamp stamp) {
      // no properties on 3.1.1: a versioned payload travels in the envelope (docs/FORMAT.md)
      byte[] body = stamp.known() && stamp.version() > 0 ? Wire.wrap(stamp, payload) : payload;
      return client
          .publish(
              Mqtt3Publish.builder()
                  .topic(topic)
                  .qos(qos(qos))
                  .retain(retain)
                  .payload(body)
                  .build())
          .thenApply(p -> null);
    }

    @Override
    CompletableFuture<Void> subscribe(String filter, Qos qos) {
      return client
          .subscribe(Mqtt3Subscribe.builder().topicFilter(filter).qos(qos(qos)).build())
          .thenCompose(
              ack -> {
                for (Mqtt3SubAckReturnCode code : ack.getReturnCodes()) {
                  if (code == Mqtt3SubAckReturnCode.FAILURE) {
                    return CompletableFuture.failedFuture(
                        new IllegalStateException(
                            "broker refused subscription to '" + filter + "'"));
                  }
                }
                return CompletableFuture.completedFuture(null);
              });
    }

    @Override
    CompletableFuture<Void> disconnect() {
      return client.disconnect();
    }

    @Override
    CompletableFuture<Void> probe() {
      return client.unsubscribe(
          com.hivemq.client.mqtt.mqtt3.message.unsubscribe.Mqtt3Unsubscribe.builder()
              .topicFilter(PROBE_FILTER)
              .build());
    }
  }

  static byte[] utf8(String s) {
    return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
  }

  // ------------------------------------------------------------------ configuration, on any thread

  /** Throws if {@code topic} is no valid topic to publish to (null, empty, wildcards, ...). */
  static void checkTopic(String topic) {
    MqttTopic.of(Checks.notNull("topic", topic));
  }

  /** Throws if {@code filter} is no valid topic filter; {@code link} names the link. */
  static void checkFilter(String filter, String link) {
    Checks.notNull("topicFilter", filter);
    try {
      MqttTopicFilter.of(filter);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "link '" + link + "': invalid topic filter '" + filter + "': " + e.getMessage(), e);
    }
  }

  /**
   * TLS trusting {@code trust} (the JVM's default if {@code null}) and presenting a client
   * certificate from {@code keys} (none if {@code null}); the server's host name is verified.
   */
  static MqttClientSslConfig tls(TrustManagerFactory trust, KeyManagerFactory keys) {
    var b = MqttClientSslConfig.builder();
    if (trust != null) {
      b = b.trustManagerFactory(trust);
    }
    if (keys != null) {
      b = b.keyManagerFactory(keys);
    }
    return b.build();
  }

  /** Trust managers trusting the CA certificate(s) in a PEM file. */
  static TrustManagerFactory trustPem(Path caCertificatesPem) {
    try (InputStream in = Files.newInputStream(caCertificatesPem)) {
      KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
      ks.load(null, null);
      int i = 0;
      for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        ks.setCertificateEntry("ca-" + i++, c);
      }
      if (i == 0) {
        throw new IllegalArgumentException("no certificate in " + caCertificatesPem);
      }
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      return tmf;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException(
          "cannot read CA certificates from " + caCertificatesPem + ": " + e, e);
    }
  }
}
