package io.runnel.kafka;

import io.runnel.RunnelBuilder;
import io.runnel.codec.Codec;
import io.runnel.spi.Connector;
import io.runnel.spi.kit.ConnectorConformanceKit;
import io.runnel.store.HistoryStore;
import io.runnel.store.Persist;
import io.runnel.store.StoreConfig;
import io.runnel.testbed.KafkaBroker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;

/**
 * {@link KafkaLink} passes the connector conformance kit, both ways it sends: live (a tap with the
 * bounded queue) and from history (a persisted record through a durable cursor). The working peer
 * is a real KRaft broker (one per test JVM, {@link KafkaBroker#shared()}) with a plain consumer on
 * a topic of the test's own; the unreachable one is a loopback port where nothing listens.
 */
class KafkaConformanceTest {

  private static final AtomicInteger TOPICS = new AtomicInteger();

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
        Codec.forRecord(ConnectorConformanceKit.Sample.class);
    private final boolean history;
    private final Path dir = Files.createTempDirectory("runnel-kit-kafka");
    private final HistoryStore store;
    private final KafkaBroker broker;
    private final String topic = "kit-" + TOPICS.incrementAndGet() + "-" + System.nanoTime();
    private final TestConsumer consumer;
    private final Set<Long> received = ConcurrentHashMap.newKeySet();
    private final int deadPort;
    private int links;

    LinkHarness(boolean history) throws Exception {
      this.history = history;
      this.store =
          history ? HistoryStore.open(StoreConfig.builder(dir.resolve("store")).build()) : null;
      this.broker = KafkaBroker.shared();
      broker.createTopic(topic, 2);
      this.consumer =
          new TestConsumer(
              broker.bootstrap(), topic, r -> received.add(CODEC.decode(r.value()).n()));
      this.deadPort = KafkaBroker.freePort();
    }

    private KafkaLink link(int port) {
      return KafkaLink.builder("127.0.0.1:" + port, "kit-node")
          .name("kafka-kit-" + links++)
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
      KafkaLink link = (KafkaLink) connector;
      builder.connector(link);
      if (history) {
        link.publishHistory(store, ConnectorConformanceKit.KEY, topic, "kit");
        builder.configure(
            ConnectorConformanceKit.Sample.class,
            ConnectorConformanceKit.KEY,
            r -> r.external().hook(Persist.to(store, CODEC)));
      } else {
        builder.configure(
            ConnectorConformanceKit.Sample.class,
            ConnectorConformanceKit.KEY,
            r -> r.external().tapTask("kafka", link.publish(CODEC, topic)));
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
    public void close() throws IOException, InterruptedException {
      consumer.close();
      if (store != null) {
        store.close();
      }
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}
