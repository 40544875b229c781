package io.runnel.kafka;

import static io.runnel.kafka.TestSupport.await;
import static io.runnel.kafka.TestSupport.counter;
import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.RecordKey;
import io.runnel.Runnel;
import io.runnel.buffer.Producer;
import io.runnel.codec.Codec;
import io.runnel.codec.Versions;
import io.runnel.store.HistoryStore;
import io.runnel.store.KeySelector;
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
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.apache.kafka.common.header.Headers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A history route over a key prefix against a real broker: records added to the running pipeline
 * with {@code Runnel.add} and persisted are forwarded with the usual key and headers; other keys
 * are not; a restart of the link loses nothing.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class KafkaGrowingRouteTest {

  public record V1(String node, long n) {}

  public record Reading(String node, long n, double celsius) {}

  /** A versioned type, so that the version header is checked too. */
  static final Versions<Reading> AT2 =
      Versions.of(Reading.class, 2).from(1, V1.class, (V1 v) -> new Reading(v.node(), v.n(), 0));

  static final Codec<Reading> CODEC = Codec.versioned(AT2);
  static final RecordKey AVERAGE = RecordKey.of("site.average");
  static final KeySelector STATIONS = KeySelector.prefix("station.");
  static final Duration WAIT = Duration.ofSeconds(30);

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

  static RecordKey station(String node) {
    return RecordKey.of("station." + node);
  }

  /** A hub-like pipeline: one record known at build time, stations added while it runs. */
  private Runnel hub(HistoryStore store, KafkaLink link) {
    return Runnel.builder()
        .name("growing")
        .connector(link)
        .configure(Reading.class, AVERAGE, r -> r.external().hook(Persist.to(store, CODEC)))
        .build()
        .start();
  }

  private static Producer<Reading> addStation(Runnel r, HistoryStore store, String node) {
    r.add(Reading.class, station(node), c -> c.external().hook(Persist.to(store, CODEC)));
    return r.producer(Reading.class, station(node));
  }

  @Test
  void recordsAddedAtRunTimeAreForwardedWithKeyAndHeadersAndOthersAreNot() throws Exception {
    KafkaBroker broker = KafkaBroker.shared();
    String topic = "growing-" + System.nanoTime();
    broker.createTopic(topic, 3);
    Map<String, Headers> headersBySequence = new ConcurrentHashMap<>();
    TestConsumer consumer =
        later(
            new TestConsumer(
                broker.bootstrap(),
                topic,
                rec ->
                    headersBySequence.put(
                        Long.toString(KafkaHeaders.sequence(rec.headers()).orElse(-1)),
                        rec.headers())));
    HistoryStore store = later(HistoryStore.open(StoreConfig.builder(tmp.resolve("s")).build()));
    KafkaLink link = KafkaLink.builder(broker.bootstrap(), "hub").build();
    link.publishHistory(store, STATIONS, topic, "kafka");
    Runnel r = later(hub(store, link));
    Producer<Reading> average = r.producer(Reading.class, AVERAGE);
    average.produce(new Reading("site", 0, 20)); // seq 0: not under the prefix
    Producer<Reading> s01 = addStation(r, store, "s01");
    Producer<Reading> s02 = addStation(r, store, "s02");
    for (int i = 0; i < 100; i++) {
      s01.produce(new Reading("s01", i, i));
      s02.produce(new Reading("s02", i, -i));
      average.produce(new Reading("site", i, 0));
    }
    consumer.awaitSequences("hub", 200, WAIT);
    // a third station, later still, on the running link
    Producer<Reading> s03 = addStation(r, store, "s03");
    s03.produce(new Reading("s03", 0, 3));
    consumer.awaitSequences("hub", 201, WAIT);

    Map<String, Integer> partitionOf = new HashMap<>();
    Map<String, Long> lastN = new HashMap<>();
    for (TestConsumer.Message m : consumer.all()) {
      String key = new String(m.key(), StandardCharsets.UTF_8);
      assertThat(key).isIn("station.s01@hub", "station.s02@hub", "station.s03@hub");
      assertThat(partitionOf.computeIfAbsent(key, k -> m.partition())).isEqualTo(m.partition());
      Reading v = CODEC.decode(m.value());
      assertThat(key).startsWith("station." + v.node() + "@");
      assertThat(v.n()).as("in order within " + key).isGreaterThan(lastN.getOrDefault(key, -1L));
      lastN.put(key, v.n());
      Headers h = headersBySequence.get(Long.toString(m.sequence()));
      assertThat(KafkaHeaders.node(h)).isEqualTo("hub");
      assertThat(KafkaHeaders.text(h, KafkaHeaders.RECORD)).isEqualTo("station." + v.node());
      assertThat(KafkaHeaders.schema(h)).hasValue(CODEC.id());
      assertThat(KafkaHeaders.version(h)).isEqualTo(2);
    }
    assertThat(consumer.all()).hasSize(201); // no site.average, no duplicate
    await(
        "the cursor passes every entry, the other key's too",
        WAIT,
        () ->
            counter(r.inspect().connector("kafka").orElseThrow(), "history.kafka.position")
                == store.durableSequence() + 1,
        () -> r.inspect().connector("kafka"));
  }

  @Test
  void nothingIsLostAcrossALinkRestartAndNewStationsAfterItAreForwardedToo() throws Exception {
    KafkaBroker broker = KafkaBroker.shared();
    String topic = "growing-restart-" + System.nanoTime();
    broker.createTopic(topic, 2);
    TestConsumer consumer = later(new TestConsumer(broker.bootstrap(), topic));
    HistoryStore store = later(HistoryStore.open(StoreConfig.builder(tmp.resolve("s")).build()));
    KafkaLink first = KafkaLink.builder(broker.bootstrap(), "hub").maxInflight(32).build();
    first.publishHistory(store, STATIONS, topic, "kafka");
    Runnel r1 = hub(store, first);
    Producer<Reading> a = addStation(r1, store, "s01");
    for (int i = 0; i < 1000; i++) {
      a.produce(new Reading("s01", i, i));
    }
    r1.close(); // at once: part of it in flight or not yet read
    long afterFirst = store.cursor("kafka").position();
    // while no link runs, entries keep coming (the store outlives the pipeline)
    long last = -1;
    for (int i = 1000; i < 1100; i++) {
      last = store.append(station("s01"), new Reading("s01", i, i), CODEC);
    }
    assertThat(store.awaitDurable(last, WAIT)).isTrue();

    KafkaLink second = KafkaLink.builder(broker.bootstrap(), "hub").build();
    second.publishHistory(store, STATIONS, topic, "kafka");
    Runnel r2 = later(hub(store, second));
    Producer<Reading> b = addStation(r2, store, "s02"); // new after the restart
    for (int i = 0; i < 100; i++) {
      b.produce(new Reading("s02", i, i));
    }
    await(
        "every station entry arrives",
        WAIT,
        () -> consumer.sequences("hub").size() >= 1200,
        () -> consumer.sequences("hub").size() + " of 1200; " + r2.inspect().connector("kafka"));
    Set<Long> seqs = consumer.sequences("hub");
    assertThat(seqs)
        .containsExactlyInAnyOrderElementsOf(LongStream.range(0, 1200).boxed().toList());
    // at least once: only what the first link had not committed may come twice
    assertThat(consumer.duplicates()).isLessThanOrEqualTo(1000 - Math.min(1000, afterFirst));
    assertThat(store.writtenSequence()).isEqualTo(1199); // no other key: every one forwarded
  }
}
