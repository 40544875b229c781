package io.runnel.mqtt;

import static io.runnel.mqtt.TestSupport.awaitStatus;
import static io.runnel.mqtt.TestSupport.counter;
import static io.runnel.mqtt.TestSupport.key;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.RecordKey;
import io.runnel.Runnel;
import io.runnel.buffer.Producer;
import io.runnel.buffer.Reader;
import io.runnel.codec.Codec;
import io.runnel.codec.RecordCodec;
import io.runnel.codec.Versions;
import io.runnel.testbed.Mosquitto;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A v1 publisher, a v4 publisher and a v3 subscriber on one real Mosquitto: v1 arrives migrated, v4
 * (unknown to the subscriber) and a value whose migration throws are dead-lettered with the
 * versions in the error, and the subscription keeps running.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MqttVersionsTest {
  record V1(String sensor, int tenths) {}

  record V2(String sensor, double celsius) {}

  record V3(String sensor, double celsius, String unit) {}

  record V4(String sensor, double kelvin) {}

  static V2 up1(V1 v) {
    if (v.sensor().equals("boom")) {
      throw new IllegalArgumentException("cannot migrate boom");
    }
    return new V2(v.sensor(), v.tenths() / 10.0);
  }

  static final Versions<V3> AT3 =
      Versions.of(V3.class, 3)
          .from(2, V2.class, (V2 v) -> new V3(v.sensor(), v.celsius(), "C"))
          .from(1, V1.class, MqttVersionsTest::up1);
  static final Versions<V4> AT4 =
      Versions.of(V4.class, 4)
          .from(3, V3.class, (V3 v) -> new V4(v.sensor(), v.celsius() + 273.15))
          .from(2, V2.class, (V2 v) -> new V3(v.sensor(), v.celsius(), "C"))
          .from(1, V1.class, MqttVersionsTest::up1);

  static final RecordKey OLD = key("pub.v1");
  static final RecordKey NEW = key("pub.v4");
  static final RecordKey IN = key("sub.v3");
  static final RecordKey DEAD = key("sub.dead");
  static final Duration WAIT = Duration.ofSeconds(10);

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

  private static MqttLink.Builder link(Mosquitto broker, int version, String name) {
    return MqttLink.builder()
        .name(name)
        .broker("127.0.0.1", broker.port())
        .version(version)
        .reconnect(Duration.ofMillis(50), Duration.ofMillis(500));
  }

  @ParameterizedTest(name = "MQTT {0}")
  @ValueSource(ints = {3, 5})
  void aV3SubscriberReadsV1MigratedAndDeadLettersWhatItCannot(int version) throws Exception {
    Mosquitto broker = later(TestSupport.mosquitto(tmp.resolve("broker")));
    MqttLink subLink = link(broker, version, "sub").deadLetters(DEAD).build();
    Runnel sub =
        later(
            Runnel.builder()
                .connector(subLink)
                .configure(
                    V3.class,
                    IN,
                    c ->
                        c.source(subLink.subscribe("v/#", Codec.versioned(AT3), Qos.AT_LEAST_ONCE)))
                .configure(DeadLetter.class, DEAD, c -> c.external())
                .build());
    Reader<V3> in = sub.subscribe(V3.class, IN);
    Reader<DeadLetter> dead = sub.subscribe(DeadLetter.class, DEAD);
    sub.start();
    awaitStatus(subLink, "subscribed", WAIT, s -> counter(s, "subscribed") == 1);

    MqttLink pubLink = link(broker, version, "pub").build();
    Runnel pub =
        later(
            Runnel.builder()
                .connector(pubLink)
                .configure(
                    V1.class,
                    OLD,
                    c ->
                        c.external()
                            .tapTask(
                                "mqtt",
                                pubLink.publish(
                                    AT3.reader(1, V1.class), "v/old", Qos.AT_LEAST_ONCE)))
                .configure(
                    V4.class,
                    NEW,
                    c ->
                        c.external()
                            .tapTask(
                                "mqtt",
                                pubLink.publish(Codec.versioned(AT4), "v/new", Qos.AT_LEAST_ONCE)))
                .build()
                .start());
    Producer<V1> old = pub.producer(V1.class, OLD);
    Producer<V4> future = pub.producer(V4.class, NEW);

    old.produce(new V1("a", 215));
    assertThat(in.recv(WAIT)).isEqualTo(new V3("a", 21.5, "C"));
    future.produce(new V4("b", 300));
    DeadLetter d1 = dead.recv(WAIT);
    assertThat(d1.topic()).isEqualTo("v/new");
    assertThat(d1.error())
        .contains("for record 'sub.v3' is version 4")
        .contains("knows versions 1..3")
        .contains("deploy a reader whose chain declares version 4");
    old.produce(new V1("boom", 1));
    DeadLetter d2 = dead.recv(WAIT);
    assertThat(d2.error())
        .contains("MigrationException")
        .contains("the migration from version 1 to 2 threw")
        .contains("cannot migrate boom");
    old.produce(new V1("c", 100)); // the subscription kept running
    assertThat(in.recv(WAIT)).isEqualTo(new V3("c", 10.0, "C"));
    assertThat(subLink.status().deadLetters()).isEqualTo(2);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @ValueSource(ints = {3, 5})
  void aHistoryOfSeveralVersionsIsForwardedAsStoredAndReadMigrated(int version) throws Exception {
    Mosquitto broker = later(TestSupport.mosquitto(tmp.resolve("broker")));
    MqttLink subLink = link(broker, version, "sub").build();
    Runnel sub =
        later(
            Runnel.builder()
                .connector(subLink)
                .configure(
                    V3.class,
                    IN,
                    c ->
                        c.source(subLink.subscribe("h/#", Codec.versioned(AT3), Qos.AT_LEAST_ONCE)))
                .build());
    Reader<V3> in = sub.subscribe(V3.class, IN);
    sub.start();
    awaitStatus(subLink, "subscribed", WAIT, s -> counter(s, "subscribed") == 1);

    io.runnel.store.HistoryStore store =
        later(
            io.runnel.store.HistoryStore.open(
                io.runnel.store.StoreConfig.builder(tmp.resolve("store")).build()));
    store.append(OLD, new V1("a", 215), AT3.reader(1, V1.class)); // history from the v1 days
    store.append(OLD, new V2("b", 1.5), AT3.reader(2, V2.class));
    store.append(OLD, new V3("c", 2.5, "K"), Codec.versioned(AT3));
    assertThat(store.awaitDurable(store.sync(), WAIT)).isTrue();
    MqttLink pubLink = link(broker, version, "pub").build();
    pubLink.publishHistory(store, OLD, Codec.versioned(AT3), "h/t", "hist");
    later(Runnel.builder().connector(pubLink).build().start());

    assertThat(in.recv(WAIT)).isEqualTo(new V3("a", 21.5, "C"));
    assertThat(in.recv(WAIT)).isEqualTo(new V3("b", 1.5, "C"));
    assertThat(in.recv(WAIT)).isEqualTo(new V3("c", 2.5, "K"));
  }

  @Test
  void on311AVersionedPayloadTravelsInTheEnvelopeAndAPlainOneStaysBare() throws Exception {
    Mosquitto broker = later(TestSupport.mosquitto(tmp.resolve("broker")));
    TestClient raw = later(TestClient.connect(broker.port()).subscribe("e/#"));
    MqttLink link = link(broker, 3, "pub").build();
    Codec<V1> plain = RecordCodec.of(V1.class);
    Runnel pub =
        later(
            Runnel.builder()
                .connector(link)
                .configure(
                    V1.class,
                    OLD,
                    c ->
                        c.external()
                            .tapTask(
                                "v",
                                link.publish(AT3.reader(1, V1.class), "e/v", Qos.AT_LEAST_ONCE))
                            .tapTask("p", link.publish(plain, "e/p", Qos.AT_LEAST_ONCE)))
                .build()
                .start());
    pub.producer(V1.class, OLD).produce(new V1("a", 1));
    List<TestClient.Received> got = raw.take(2, WAIT);
    assertThat(got).hasSize(2);
    byte[] bare = plain.encode(new V1("a", 1));
    for (TestClient.Received r : got) {
      if (r.topic().equals("e/p")) {
        assertThat(r.bytes()).isEqualTo(bare);
      } else {
        ByteBuffer b = ByteBuffer.wrap(r.bytes());
        assertThat(b.getInt()).isEqualTo(0x524E5631); // "RNV1"
        assertThat(b.getLong()).isEqualTo(plain.id());
        assertThat(b.getShort()).isEqualTo((short) 1);
        assertThat(r.bytes().length).isEqualTo(14 + bare.length);
      }
    }
  }

  @Test
  void aBrokenChainIsRefusedWithEveryProblem() {
    MqttLink link = MqttLink.builder().broker("127.0.0.1", 1).build();
    Versions<V3> bad =
        Versions.of(V3.class, 3)
            .from(1, V1.class, MqttVersionsTest::up1)
            .from(1, V1.class, MqttVersionsTest::up1);
    assertThatThrownBy(() -> link.subscribe("x", Codec.versioned(bad), Qos.AT_LEAST_ONCE))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("gap")
        .hasMessageContaining("two migrations for step 1 -> 2");
  }

  @Test
  void aBrokenChainGivenToAHistoryRouteIsListedByTheBuild() throws Exception {
    MqttLink link = MqttLink.builder().broker("127.0.0.1", 1).build();
    Versions<V3> bad = Versions.of(V3.class, 3).from(1, V1.class, MqttVersionsTest::up1);
    try (io.runnel.store.HistoryStore store =
        io.runnel.store.HistoryStore.open(
            io.runnel.store.StoreConfig.builder(tmp.resolve("h")).build())) {
      link.publishHistory(store, RecordKey.of("r"), Codec.versioned(bad), "t", "c");
      assertThat(link.problems())
          .singleElement()
          .asString()
          .contains("publishHistory of [r] (cursor 'c')")
          .contains("gap: no version 2");
      assertThatThrownBy(
              () ->
                  Runnel.builder()
                      .connector(link)
                      .configure(V3.class, RecordKey.of("r"), r -> r.external())
                      .build())
          .isInstanceOf(io.runnel.GraphException.class)
          .hasMessageContaining("[INVALID_CONNECTOR] connector 'mqtt': publishHistory of [r]")
          .hasMessageContaining("gap: no version 2");
    }
  }

  @Test
  void aBrokenChainGivenToASubscriptionInARegistrationIsListedByTheBuild() {
    MqttLink link = MqttLink.builder().broker("127.0.0.1", 1).build();
    Versions<V3> bad = Versions.of(V3.class, 3).from(1, V1.class, MqttVersionsTest::up1);
    assertThatThrownBy(
            () ->
                Runnel.builder()
                    .connector(link)
                    .configure(
                        V3.class,
                        RecordKey.of("r"),
                        r -> r.source(link.subscribe("x", Codec.versioned(bad), Qos.AT_LEAST_ONCE)))
                    .configure(
                        V3.class,
                        RecordKey.of("s"),
                        r -> r.transform(V3.class, RecordKey.of("missing"), v -> v))
                    .build())
        .isInstanceOf(io.runnel.GraphException.class)
        .hasMessageContaining("[INVALID_REGISTRATION] configuring record 'r' failed")
        .hasMessageContaining("gap: no version 2")
        .hasMessageContaining("[MISSING_INPUT]");
  }
}
