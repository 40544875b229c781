package io.runnel.mqtt;

import static io.runnel.mqtt.TestSupport.awaitStatus;
import static io.runnel.mqtt.TestSupport.counter;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.RecordKey;
import io.runnel.Runnel;
import io.runnel.buffer.Producer;
import io.runnel.codec.Codec;
import io.runnel.codec.Versions;
import io.runnel.mqtt.TestClient.Received;
import io.runnel.store.HistoryStore;
import io.runnel.store.KeySelector;
import io.runnel.store.Persist;
import io.runnel.store.StoreConfig;
import io.runnel.testbed.Mosquitto;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A history route over a key prefix against a real Mosquitto: records added to the running pipeline
 * with {@code Runnel.add} and persisted are published to the topic of each value, with the
 * sequence, schema and version properties; other keys are not; a restart of the link loses nothing.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class MqttGrowingRouteTest {

  public record V1(String node, long n) {}

  public record Reading(String node, long n, double celsius) {}

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

  private static MqttLink link(Mosquitto broker, HistoryStore store, Duration replayWindow) {
    MqttLink link =
        MqttLink.builder()
            .broker("127.0.0.1", broker.port())
            .clientId("growing-link")
            .reconnect(Duration.ofMillis(50), Duration.ofMillis(200))
            .replayWindow(replayWindow)
            .build();
    link.publishHistory(store, STATIONS, CODEC, r -> "mesh/" + r.node() + "/reading", "mqtt");
    return link;
  }

  private static Runnel hub(HistoryStore store, MqttLink link) {
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
  void recordsAddedAtRunTimeArePublishedWithTheirPropertiesAndOthersAreNot() throws Exception {
    Mosquitto broker = later(TestSupport.mosquitto(tmp.resolve("broker")));
    TestClient sub = later(TestClient.connect(broker.port()).subscribe("mesh/#"));
    HistoryStore store = later(HistoryStore.open(StoreConfig.builder(tmp.resolve("s")).build()));
    MqttLink link = link(broker, store, Duration.ZERO);
    Runnel r = later(hub(store, link));
    Producer<Reading> average = r.producer(Reading.class, AVERAGE);
    average.produce(new Reading("site", 0, 20)); // seq 0: not under the prefix
    Producer<Reading> s01 = addStation(r, store, "s01");
    Producer<Reading> s02 = addStation(r, store, "s02");
    for (int i = 0; i < 50; i++) {
      s01.produce(new Reading("s01", i, i));
      average.produce(new Reading("site", i, 0));
      s02.produce(new Reading("s02", i, -i));
    }
    List<Received> got = new ArrayList<>(sub.take(100, WAIT));
    Producer<Reading> s03 = addStation(r, store, "s03"); // later still, on the running link
    s03.produce(new Reading("s03", 0, 3));
    got.addAll(sub.take(1, WAIT));

    String schema = HexFormat.of().toHexDigits(CODEC.id());
    Map<String, Long> lastN = new ConcurrentHashMap<>();
    Set<String> sequences = new TreeSet<>();
    for (Received m : got) {
      Reading v = CODEC.decode(m.bytes());
      assertThat(m.topic()).isEqualTo("mesh/" + v.node() + "/reading");
      assertThat(v.n()).as("in order per station").isGreaterThan(lastN.getOrDefault(v.node(), -1L));
      lastN.put(v.node(), v.n());
      assertThat(m.properties()).containsEntry("runnel-schema", schema);
      assertThat(m.properties()).containsEntry("runnel-version", "2");
      assertThat(m.sequence()).isNotNull();
      sequences.add(m.sequence());
    }
    assertThat(sequences).hasSize(101);
    assertThat(lastN).containsOnlyKeys("s01", "s02", "s03");
    assertThat(sub.received.poll(300, TimeUnit.MILLISECONDS)).as("nothing of the site").isNull();
    long last = store.writtenSequence();
    awaitStatus(
        link,
        "the cursor past every entry, the other key's too",
        WAIT,
        s -> counter(s, "history.mqtt.position") == last + 1);
  }

  @Test
  void nothingIsLostAcrossALinkRestartAndStationsAddedAfterItArePublishedToo() throws Exception {
    Mosquitto broker = later(TestSupport.mosquitto(tmp.resolve("broker")));
    TestClient sub = later(TestClient.connect(broker.port()).subscribe("mesh/#"));
    HistoryStore store = later(HistoryStore.open(StoreConfig.builder(tmp.resolve("s")).build()));
    // a replay window: the first run's close commits only what a probe confirmed
    Runnel r1 = hub(store, link(broker, store, Duration.ofMillis(300)));
    Producer<Reading> a = addStation(r1, store, "s01");
    for (int i = 0; i < 500; i++) {
      a.produce(new Reading("s01", i, i));
    }
    r1.close(); // at once: part of it unsent or unconfirmed
    long committed = store.cursor("mqtt").position();
    long last = -1;
    for (int i = 500; i < 600; i++) { // while no link runs
      last = store.append(station("s01"), new Reading("s01", i, i), CODEC);
    }
    assertThat(store.awaitDurable(last, WAIT)).isTrue();

    MqttLink second = link(broker, store, Duration.ofMillis(300));
    Runnel r2 = later(hub(store, second));
    Producer<Reading> b = addStation(r2, store, "s02");
    for (int i = 0; i < 100; i++) {
      b.produce(new Reading("s02", i, i));
    }
    Set<String> sequences = ConcurrentHashMap.newKeySet();
    long messages = 0;
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (sequences.size() < 700 && System.nanoTime() - deadline < 0) {
      Received m = sub.received.poll(100, TimeUnit.MILLISECONDS);
      if (m != null) {
        messages++;
        sequences.add(m.sequence());
      }
    }
    assertThat(sequences).as(second.status().toString()).hasSize(700);
    assertThat(store.writtenSequence()).isEqualTo(699); // every entry is a station's
    // at least once: only what the first run had not committed may come twice
    assertThat(messages - 700).isLessThanOrEqualTo(500 - Math.min(500, committed));
    awaitStatus(second, "caught up", WAIT, s -> s.backlog() == 0);
  }

  @Test
  void aStoredKeyUnderThePrefixWithAnotherCodecFailsTheStart() throws Exception {
    Mosquitto broker = later(TestSupport.mosquitto(tmp.resolve("broker")));
    HistoryStore store = later(HistoryStore.open(StoreConfig.builder(tmp.resolve("s")).build()));
    long seq = store.append(station("s09"), new TestSupport.Reading("x", 1), TestSupport.JSON);
    assertThat(store.awaitDurable(seq, WAIT)).isTrue();
    MqttLink link = link(broker, store, Duration.ZERO);
    assertThatThrownBy(() -> hub(store, link))
        .hasStackTraceContaining("publishHistory of record 'station.s09'")
        .hasStackTraceContaining("cursor 'mqtt'");
  }
}
