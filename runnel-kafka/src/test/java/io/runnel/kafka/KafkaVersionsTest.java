package io.runnel.kafka;

import static io.runnel.kafka.TestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.RecordKey;
import io.runnel.Runnel;
import io.runnel.buffer.Producer;
import io.runnel.codec.Codec;
import io.runnel.codec.RecordCodec;
import io.runnel.codec.Versions;
import io.runnel.testbed.KafkaBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A v1 sender, a v4 sender and a bare producer into one topic; a v3 subscriber reads v1 migrated
 * and dead-letters v4 (unknown), a throwing migration and a message without the schema header,
 * naming the versions, and keeps running.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class KafkaVersionsTest {
  public record V1(String sensor, int tenths) {}

  public record V2(String sensor, double celsius) {}

  public record V3(String sensor, double celsius, String unit) {}

  public record V4(String sensor, double kelvin) {}

  static V2 up1(V1 v) {
    if (v.sensor().equals("boom")) {
      throw new IllegalArgumentException("cannot migrate boom");
    }
    return new V2(v.sensor(), v.tenths() / 10.0);
  }

  static final Versions<V3> AT3 =
      Versions.of(V3.class, 3)
          .from(2, V2.class, (V2 v) -> new V3(v.sensor(), v.celsius(), "C"))
          .from(1, V1.class, KafkaVersionsTest::up1);
  static final Versions<V4> AT4 =
      Versions.of(V4.class, 4)
          .from(3, V3.class, (V3 v) -> new V4(v.sensor(), v.celsius() + 273.15))
          .from(2, V2.class, (V2 v) -> new V3(v.sensor(), v.celsius(), "C"))
          .from(1, V1.class, KafkaVersionsTest::up1);

  static final RecordKey OLD = RecordKey.of("pub.v1");
  static final RecordKey NEW = RecordKey.of("pub.v4");
  static final RecordKey IN = RecordKey.of("sub.v3");
  static final RecordKey DLQ = RecordKey.of("sub.dead");
  static final Duration WAIT = Duration.ofSeconds(30);

  private final List<AutoCloseable> closeLater = new ArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    for (int i = closeLater.size() - 1; i >= 0; i--) {
      closeLater.get(i).close();
    }
  }

  @Test
  void aV3SubscriberMigratesV1AndDeadLettersWhatItCannotRead() throws Exception {
    KafkaBroker broker = KafkaBroker.shared();
    String topic = "versions-" + System.nanoTime();
    broker.createTopic(topic, 1);
    List<V3> values = new CopyOnWriteArrayList<>();
    List<KafkaDeadLetter> dead = new CopyOnWriteArrayList<>();
    KafkaLink subLink = KafkaLink.builder(broker.bootstrap(), "hub").deadLetters(DLQ).build();
    Runnel sub =
        Runnel.builder()
            .name("sub")
            .connector(subLink)
            .configure(
                V3.class,
                IN,
                r ->
                    r.source(
                            subLink.subscribe(Topics.of(topic), "g-" + topic, Codec.versioned(AT3)))
                        .tapTask(
                            "collect",
                            (ctx, in) -> {
                              for (; ; ) {
                                values.add(in.recv());
                              }
                            }))
            .configure(
                KafkaDeadLetter.class,
                DLQ,
                r ->
                    r.external()
                        .tapTask(
                            "collect",
                            (ctx, in) -> {
                              for (; ; ) {
                                dead.add(in.recv());
                              }
                            }))
            .build();
    closeLater.add(sub);
    sub.start();

    KafkaLink pubLink = KafkaLink.builder(broker.bootstrap(), "station").build();
    Runnel pub =
        Runnel.builder()
            .name("pub")
            .connector(pubLink)
            .configure(
                V1.class,
                OLD,
                r -> r.external().tapTask("k", pubLink.publish(AT3.reader(1, V1.class), topic)))
            .configure(
                V4.class,
                NEW,
                r -> r.external().tapTask("k", pubLink.publish(Codec.versioned(AT4), topic)))
            .build();
    closeLater.add(pub);
    pub.start();
    Producer<V1> old = pub.producer(V1.class, OLD);
    Producer<V4> future = pub.producer(V4.class, NEW);
    old.produce(new V1("a", 215));
    await("v1 migrated", WAIT, () -> values.size() == 1, values::size);
    future.produce(new V4("b", 300));
    old.produce(new V1("boom", 1));
    Properties p = new Properties();
    p.put("bootstrap.servers", broker.bootstrap());
    p.put("key.serializer", ByteArraySerializer.class.getName());
    p.put("value.serializer", ByteArraySerializer.class.getName());
    try (KafkaProducer<byte[], byte[]> bare = new KafkaProducer<>(p)) {
      bare.send(
              new ProducerRecord<>(
                  topic, "x".getBytes(), RecordCodec.of(V3.class).encode(new V3("x", 1, "C"))))
          .get(30, TimeUnit.SECONDS);
    }
    await("three dead letters", WAIT, () -> dead.size() == 3, dead::size);
    old.produce(new V1("c", 100)); // the subscription kept running
    await("v1 after the dead letters", WAIT, () -> values.size() == 2, values::size);

    assertThat(values).containsExactly(new V3("a", 21.5, "C"), new V3("c", 10.0, "C"));
    assertThat(dead)
        .anySatisfy(
            d ->
                assertThat(d.error())
                    .contains("for record 'sub.v3' is version 4")
                    .contains("knows versions 1..3")
                    .contains("deploy a reader whose chain declares version 4"));
    assertThat(dead)
        .anySatisfy(
            d ->
                assertThat(d.error())
                    .contains("the migration from version 1 to 2 threw")
                    .contains("cannot migrate boom"));
    assertThat(dead).anySatisfy(d -> assertThat(d.error()).contains("has no runnel-schema header"));
    assertThat(subLink.status().deadLetters()).isEqualTo(3);
  }

  @Test
  void aBrokenChainIsRefusedWithEveryProblem() {
    KafkaLink link = KafkaLink.builder("127.0.0.1:1", "n").build();
    Versions<V3> bad = Versions.of(V3.class, 3).from(1, V1.class, KafkaVersionsTest::up1);
    assertThatThrownBy(() -> link.publish(Codec.versioned(bad), "t"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("gap: no version 2");
  }
}
