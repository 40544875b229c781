package io.runnel.mqtt;

import static io.runnel.mqtt.TestSupport.JSON;
import static io.runnel.mqtt.TestSupport.await;
import static io.runnel.mqtt.TestSupport.key;
import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.internal.mqtt.datatypes.MqttUserPropertiesImpl;
import com.hivemq.client.internal.mqtt.message.publish.puback.MqttPubAck;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import io.runnel.RecordKey;
import io.runnel.mqtt.TestSupport.Reading;
import io.runnel.store.HistoryStore;
import io.runnel.store.StoreConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The history route against a scripted link: PUBACK codes, confirmation, pacing. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HistoryRouteTest {

  private static final RecordKey READINGS = key("sensor.readings");
  private static final Duration WAIT = Duration.ofSeconds(10);

  @TempDir Path tmp;
  private HistoryStore store;
  private FakeLink link;
  private Thread thread;

  @AfterEach
  void tearDown() throws Exception {
    if (link != null) {
      link.stopping = true;
      link.closeDeadline = System.nanoTime();
    }
    if (thread != null) {
      thread.join(5000);
    }
    if (store != null) {
      store.close();
    }
  }

  /** A link whose broker answers each publish as the test says. */
  static class FakeLink implements RouteLink {
    volatile boolean connected = true;
    volatile boolean stopping;
    volatile long closeDeadline;
    final List<Long> published = new CopyOnWriteArrayList<>();
    final List<Long> publishedAt = new CopyOnWriteArrayList<>();
    final Map<Long, AtomicInteger> attempts = new ConcurrentHashMap<>();
    final List<String> errors = new CopyOnWriteArrayList<>();
    volatile BiFunction<Long, Integer, CompletableFuture<Void>> broker =
        (seq, attempt) -> CompletableFuture.completedFuture(null);

    @Override
    public boolean isConnected() {
      return connected;
    }

    @Override
    public void awaitConnected(long millis) {
      try {
        Thread.sleep(Math.min(millis, 20));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public boolean stopping() {
      return stopping;
    }

    @Override
    public long closeDeadline() {
      return closeDeadline;
    }

    final java.util.concurrent.atomic.AtomicLong sessionLosses =
        new java.util.concurrent.atomic.AtomicLong();

    @Override
    public long sessionLosses() {
      return sessionLosses.get();
    }

    final java.util.concurrent.atomic.AtomicLong connection =
        new java.util.concurrent.atomic.AtomicLong(1);
    final AtomicInteger probes = new AtomicInteger();

    /** Answers probes (on the current connection) unless false: a broker that went silent. */
    volatile boolean answering = true;

    @Override
    public long connection() {
      return connection.get();
    }

    @Override
    public CompletableFuture<Long> probe() {
      probes.incrementAndGet();
      return answering
          ? CompletableFuture.completedFuture(connection.get())
          : new CompletableFuture<>();
    }

    @Override
    public CompletableFuture<Void> publish(
        String topic, byte[] payload, Qos qos, boolean retain, long sequence, Wire.Stamp stamp) {
      published.add(sequence);
      publishedAt.add(System.nanoTime());
      int attempt = attempts.computeIfAbsent(sequence, s -> new AtomicInteger()).incrementAndGet();
      return broker.apply(sequence, attempt);
    }

    @Override
    public void error(String what, Throwable cause) {
      errors.add(what + (cause == null ? "" : ": " + cause));
    }
  }

  static CompletableFuture<Void> rejected(Mqtt5PubAckReasonCode code) {
    return CompletableFuture.failedFuture(
        new Mqtt5PubAckException(
            new MqttPubAck(1, code, null, MqttUserPropertiesImpl.NO_USER_PROPERTIES),
            "PUBACK contained an Error Code"));
  }

  private HistoryRoute<Reading> route(int entries, Duration replayWindow) throws Exception {
    return route(entries, replayWindow, 256);
  }

  private HistoryRoute<Reading> route(int entries, Duration replayWindow, int maxInflight)
      throws Exception {
    return route(entries, replayWindow, maxInflight, 0);
  }

  private HistoryRoute<Reading> route(int entries, Duration replayWindow, int maxInflight, int rate)
      throws Exception {
    store = HistoryStore.open(StoreConfig.builder(tmp.resolve("store")).build());
    for (long i = 0; i < entries; i++) {
      store.append(READINGS, new Reading("h", i), JSON);
    }
    store.awaitDurable(store.sync(), Duration.ofSeconds(5));
    return new HistoryRoute<>(
        link,
        store,
        io.runnel.store.KeySelector.of(READINGS),
        JSON,
        "t",
        null,
        "route",
        maxInflight,
        replayWindow,
        rate);
  }

  private void start(HistoryRoute<?> route) {
    thread = Thread.ofPlatform().daemon().name("route-under-test").start(route);
  }

  private static long counter(HistoryRoute<?> route, String name) {
    Map<String, Long> c = new TreeMap<>();
    route.addCounters(c);
    return c.getOrDefault("history.route." + name, -1L);
  }

  private static Map<String, Long> counters(HistoryRoute<?> route) {
    Map<String, Long> c = new TreeMap<>();
    route.addCounters(c);
    return c;
  }

  @Test
  void aTransientPubackCodeIsRetriedAndAFinalOneSkipped() throws Exception {
    link = new FakeLink();
    link.broker =
        (seq, attempt) ->
            seq == 2 && attempt <= 2
                ? rejected(Mqtt5PubAckReasonCode.QUOTA_EXCEEDED) // 0x97: try again later
                : seq == 4
                    ? rejected(Mqtt5PubAckReasonCode.NOT_AUTHORIZED) // 0x87: final
                    : CompletableFuture.completedFuture(null);
    HistoryRoute<Reading> route = route(6, Duration.ZERO);
    start(route);
    await(
        "the cursor past every entry",
        WAIT,
        () -> route.position() == 6,
        () -> counters(route) + " published " + link.published);
    assertThat(link.attempts.get(2L).get()).as("attempts of the quota-exceeded entry").isEqualTo(3);
    assertThat(link.attempts.get(4L).get()).as("attempts of the unauthorized entry").isEqualTo(1);
    assertThat(counter(route, "rejected")).isEqualTo(1);
    assertThat(counter(route, "retried")).isEqualTo(2);
  }

  @Test
  void aReplayAfterAReconnectNeverHasMoreThanMaxInflightUnacknowledged() throws Exception {
    link = new FakeLink();
    List<CompletableFuture<Void>> unanswered = new CopyOnWriteArrayList<>();
    link.broker =
        (seq, attempt) -> {
          CompletableFuture<Void> f = new CompletableFuture<>();
          unanswered.add(f); // the client holds them, as HiveMQ does across a reconnect
          return f;
        };
    HistoryRoute<Reading> route = route(100, Duration.ZERO, 10);
    start(route);
    await("a full window", WAIT, () -> link.published.size() == 10, () -> link.published);

    link.sessionLosses.incrementAndGet(); // the broker came back without the session
    link.connection.incrementAndGet();
    Thread.sleep(500);
    assertThat(unanswered.stream().filter(f -> !f.isDone()))
        .as("unacknowledged publishes after the reconnect, the old ones included")
        .hasSizeLessThanOrEqualTo(10);

    link.broker = (seq, attempt) -> CompletableFuture.completedFuture(null);
    for (CompletableFuture<Void> f : unanswered) {
      f.complete(null); // acknowledged after all, on the new connection
    }
    await(
        "the cursor past every entry",
        WAIT,
        () -> route.position() == 100,
        () -> counters(route) + " published " + link.published.size());
    assertThat(counter(route, "rewinds")).isEqualTo(1);
  }

  @Test
  void aRateSpacesTheResendSoThatNoSpanCarriesMoreThanABurstBeyondTheRate() throws Exception {
    link = new FakeLink(); // acknowledges at once: only the pace holds the route back
    int rate = 200;
    int entries = 300;
    HistoryRoute<Reading> route = route(entries, Duration.ZERO, 256, rate);
    long t0 = System.nanoTime();
    start(route);
    await("all published", WAIT, () -> link.published.size() >= entries, () -> counters(route));
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    List<Long> at = link.publishedAt;
    int burst = Pacer.burstOf(rate); // 10
    // any span of d ns holds at most burst + d * rate / 1 s publishes (+1 for rounding)
    for (int i = 0; i < at.size(); i++) {
      for (int j = i + 1; j < at.size(); j++) {
        long d = at.get(j) - at.get(i);
        assertThat(j - i + 1L)
            .as("publishes %d..%d within %d us", i, j, d / 1000)
            .isLessThanOrEqualTo(burst + d * rate / 1_000_000_000L + 1);
      }
    }
    // and the route keeps the pace, not slower: (300 - 10) / 200 s = 1.45 s, well under 3 s
    assertThat(millis).isBetween(1_400L, 3_000L);
    assertThat(counter(route, "paced")).isPositive();
    await(
        "everything committed",
        WAIT,
        () -> counter(route, "position") == entries,
        () -> counters(route));
  }
}
