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

/**
 * The history route's claim under the outage it is hardest to notice: the broker's host loses power
 * (here: a relay in front of it turns into a blackhole, and the broker behind it is killed without
 * persistence, losing everything it had acknowledged but not yet delivered). The link notices only
 * by its keep-alive; until then its connection looks fine.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class MqttHistoryOutageTest {

  private static final RecordKey READINGS = key("sensor.readings");
  private static final String TOPIC = "outage/readings";
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

  @Test
  void everyAcknowledgedMessageArrivesWhenTheBrokerHostVanishesBehindABlackhole() throws Exception {
    Mosquitto broker = later(TestSupport.mosquitto(tmp.resolve("broker"))); // no persistence
    TcpRelay relay = later(new TcpRelay(broker.port()));
    // A consumer that is away during the run (its session kept): the broker acknowledges the
    // link's messages and queues them for it, in memory.
    TestClient sub = later(TestClient.connect(broker.port(), "outage-sub", true, null));
    sub.subscribe(TOPIC);
    sub.close();
    Set<Long> numbers = ConcurrentHashMap.newKeySet();
    long[] messages = {0};

    HistoryStore store =
        later(HistoryStore.open(StoreConfig.builder(tmp.resolve("store")).build()));
    int total = 1500;
    for (long i = 0; i < total; i++) {
      store.append(READINGS, new Reading("h", i), JSON);
    }
    store.awaitDurable(store.sync(), Duration.ofSeconds(5));

    MqttLink link =
        MqttLink.builder()
            .broker("127.0.0.1", relay.port())
            .clientId("outage-link")
            .keepAlive(Duration.ofSeconds(2))
            .reconnect(Duration.ofMillis(100), Duration.ofMillis(500))
            .build();
    link.publishHistory(store, READINGS, JSON, TOPIC, "mqtt-outage");
    long tStart = System.nanoTime();
    Runnel r = later(Runnel.builder().connector(link).build().start());
    String acked = "history.mqtt-outage.acked";
    awaitStatus(link, "all acknowledged", WAIT, s -> counter(s, acked) >= total);

    System.out.printf(
        "before the power cut (%d ms after start): %d acknowledged%n",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - tStart), counter(link.status(), acked));
    relay.blackhole(); // the broker's host loses power ...
    broker.kill(); // ... and with it what the broker acknowledged but had not delivered
    broker.restart(); // the host is back, with an empty broker
    TestClient sub2 = later(TestClient.connect(broker.port(), "outage-sub", true, null));
    sub2.subscribe(TOPIC); // the broker forgot the subscription too
    long t0 = System.nanoTime();
    awaitStatus(link, "the dead connection noticed", WAIT, s -> !s.connected());
    long detectMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    relay.restore();

    await(
        "all " + total + " readings at the subscriber",
        WAIT,
        () -> {
          drain(sub2, numbers, messages);
          return numbers.size() == total;
        },
        () -> missing(numbers, total) + "; link " + link.status());
    awaitStatus(
        link,
        "caught up and committed",
        WAIT,
        s ->
            s.connected()
                && s.backlog() == 0
                && counter(s, "history.mqtt-outage.position") == total);
    ConnectorStatus s = link.status();
    System.out.printf(
        "blackhole: %d readings, detection %d ms after the power cut,"
            + " %d messages at the subscriber (%d duplicates); status %s%n",
        total, detectMillis, messages[0], messages[0] - total, s.counters());
    assertThat(counter(s, "history.mqtt-outage.rejected")).isZero();
    r.close();
  }

  private static void drain(TestClient c, Set<Long> numbers, long[] messages) {
    Received x;
    while ((x = c.received.poll()) != null) {
      messages[0]++;
      numbers.add(JSON.decode(x.payload().getBytes(StandardCharsets.UTF_8)).n());
    }
  }

  private static String missing(Set<Long> numbers, long n) {
    TreeSet<Long> m = new TreeSet<>();
    for (long i = 0; i < n; i++) {
      if (!numbers.contains(i)) {
        m.add(i);
      }
    }
    return m.size() + " missing, first " + m.stream().limit(20).toList();
  }
}
