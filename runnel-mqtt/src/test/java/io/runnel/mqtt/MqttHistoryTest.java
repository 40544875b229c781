package io.runnel.mqtt;

import static io.runnel.mqtt.TestSupport.JSON;
import static io.runnel.mqtt.TestSupport.await;
import static io.runnel.mqtt.TestSupport.awaitStatus;
import static io.runnel.mqtt.TestSupport.counter;
import static io.runnel.mqtt.TestSupport.key;
import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.RecordKey;
import io.runnel.Runnel;
import io.runnel.mqtt.TestClient.Received;
import io.runnel.mqtt.TestSupport.Reading;
import io.runnel.spi.ConnectorStatus;
import io.runnel.store.HistoryStore;
import io.runnel.store.StoreConfig;
import io.runnel.testbed.Mosquitto;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Forwarding a persisted record: nothing lost across a broker crash or a restart of the link. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class MqttHistoryTest {

  private static final RecordKey READINGS = key("sensor.readings");
  private static final RecordKey OTHER = key("sensor.other");
  private static final String TOPIC = "history/readings";
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

  /** Collects the distinct reading numbers (and MQTT 5 sequences) a subscriber got. */
  private static final class Tally {
    final Set<Long> numbers = ConcurrentHashMap.newKeySet();
    final Set<String> sequences = ConcurrentHashMap.newKeySet();
    long messages;

    void drain(TestClient c) {
      Received r;
      while ((r = c.received.poll()) != null) {
        messages++;
        numbers.add(JSON.decode(r.payload().getBytes(StandardCharsets.UTF_8)).n());
        if (r.sequence() != null) {
          sequences.add(r.sequence());
        }
      }
    }

    String missing(long n) {
      TreeSet<Long> m = new TreeSet<>();
      for (long i = 0; i < n; i++) {
        if (!numbers.contains(i)) {
          m.add(i);
        }
      }
      return m.size() + " missing, first " + m.stream().limit(20).toList();
    }
  }

  private HistoryStore store() throws Exception {
    return later(HistoryStore.open(StoreConfig.builder(tmp.resolve("store")).build()));
  }

  /** A link that trusts PUBACK alone (zero replay window): as for a broker that persists. */
  private static MqttLink trustingLink(Mosquitto broker, HistoryStore store) {
    return link(broker, 5, store, Duration.ofMillis(50), Duration.ZERO);
  }

  private static MqttLink link(
      Mosquitto broker, int version, HistoryStore store, Duration firstRetry) {
    return link(broker, version, store, firstRetry, Duration.ofSeconds(2));
  }

  private static MqttLink link(
      Mosquitto broker,
      int version,
      HistoryStore store,
      Duration firstRetry,
      Duration replayWindow) {
    MqttLink link =
        MqttLink.builder()
            .broker("127.0.0.1", broker.port())
            .version(version)
            .clientId("history-link-" + version)
            .reconnect(firstRetry, firstRetry.multipliedBy(2))
            .replayWindow(replayWindow)
            .build();
    link.publishHistory(store, READINGS, JSON, TOPIC, "mqtt-readings");
    return link;
  }

  @ParameterizedTest(name = "MQTT {0}")
  @ValueSource(ints = {3, 5})
  void everyMessageOfAPersistedRecordArrivesAcrossABrokerKillAndRestart(int version)
      throws Exception {
    // No broker persistence: the kill loses every session and every message the broker held, so
    // only the link's own store and cursor can bring the in-flight messages back.
    Mosquitto broker = later(TestSupport.mosquitto(tmp.resolve("broker")));
    TestClient sub =
        later(TestClient.connect(broker.port(), "history-sub-" + version, true, null))
            .subscribe(TOPIC);
    // The subscriber stands for the far side; it must be subscribed again before the link is back,
    // or the restarted broker has nobody to deliver to. HiveMQ resubscribes it (session expired)
    // within ~1 s of the restart; the link's first retry comes after 1.5 to 3 s.
    HistoryStore store = store();
    MqttLink link = link(broker, version, store, Duration.ofSeconds(3));
    Runnel r = later(Runnel.builder().connector(link).build().start());
    Tally tally = new Tally();
    int perPhase = 1000;
    long n = 0;

    for (; n < perPhase; n++) { // phase 1: broker up, mid-stream
      store.append(READINGS, new Reading("h", n), JSON);
      store.append(OTHER, new Reading("other", n), JSON); // interleaved sequences of another key
      if (n % 20 == 0) {
        Thread.sleep(1);
      }
    }
    broker.kill(); // SIGKILL while messages are in flight
    for (; n < 2 * perPhase; n++) { // phase 2: broker down
      store.append(READINGS, new Reading("h", n), JSON);
    }
    store.awaitDurable(store.sync(), Duration.ofSeconds(5));
    awaitStatus(link, "disconnected with a backlog", WAIT, s -> !s.connected() && s.backlog() >= 1);
    ConnectorStatus down = link.status();
    assertThat(down.lastError()).contains("127.0.0.1:" + broker.port());
    Thread.sleep(300);
    broker.restart(); // same port
    for (; n < 3 * perPhase; n++) { // phase 3: broker back
      store.append(READINGS, new Reading("h", n), JSON);
      if (n % 20 == 0) {
        Thread.sleep(1);
      }
    }
    long total = n;
    await(
        "all " + total + " readings at the subscriber",
        WAIT,
        () -> {
          tally.drain(sub);
          return tally.numbers.size() == total;
        },
        () ->
            tally.missing(total)
                + "; link "
                + link.status()
                + "; broker log:\n"
                + broker.logTail());
    long last = store.writtenSequence();
    awaitStatus(
        link,
        "cursor committed past the last entry",
        WAIT,
        s -> s.backlog() == 0 && counter(s, "history.mqtt-readings.position") == last + 1);

    ConnectorStatus s = link.status();
    assertThat(s.connected()).isTrue();
    assertThat(s.retries()).isPositive();
    assertThat(counter(s, "connects")).isGreaterThanOrEqualTo(2);
    assertThat(counter(s, "history.mqtt-readings.acked")).isGreaterThanOrEqualTo(total);
    assertThat(counter(s, "history.mqtt-readings.rejected")).isZero();
    if (version == 5) {
      assertThat(tally.sequences).as("distinct runnel-seq properties").hasSize((int) total);
    }
    System.out.printf(
        "MQTT %d: %d readings, %d messages at the subscriber (%d duplicates), %d retries,"
            + " %d rewinds%n",
        version,
        total,
        tally.messages,
        tally.messages - total,
        s.retries(),
        counter(s, "history.mqtt-readings.rewinds"));
    r.close();
  }

  @Test
  void aNewLinkOnTheSameStoreAndCursorResumesWhereTheLastStopped() throws Exception {
    Mosquitto broker = later(TestSupport.mosquitto(tmp.resolve("broker")));
    TestClient sub = later(TestClient.connect(broker.port()).subscribe(TOPIC));
    HistoryStore store = store();
    for (long i = 0; i < 500; i++) {
      store.append(READINGS, new Reading("h", i), JSON);
    }
    store.awaitDurable(store.sync(), Duration.ofSeconds(5));

    MqttLink first = trustingLink(broker, store);
    Runnel r1 = Runnel.builder().connector(first).build().start();
    List<Received> got1 = sub.take(500, WAIT);
    r1.close(); // commits the cursor
    long position = store.cursor("mqtt-readings").position();
    assertThat(position).isEqualTo(store.writtenSequence() + 1);

    for (long i = 500; i < 1000; i++) { // appended while no link runs
      store.append(READINGS, new Reading("h", i), JSON);
    }
    store.awaitDurable(store.sync(), Duration.ofSeconds(5));
    MqttLink second = trustingLink(broker, store); // a new instance, as after a process restart
    Runnel r2 = later(Runnel.builder().connector(second).build().start());
    List<Received> got2 = sub.take(500, WAIT);

    assertThat(numbers(got1)).containsExactlyElementsOf(range(0, 500));
    assertThat(numbers(got2))
        .as("resumed at the cursor, no repeats")
        .containsExactlyElementsOf(range(500, 1000));
    assertThat(sub.received.poll(300, TimeUnit.MILLISECONDS)).isNull();
    awaitStatus(second, "caught up", WAIT, s -> s.backlog() == 0);
    r2.close();
  }

  @Test
  void oneRouteForwardsSeveralRecordsThroughOneCursorAndPassesTheOthers() throws Exception {
    Mosquitto broker = later(TestSupport.mosquitto(tmp.resolve("broker")));
    TestClient sub = later(TestClient.connect(broker.port()).subscribe("multi/#"));
    HistoryStore store = store();
    RecordKey third = key("sensor.third");
    for (long i = 0; i < 300; i++) {
      RecordKey k = i % 3 == 0 ? READINGS : i % 3 == 1 ? OTHER : third;
      store.append(k, new Reading(k.id(), i), JSON);
    }
    store.awaitDurable(store.sync(), Duration.ofSeconds(5));
    MqttLink link =
        MqttLink.builder()
            .broker("127.0.0.1", broker.port())
            .clientId("multi")
            .replayWindow(Duration.ZERO)
            .build();
    link.publishHistory(
        store, List.of(READINGS, OTHER), JSON, r -> "multi/" + r.sensor(), "mqtt-multi");
    Runnel r = later(Runnel.builder().connector(link).build().start());
    List<Received> got = sub.take(200, WAIT);
    assertThat(got)
        .extracting(Received::topic)
        .containsOnly("multi/sensor.readings", "multi/sensor.other");
    assertThat(numbers(got)).doesNotHaveDuplicates().allMatch(n -> n % 3 != 2);
    assertThat(sub.received.poll(300, TimeUnit.MILLISECONDS)).isNull(); // nothing of the third
    r.close(); // commits the cursor: past every entry, the third record's included
    assertThat(store.cursor("mqtt-multi").position()).isEqualTo(300);
  }

  @Test
  void closeCommitsOnlyAcknowledgementsTheBrokerConfirmedAndTheNextRunResendsTheRest()
      throws Exception {
    Mosquitto broker = later(TestSupport.mosquitto(tmp.resolve("broker")));
    TestClient sub = later(TestClient.connect(broker.port()).subscribe(TOPIC));
    HistoryStore store = store();
    for (long i = 0; i < 200; i++) {
      store.append(READINGS, new Reading("h", i), JSON);
    }
    store.awaitDurable(store.sync(), Duration.ofSeconds(5));
    Duration window = Duration.ofMillis(1500);

    // Closed right after the PUBACKs: none is confirmed yet (no probe a window later answered),
    // so the cursor stays where it was.
    MqttLink first = link(broker, 5, store, Duration.ofMillis(50), window);
    Runnel r1 = Runnel.builder().connector(first).build().start();
    sub.take(200, WAIT);
    awaitStatus(
        first, "200 acknowledged", WAIT, s -> counter(s, "history.mqtt-readings.acked") == 200);
    r1.close();
    assertThat(store.cursor("mqtt-readings").position()).as("cursor after a hasty close").isZero();

    // The next run resends them; staying up longer than the window, a probe confirms them.
    MqttLink second = link(broker, 5, store, Duration.ofMillis(50), window);
    Runnel r2 = Runnel.builder().connector(second).build().start();
    assertThat(numbers(sub.take(200, WAIT))).containsExactlyElementsOf(range(0, 200));
    awaitStatus(
        second,
        "confirmed and committed while running",
        WAIT,
        s -> counter(s, "history.mqtt-readings.position") == 200);
    assertThat(counter(second.status(), "history.mqtt-readings.probes")).isPositive();
    r2.close();
    assertThat(store.cursor("mqtt-readings").position()).isEqualTo(200);
  }

  private static List<Long> numbers(List<Received> got) {
    return got.stream()
        .map(x -> JSON.decode(x.payload().getBytes(StandardCharsets.UTF_8)).n())
        .toList();
  }

  private static List<Long> range(long from, long to) {
    List<Long> l = new ArrayList<>();
    for (long i = from; i < to; i++) {
      l.add(i);
    }
    return l;
  }
}
