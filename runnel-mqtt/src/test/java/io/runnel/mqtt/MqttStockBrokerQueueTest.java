package io.runnel.mqtt;

import static io.runnel.mqtt.TestSupport.JSON;
import static io.runnel.mqtt.TestSupport.awaitStatus;
import static io.runnel.mqtt.TestSupport.counter;
import static io.runnel.mqtt.TestSupport.key;
import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.RecordKey;
import io.runnel.Runnel;
import io.runnel.mqtt.TestClient.Received;
import io.runnel.mqtt.TestSupport.Reading;
import io.runnel.store.HistoryStore;
import io.runnel.store.StoreConfig;
import io.runnel.testbed.Mosquitto;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The history route's resend burst against a stock Mosquitto ({@code max_queued_messages} 1000, the
 * default), whose persistent subscriber is slow: the broker PUBACKs every message to the link and
 * silently drops, for that subscriber, whatever passes its queue. The broker's own count of dropped
 * messages ({@code $SYS/broker/publish/messages/dropped}) is the independent witness.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MqttStockBrokerQueueTest {

  private static final RecordKey READINGS = key("sensor.readings");
  private static final String TOPIC = "stock/readings";
  private static final String DROPPED = "$SYS/broker/publish/messages/dropped";

  /** The backlog an outage left in the store: four times the broker's queue. */
  private static final int TOTAL = 4000;

  /**
   * The slow subscriber (MQTT 3.1.1, so Mosquitto lets 20 be unacknowledged to it) takes 1 ms per
   * message: at most 1000 messages/s, less on a loaded machine.
   */
  private static final long HANDLE_NANOS = 1_000_000;

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

  /** A stock broker (no persistence) that publishes its $SYS counters every second. */
  private Mosquitto stockBroker() throws Exception {
    Mosquitto.Options o = new Mosquitto.Options().stockQueues();
    o.extra.add("sys_interval 1");
    return later(TestSupport.mosquitto(tmp.resolve("broker"), o));
  }

  /** A client that follows the broker's count of dropped messages on $SYS. */
  private TestClient sysWatcher(Mosquitto broker) throws Exception {
    return later(TestClient.connect(broker.port())).subscribe(DROPPED);
  }

  /** The broker's count of dropped messages, as last published on $SYS (-1: none yet). */
  private static long droppedByBroker(TestClient sys) {
    long dropped = -1;
    Received x;
    while ((x = sys.received.poll()) != null) {
      dropped = Long.parseLong(x.payload().trim());
    }
    return dropped;
  }

  private HistoryStore backlog() throws Exception {
    HistoryStore store =
        later(HistoryStore.open(StoreConfig.builder(tmp.resolve("store")).build()));
    for (long i = 0; i < TOTAL; i++) {
      store.append(READINGS, new Reading("s", i), JSON);
    }
    store.awaitDurable(store.sync(), Duration.ofSeconds(5));
    return store;
  }

  /** What a run delivered: distinct readings at the subscriber, the broker's drop count. */
  record Outcome(
      int received, long messages, long droppedByBroker, long ackedMillis, long millis) {}

  /**
   * The outage is over: the link comes back first and resends the backlog, while the subscriber
   * (persistent session, QoS 1) is still away for {@code awayMillis} (its own reconnect backoff),
   * then comes back and takes its messages at its pace. Waits until the link has everything
   * acknowledged and the subscriber has had 3 s of quiet.
   */
  private Outcome run(String label, MqttLink.Builder linkConfig, long awayMillis) throws Exception {
    Mosquitto broker = stockBroker();
    TestClient sys = sysWatcher(broker);
    SlowSubscriber.connect(broker.port(), "slow-sub", TOPIC, HANDLE_NANOS).disconnect();
    HistoryStore store = backlog();
    MqttLink link = linkConfig.broker("127.0.0.1", broker.port()).clientId("stock-link").build();
    link.publishHistory(store, READINGS, JSON, TOPIC, "mqtt-stock");
    long t0 = System.nanoTime();
    Runnel r = later(Runnel.builder().connector(link).build().start());
    Thread.sleep(awayMillis); // the subscriber is away: a fixed span is what this test is about
    SlowSubscriber sub =
        later(SlowSubscriber.connect(broker.port(), "slow-sub", TOPIC, HANDLE_NANOS));
    awaitStatus(
        link,
        "everything acknowledged by the broker",
        Duration.ofSeconds(40),
        s -> counter(s, "history.mqtt-stock.acked") >= TOTAL);
    long ackedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    Set<Long> numbers = ConcurrentHashMap.newKeySet();
    long messages = 0;
    long quietSince = System.nanoTime();
    while (numbers.size() < TOTAL && System.nanoTime() - quietSince < 3_000_000_000L) {
      byte[] x = sub.received.poll(100, TimeUnit.MILLISECONDS);
      if (x != null) {
        messages++;
        numbers.add(JSON.decode(x).n());
        quietSince = System.nanoTime();
      }
    }
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    Thread.sleep(1500); // the broker publishes $SYS every second
    Outcome o = new Outcome(numbers.size(), messages, droppedByBroker(sys), ackedMillis, millis);
    System.out.printf(
        "stock broker, %s, subscriber away %d ms: %d of %d readings arrived (%d messages),"
            + " broker dropped %d; all acknowledged after %d ms, done after %d ms; link %s%n",
        label,
        awayMillis,
        o.received(),
        TOTAL,
        o.messages(),
        o.droppedByBroker(),
        o.ackedMillis(),
        o.millis(),
        link.status().counters());
    assertThat(sub.disconnects.get()).as("subscriber disconnects").isZero();
    r.close();
    return o;
  }

  /** The resend pace of the paced runs: well below the subscriber's ~1000/s. */
  private static final int RATE = 400;

  @Test
  void unpacedTheResendOutrunsTheBrokersQueueForASubscriberThatIsStillAway() throws Exception {
    // The reproduction: the broker acknowledges all 4000 to the link, keeps 1000 for the
    // subscriber and drops the rest, silently for the link.
    Outcome o = run("unpaced link", MqttLink.builder(), 1500);
    assertThat(o.droppedByBroker()).as("dropped by the broker").isEqualTo(TOTAL - 1000);
    assertThat(o.received()).as("readings at the subscriber").isEqualTo(1000);
  }

  @Test
  void pacedASubscriberThatKeepsUpGetsEveryReadingFromAStockBroker() throws Exception {
    // 1.5 s away at 400/s is 600 (+ a burst of 20) queued: within the broker's 1000; then the
    // subscriber takes ~1000/s, faster than the pace.
    Outcome o = run("link paced at " + RATE + "/s", MqttLink.builder().historyRate(RATE), 1500);
    assertThat(o.droppedByBroker()).as("dropped by the broker").isZero();
    assertThat(o.received()).as("readings at the subscriber").isEqualTo(TOTAL);
    assertThat(o.ackedMillis())
        .as("the pace held")
        .isGreaterThanOrEqualTo((TOTAL - 20) * 1000L / RATE);
  }

  @Test
  void pacedASubscriberAwayLongerThanItsQueueLastsStillLoses() throws Exception {
    // What pacing cannot save: away 4 s at 400/s is ~1620 messages for a queue of 1000.
    Outcome o = run("link paced at " + RATE + "/s", MqttLink.builder().historyRate(RATE), 4000);
    assertThat(o.droppedByBroker()).as("dropped by the broker").isBetween(400L, 900L);
    assertThat(o.received() + o.droppedByBroker()).isEqualTo(TOTAL);
  }
}
