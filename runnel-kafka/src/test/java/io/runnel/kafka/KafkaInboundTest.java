package io.runnel.kafka;

import static io.runnel.kafka.TestSupport.CODEC;
import static io.runnel.kafka.TestSupport.await;
import static io.runnel.kafka.TestSupport.counter;
import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.RecordKey;
import io.runnel.Runnel;
import io.runnel.kafka.TestSupport.Reading;
import io.runnel.store.HistoryStore;
import io.runnel.store.Persist;
import io.runnel.store.Query;
import io.runnel.store.StoreConfig;
import io.runnel.store.StoredEntry;
import io.runnel.testbed.KafkaBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Consumer groups into records: every message becomes a value, undecodable ones dead letters with
 * topic, partition and offset; offsets are committed only after the value is produced (and, for a
 * persisted record, durable), so a second run of the group continues where the first stopped.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class KafkaInboundTest {

  private static final RecordKey IN = RecordKey.of("cloud.commands");
  private static final RecordKey DLQ = RecordKey.of("cloud.dead");
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path tmp;
  private final List<AutoCloseable> closeLater = new ArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    for (int i = closeLater.size() - 1; i >= 0; i--) {
      closeLater.get(i).close();
    }
  }

  private static KafkaProducer<byte[], byte[]> producer(KafkaBroker broker) {
    Properties p = new Properties();
    p.put("bootstrap.servers", broker.bootstrap());
    p.put("key.serializer", ByteArraySerializer.class.getName());
    p.put("value.serializer", ByteArraySerializer.class.getName());
    p.put("acks", "all");
    return new KafkaProducer<>(p);
  }

  private static Map<TopicPartition, OffsetAndMetadata> committed(KafkaBroker broker, String group)
      throws Exception {
    try (Admin admin = broker.admin(Duration.ofSeconds(5))) {
      return admin
          .listConsumerGroupOffsets(group)
          .partitionsToOffsetAndMetadata()
          .get(10, TimeUnit.SECONDS);
    }
  }

  private static long committedTotal(KafkaBroker broker, String group) throws Exception {
    return committed(broker, group).values().stream()
        .filter(o -> o != null)
        .mapToLong(OffsetAndMetadata::offset)
        .sum();
  }

  @Test
  void messagesBecomeValuesAndUndecodableOnesDeadLettersWithTopicPartitionAndOffset()
      throws Exception {
    KafkaBroker broker = KafkaBroker.shared();
    String topic = "inbound-" + System.nanoTime();
    broker.createTopic(topic, 2);
    List<RecordMetadata> bad = new ArrayList<>();
    try (KafkaProducer<byte[], byte[]> p = producer(broker)) {
      for (int i = 0; i < 300; i++) {
        p.send(
            new ProducerRecord<>(
                topic, ("k" + i).getBytes(), CODEC.encode(new Reading("c", i, i))));
        if (i == 100) {
          bad.add(p.send(new ProducerRecord<>(topic, "x".getBytes(), new byte[] {1, 2})).get());
          bad.add(p.send(new ProducerRecord<>(topic, "y".getBytes(), null)).get()); // tombstone
        }
      }
      p.flush();
    }
    Set<Long> values = ConcurrentHashMap.newKeySet();
    List<KafkaDeadLetter> dead = new CopyOnWriteArrayList<>();
    String group = "g-" + System.nanoTime();
    KafkaLink link = KafkaLink.builder(broker.bootstrap(), "cloud-1").deadLetters(DLQ).build();
    Runnel r =
        Runnel.builder()
            .name("inbound")
            .connector(link)
            .configure(
                Reading.class,
                IN,
                rr ->
                    rr.source(link.subscribe(Topics.of(topic), group, CODEC))
                        .tapTask(
                            "collect",
                            (ctx, in) -> {
                              for (; ; ) {
                                values.add(in.recv().n());
                              }
                            }))
            .configure(
                KafkaDeadLetter.class,
                DLQ,
                rr ->
                    rr.external()
                        .tapTask(
                            "collect",
                            (ctx, in) -> {
                              for (; ; ) {
                                dead.add(in.recv());
                              }
                            }))
            .build();
    closeLater.add(r);
    r.start();
    await("every value", WAIT, () -> values.size() == 300 && dead.size() == 2, () -> values.size());
    assertThat(values)
        .containsExactlyInAnyOrderElementsOf(LongStream.range(0, 300).boxed().toList());
    for (RecordMetadata m : bad) {
      assertThat(dead)
          .anySatisfy(
              d -> {
                assertThat(d.topic()).isEqualTo(topic);
                assertThat(d.partition()).isEqualTo(m.partition());
                assertThat(d.offset()).isEqualTo(m.offset());
                assertThat(d.error()).isNotBlank();
              });
    }
    assertThat(dead).anySatisfy(d -> assertThat(d.payload()).isNull());
    assertThat(dead)
        .anySatisfy(d -> assertThat(new String(d.key(), StandardCharsets.UTF_8)).isEqualTo("x"));
    await(
        "offsets committed past every message, dead letters included",
        WAIT,
        () -> {
          try {
            return committedTotal(broker, group) == 302;
          } catch (Exception e) {
            return false;
          }
        },
        () -> link.status());
    var s = link.status();
    assertThat(s.deadLetters()).isEqualTo(2);
    assertThat(s.connected()).isTrue();
    assertThat(counter(s, "lag")).isZero();
    assertThat(counter(s, "inbound." + group + ".received")).isEqualTo(300);
  }

  @Test
  void aPersistedRecordCommitsOnlyWhatIsDurableAndTheNextRunContinues() throws Exception {
    KafkaBroker broker = KafkaBroker.shared();
    String topic = "inbound-durable-" + System.nanoTime();
    broker.createTopic(topic, 1);
    String group = "g-" + System.nanoTime();
    Path dir = tmp.resolve("store");
    KafkaProducer<byte[], byte[]> p = producer(broker);
    closeLater.add(p);
    try (HistoryStore store = HistoryStore.open(StoreConfig.builder(dir).build())) {
      KafkaLink link = KafkaLink.builder(broker.bootstrap(), "hub").build();
      Runnel r =
          Runnel.builder()
              .name("durable-1")
              .connector(link)
              .configure(
                  Reading.class,
                  IN,
                  rr ->
                      rr.source(link.subscribe(Topics.of(topic), group, CODEC, store))
                          .hook(Persist.to(store, CODEC)))
              .build()
              .start();
      Thread writer =
          Thread.ofPlatform()
              .start(
                  () -> {
                    for (int i = 0; i < 3000; i++) {
                      p.send(
                          new ProducerRecord<>(topic, null, CODEC.encode(new Reading("c", i, i))));
                      if (i % 10 == 0) { // ~2000/s: the sampling below sees it in flight
                        try {
                          Thread.sleep(5);
                        } catch (InterruptedException e) {
                          return;
                        }
                      }
                    }
                    p.flush();
                  });
      // While it runs: the committed offset never passes what the store holds durably (read after).
      int samples = 0;
      while (writer.isAlive() || committedTotal(broker, group) < 3000) {
        long committed = committedTotal(broker, group);
        long durable = store.durableSequence() + 1; // entries durable (only this record persists)
        assertThat(committed)
            .as("committed offset vs durable entries")
            .isLessThanOrEqualTo(durable);
        samples++;
        if (samples > 2000) {
          throw new AssertionError("never caught up: " + link.status());
        }
        Thread.sleep(5);
      }
      assertThat(samples).isGreaterThan(5);
      r.close();
    }
    // more messages while no member of the group runs; the next run continues from the commit
    for (int i = 3000; i < 3200; i++) {
      p.send(new ProducerRecord<>(topic, null, CODEC.encode(new Reading("c", i, i))));
    }
    p.flush();
    try (HistoryStore store = HistoryStore.open(StoreConfig.builder(dir).build())) {
      KafkaLink link = KafkaLink.builder(broker.bootstrap(), "hub").build();
      Runnel r =
          Runnel.builder()
              .name("durable-2")
              .connector(link)
              .configure(
                  Reading.class,
                  IN,
                  rr ->
                      rr.source(link.subscribe(Topics.of(topic), group, CODEC, store))
                          .hook(Persist.to(store, CODEC)))
              .build()
              .start();
      await(
          "the second run takes the rest",
          WAIT,
          () -> {
            try {
              return committedTotal(broker, group) == 3200;
            } catch (Exception e) {
              return false;
            }
          },
          link::status);
      r.close();
      Set<Long> ns = new java.util.TreeSet<>();
      long entries = 0;
      for (StoredEntry e : store.query(Query.all().limit(10_000))) {
        ns.add(e.decode(CODEC).n());
        entries++;
      }
      assertThat(ns).containsExactlyElementsOf(LongStream.range(0, 3200).boxed().toList());
      System.out.println("durable inbound: " + entries + " entries for 3200 messages");
    }
  }

  /** A hook that refuses the value {@code n == refuse} the first time it sees it. */
  private static final class RefuseOnce implements io.runnel.spi.RecordHook<Reading> {
    private final long refuse;
    private final java.util.concurrent.atomic.AtomicBoolean refused =
        new java.util.concurrent.atomic.AtomicBoolean();

    RefuseOnce(long refuse) {
      this.refuse = refuse;
    }

    @Override
    public String name() {
      return "refuse-once";
    }

    @Override
    public void produced(Reading value) {
      if (value.n() == refuse && refused.compareAndSet(false, true)) {
        throw new IllegalStateException("refused once, as a full store queue would");
      }
    }
  }

  @Test
  void aValueTheRecordRefusedIsTakenAgainNotCommittedPast() throws Exception {
    KafkaBroker broker = KafkaBroker.shared();
    String topic = "inbound-refused-" + System.nanoTime();
    broker.createTopic(topic, 1);
    try (KafkaProducer<byte[], byte[]> p = producer(broker)) {
      for (int i = 0; i < 100; i++) {
        p.send(new ProducerRecord<>(topic, null, CODEC.encode(new Reading("c", i, i))));
      }
      p.flush();
    }
    Set<Long> values = ConcurrentHashMap.newKeySet();
    String group = "g-" + System.nanoTime();
    KafkaLink link = KafkaLink.builder(broker.bootstrap(), "cloud-2").build();
    Runnel r =
        Runnel.builder()
            .name("refused")
            .connector(link)
            .configure(
                Reading.class,
                IN,
                rr ->
                    rr.source(link.subscribe(Topics.of(topic), group, CODEC))
                        .hook(new RefuseOnce(50))
                        .tapTask(
                            "collect",
                            (ctx, in) -> {
                              for (; ; ) {
                                values.add(in.recv().n());
                              }
                            }))
            .build();
    closeLater.add(r);
    r.start();
    await(
        "every value, the refused one after the source's restart",
        WAIT,
        () -> values.size() == 100,
        () -> values.size() + " values; " + link.status());
    await(
        "offsets committed past every message",
        WAIT,
        () -> {
          try {
            return committedTotal(broker, group) == 100;
          } catch (Exception e) {
            return false;
          }
        },
        link::status);
    assertThat(r.inspect().tasks()).anySatisfy(t -> assertThat(t.failures()).isEqualTo(1));
  }

  @Test
  void aPatternSubscriptionReadsEveryMatchingTopic() throws Exception {
    KafkaBroker broker = KafkaBroker.shared();
    String prefix = "pat" + System.nanoTime();
    broker.createTopic(prefix + ".a", 1);
    broker.createTopic(prefix + ".b", 1);
    broker.createTopic(prefix + "-other", 1);
    try (KafkaProducer<byte[], byte[]> p = producer(broker)) {
      for (int i = 0; i < 30; i++) {
        String topic = prefix + (i % 3 == 0 ? ".a" : i % 3 == 1 ? ".b" : "-other");
        p.send(new ProducerRecord<>(topic, null, CODEC.encode(new Reading("c", i, i))));
      }
      p.flush();
    }
    Set<Long> values = ConcurrentHashMap.newKeySet();
    KafkaLink link = KafkaLink.builder(broker.bootstrap(), "cloud-3").build();
    Runnel r =
        Runnel.builder()
            .name("pattern")
            .connector(link)
            .configure(
                Reading.class,
                IN,
                rr ->
                    rr.source(
                            link.subscribe(
                                Topics.matching(java.util.regex.Pattern.quote(prefix) + "\\..*"),
                                "g-" + prefix,
                                CODEC))
                        .tapTask(
                            "collect",
                            (ctx, in) -> {
                              for (; ; ) {
                                values.add(in.recv().n());
                              }
                            }))
            .build();
    closeLater.add(r);
    r.start();
    await("both matching topics", WAIT, () -> values.size() == 20, () -> values);
    Thread.sleep(300); // nothing of the third topic follows
    assertThat(values).hasSize(20).allMatch(n -> n % 3 != 2);
  }
}
