package io.runnel.mqtt;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import io.runnel.RunnelBuilder;
import io.runnel.codec.Codec;
import io.runnel.spi.Connector;
import io.runnel.spi.kit.ConnectorConformanceKit;
import io.runnel.store.HistoryStore;
import io.runnel.store.Persist;
import io.runnel.store.StoreConfig;
import io.runnel.testbed.Mosquitto;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;

/**
 * {@link MqttLink} passes the connector conformance kit, both ways it sends: live (a tap with the
 * bounded offline queue) and from history (a persisted record through a durable cursor). The
 * working peer is a real Mosquitto on a free loopback port with a QoS 1 subscriber; the unreachable
 * one is a loopback port where nothing listens.
 */
class MqttConformanceTest {

  @Nested
  class Live extends ConnectorConformanceKit {
    @Override
    protected Harness harness() throws Exception {
      return new LinkHarness(false);
    }
  }

  @Nested
  class FromHistory extends ConnectorConformanceKit {
    @Override
    protected Harness harness() throws Exception {
      return new LinkHarness(true);
    }
  }

  private static final class LinkHarness implements ConnectorConformanceKit.Harness {
    private static final Codec<ConnectorConformanceKit.Sample> CODEC =
        Codec.json(ConnectorConformanceKit.Sample.class);
    private final boolean history;
    private final Path dir = Files.createTempDirectory("runnel-kit-mqtt");
    private final HistoryStore store;
    private final Mosquitto broker;
    private final Mqtt5AsyncClient subscriber;
    private final Set<Long> received = ConcurrentHashMap.newKeySet();
    private final int deadPort;
    private int links;

    LinkHarness(boolean history) throws Exception {
      this.history = history;
      this.store =
          history ? HistoryStore.open(StoreConfig.builder(dir.resolve("store")).build()) : null;
      this.broker = TestSupport.mosquitto(dir.resolve("broker"));
      this.subscriber =
          Mqtt5Client.builder()
              .identifier("kit-sub-" + System.nanoTime())
              .serverHost("127.0.0.1")
              .serverPort(broker.port())
              .buildAsync();
      subscriber.publishes(
          MqttGlobalPublishFilter.ALL, p -> received.add(CODEC.decode(p.getPayloadAsBytes()).n()));
      subscriber.connect().get(10, TimeUnit.SECONDS);
      subscriber
          .subscribeWith()
          .topicFilter("kit/#")
          .qos(MqttQos.AT_LEAST_ONCE)
          .send()
          .get(10, TimeUnit.SECONDS);
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        deadPort = s.getLocalPort(); // closed again: nothing listens there
      }
    }

    private MqttLink link(int port) {
      return MqttLink.builder()
          .name("mqtt-kit-" + links++)
          .clientId("kit-link-" + (history ? "h" : "l"))
          .broker("127.0.0.1", port)
          .version(5)
          .reconnect(Duration.ofMillis(50), Duration.ofMillis(500))
          .closeTimeout(Duration.ofSeconds(2))
          .build();
    }

    @Override
    public Connector working() {
      return link(broker.port());
    }

    @Override
    public Connector unreachable() {
      return link(deadPort);
    }

    @Override
    public void configure(RunnelBuilder builder, Connector connector) {
      MqttLink link = (MqttLink) connector;
      builder.connector(link);
      if (history) {
        link.publishHistory(store, ConnectorConformanceKit.KEY, CODEC, "kit/history", "kit");
        builder.configure(
            ConnectorConformanceKit.Sample.class,
            ConnectorConformanceKit.KEY,
            r -> r.external().hook(Persist.to(store, CODEC))); // the codec the route sends with
      } else {
        builder.configure(
            ConnectorConformanceKit.Sample.class,
            ConnectorConformanceKit.KEY,
            r -> r.external().tapTask("mqtt", link.publish(CODEC, "kit/live", Qos.AT_LEAST_ONCE)));
      }
    }

    @Override
    public Set<Long> received() {
      return received;
    }

    @Override
    public boolean storeAndForward() {
      return history;
    }

    @Override
    public Duration closeBound() {
      return Duration.ofSeconds(2);
    }

    @Override
    public void close() throws IOException {
      try {
        subscriber.disconnect().get(2, TimeUnit.SECONDS);
      } catch (Exception e) {
        // the broker may be gone already
      }
      broker.close();
      if (store != null) {
        store.close();
      }
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}
