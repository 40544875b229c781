package io.runnel.kafka;

import static io.runnel.kafka.TestSupport.CODEC;
import static io.runnel.kafka.TestSupport.await;
import static io.runnel.kafka.TestSupport.counter;
import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.RecordKey;
import io.runnel.Runnel;
import io.runnel.buffer.Producer;
import io.runnel.kafka.TestSupport.Reading;
import io.runnel.spi.ConnectorStatus;
import io.runnel.store.HistoryStore;
import io.runnel.store.Persist;
import io.runnel.store.StoreConfig;
import io.runnel.testbed.KafkaBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Forwarding persisted records to a real broker: key, headers, order per key, the cursor, and
 * exactly once per (node, sequence) for a consumer that de-duplicates by the headers.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class KafkaHistoryTest {

  private static final RecordKey INDOOR = RecordKey.of("sensor.indoor");
  private static final RecordKey OUTDOOR = RecordKey.of("sensor.outdoor");
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path tmp;
  private final List<AutoCloseable> closeLater = new ArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    for (int i = closeLater.size() - 1; i >= 0; i--) {
      closeLater.get(i).close();
    }
  }

  private <T extends AutoCloseable> T later(T c) {
    closeLater.add(c);
    return c;
  }

  private static String topic(String name) {
    return name + "-" + System.nanoTime();
  }

  private Runnel pipeline(HistoryStore store, KafkaLink link) {
    return later(
        Runnel.builder()
            .name("history-test")
            .connector(link)
            .configure(Reading.class, INDOOR, r -> r.external().hook(Persist.to(store, CODEC)))
            .configure(Reading.class, OUTDOOR, r -> r.external().hook(Persist.to(store, CODEC)))
            .build());
  }

  @Test
  void messagesCarryKeyAndHeadersAndOneKeysValuesStayInOrderInOnePartition() throws Exception {
    KafkaBroker broker = KafkaBroker.shared();
    String topic = topic("history-order");
    broker.createTopic(topic, 3);
    TestConsumer consumer = later(new TestConsumer(broker.bootstrap(), topic));
    HistoryStore store = later(HistoryStore.open(StoreConfig.builder(tmp.resolve("s")).build()));
    KafkaLink link = KafkaLink.builder(broker.bootstrap(), "station-1").maxInflight(64).build();
    link.publishHistory(store, List.of(INDOOR, OUTDOOR), topic, "kafka");
    Runnel r = pipeline(store, link).start();
    Producer<Reading> in = r.producer(Reading.class, INDOOR);
    Producer<Reading> out = r.producer(Reading.class, OUTDOOR);
    for (int i = 0; i < 1000; i++) {
      in.produce(new Reading("in", i, i * 0.5));
      out.produce(new Reading("out", i, -i));
    }
    consumer.awaitSequences("station-1", 2000, WAIT);

    Map<String, Integer> partitionOf = new HashMap<>();
    Map<String, Long> lastN = new HashMap<>();
    Map<String, Long> lastSeq = new HashMap<>();
    for (TestConsumer.Message m : consumer.all()) {
      String key = new String(m.key(), StandardCharsets.UTF_8);
      assertThat(key).isIn("sensor.indoor@station-1", "sensor.outdoor@station-1");
      assertThat(partitionOf.computeIfAbsent(key, k -> m.partition()))
          .as("one key, one partition")
          .isEqualTo(m.partition());
      Reading v = CODEC.decode(m.value());
      assertThat(v.n()).as("in order within " + key).isGreaterThan(lastN.getOrDefault(key, -1L));
      assertThat(m.sequence()).isGreaterThan(lastSeq.getOrDefault(key, -1L));
      lastN.put(key, v.n());
      lastSeq.put(key, m.sequence());
    }
    // the headers, read as a consumer would
    ConnectorStatus s = r.inspect().connector("kafka").orElseThrow();
    assertThat(s.connected()).isTrue();
    assertThat(consumer.sequences("station-1"))
        .containsExactlyInAnyOrderElementsOf(LongStream.range(0, 2000).boxed().toList());
    await(
        "the cursor commits everything",
        WAIT,
        () ->
            counter(r.inspect().connector("kafka").orElseThrow(), "history.kafka.position") == 2000,
        () -> r.inspect().connector("kafka"));
    assertThat(r.inspect().connector("kafka").orElseThrow().backlog()).isZero();
  }

  @Test
  void headersNameTheNodeTheRecordTheSequenceAndTheSchema() throws Exception {
    KafkaBroker broker = KafkaBroker.shared();
    String topic = topic("history-headers");
    List<org.apache.kafka.common.header.Headers> headers =
        java.util.Collections.synchronizedList(new ArrayList<>());
    TestConsumer consumer =
        later(new TestConsumer(broker.bootstrap(), topic, rec -> headers.add(rec.headers())));
    HistoryStore store = later(HistoryStore.open(StoreConfig.builder(tmp.resolve("s")).build()));
    KafkaLink link = KafkaLink.builder(broker.bootstrap(), "gw-9").build();
    link.publishHistory(store, INDOOR, topic, "kafka");
    Runnel r = pipeline(store, link).start();
    r.producer(Reading.class, OUTDOOR).produce(new Reading("out", 0, 0)); // seq 0: another key
    r.producer(Reading.class, INDOOR).produce(new Reading("in", 1, 1)); // seq 1
    consumer.awaitSequences("gw-9", 1, WAIT);
    var h = headers.getFirst();
    assertThat(KafkaHeaders.node(h)).isEqualTo("gw-9");
    assertThat(KafkaHeaders.text(h, KafkaHeaders.RECORD)).isEqualTo("sensor.indoor");
    assertThat(KafkaHeaders.sequence(h)).hasValue(1);
    assertThat(KafkaHeaders.schema(h)).hasValue(CODEC.id());
    assertThat(KafkaHeaders.text(h, KafkaHeaders.SCHEMA)).hasSize(16);
    assertThat(consumer.all()).hasSize(1); // only the selected key
  }

  @Test
  void aForcedResendIsExactlyOncePerNodeAndSequenceForADeduplicatingConsumer() throws Exception {
    KafkaBroker broker = KafkaBroker.shared();
    String topic = topic("history-resend");
    broker.createTopic(topic, 2);
    TestConsumer consumer = later(new TestConsumer(broker.bootstrap(), topic));
    HistoryStore store = later(HistoryStore.open(StoreConfig.builder(tmp.resolve("s")).build()));
    KafkaLink first = KafkaLink.builder(broker.bootstrap(), "station-2").build();
    first.publishHistory(store, INDOOR, topic, "kafka");
    Runnel r1 = pipeline(store, first).start();
    Producer<Reading> p = r1.producer(Reading.class, INDOOR);
    for (int i = 0; i < 500; i++) {
      p.produce(new Reading("in", i, i));
    }
    consumer.awaitSequences("station-2", 500, WAIT);
    r1.close();
    // The same node forwards the same history again (a new cursor starts at 0): every message is
    // sent a second time, with the same node and sequence headers.
    KafkaLink second = KafkaLink.builder(broker.bootstrap(), "station-2").build();
    second.publishHistory(store, INDOOR, topic, "kafka-again");
    Runnel r2 = pipeline(store, second).start();
    await(
        "the resend arrives",
        WAIT,
        () -> consumer.all().size() >= 1000,
        () -> consumer.all().size() + " messages");
    assertThat(consumer.duplicates()).isEqualTo(500);
    assertThat(consumer.sequences("station-2"))
        .containsExactlyInAnyOrderElementsOf(LongStream.range(0, 500).boxed().toList());
    r2.close();
  }

  @Test
  void theCursorDoesNotMoveWhileNothingIsAcknowledged() throws Exception {
    int deadPort = KafkaBroker.freePort();
    HistoryStore store = later(HistoryStore.open(StoreConfig.builder(tmp.resolve("s")).build()));
    KafkaLink link =
        KafkaLink.builder("127.0.0.1:" + deadPort, "station-3")
            .reconnect(Duration.ofMillis(50), Duration.ofMillis(500))
            .closeTimeout(Duration.ofSeconds(1))
            .build();
    link.publishHistory(store, INDOOR, "never", "kafka");
    Runnel r = pipeline(store, link).start();
    Producer<Reading> p = r.producer(Reading.class, INDOOR);
    for (int i = 0; i < 100; i++) {
      p.produce(new Reading("in", i, i));
    }
    store.awaitDurable(99, Duration.ofSeconds(10));
    await(
        "the status names the failure",
        WAIT,
        () -> link.status().lastError() != null,
        link::status);
    ConnectorStatus s = link.status();
    assertThat(s.connected()).isFalse();
    assertThat(s.lastError()).contains("127.0.0.1:" + deadPort);
    assertThat(s.backlog()).isEqualTo(100);
    assertThat(counter(s, "history.kafka.position")).isZero();
    long t0 = System.nanoTime();
    r.close();
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
    assertThat(store.cursor("kafka").position()).isZero();
  }
}
