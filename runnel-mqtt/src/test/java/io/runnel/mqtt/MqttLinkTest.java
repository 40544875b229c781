package io.runnel.mqtt;

import static io.runnel.mqtt.TestSupport.JSON;
import static io.runnel.mqtt.TestSupport.awaitStatus;
import static io.runnel.mqtt.TestSupport.counter;
import static io.runnel.mqtt.TestSupport.key;
import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.RecordKey;
import io.runnel.Runnel;
import io.runnel.buffer.Producer;
import io.runnel.buffer.Reader;
import io.runnel.mqtt.TestClient.Received;
import io.runnel.mqtt.TestSupport.Reading;
import io.runnel.spi.ConnectorStatus;
import io.runnel.testbed.Mosquitto;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The link against a real Mosquitto: outbound, inbound, dead letters, credentials, outages. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MqttLinkTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final RecordKey QOS1 = key("live.qos1");
  private static final RecordKey QOS0 = key("live.qos0");
  private static final RecordKey COMMANDS = key("inbound.commands");
  private static final RecordKey DEAD = key("inbound.dead");

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

  private Mosquitto broker() throws Exception {
    return later(TestSupport.mosquitto(tmp.resolve("broker")));
  }

  private static MqttLink.Builder link(Mosquitto broker, int version) {
    return MqttLink.builder()
        .broker("127.0.0.1", broker.port())
        .version(version)
        .reconnect(Duration.ofMillis(50), Duration.ofMillis(500));
  }

  @ParameterizedTest(name = "MQTT {0}")
  @ValueSource(ints = {3, 5})
  void publishesLiveValuesAtQos0And1(int version) throws Exception {
    Mosquitto broker = broker();
    TestClient sub = later(TestClient.connect(broker.port()).subscribe("live/#"));
    MqttLink link = link(broker, version).build();
    Runnel r =
        later(
            Runnel.builder()
                .connector(link)
                .configure(
                    Reading.class,
                    QOS1,
                    c ->
                        c.external()
                            .tapTask("mqtt", link.publish(JSON, "live/qos1", Qos.AT_LEAST_ONCE)))
                .configure(
                    Reading.class,
                    QOS0,
                    c ->
                        c.external()
                            .tapTask("mqtt", link.publish(JSON, "live/qos0", Qos.AT_MOST_ONCE)))
                .build()
                .start());
    awaitStatus(link, "connected", WAIT, ConnectorStatus::connected);
    Producer<Reading> p1 = r.producer(Reading.class, QOS1);
    Producer<Reading> p0 = r.producer(Reading.class, QOS0);
    for (int i = 0; i < 100; i++) {
      p1.produce(new Reading("a", i));
      p0.produce(new Reading("b", i));
    }
    List<Received> got = sub.take(200, WAIT);
    List<Long> qos1 = numbers(got, "live/qos1");
    List<Long> qos0 = numbers(got, "live/qos0");
    assertThat(qos1).hasSize(100).isSorted().doesNotHaveDuplicates();
    assertThat(qos0).hasSize(100).isSorted().doesNotHaveDuplicates();
    awaitStatus(link, "200 sent", WAIT, s -> counter(s, "sent") == 200);

    ConnectorStatus s = TestSupport.status(r, "mqtt");
    assertThat(s.kind()).isEqualTo("mqtt");
    assertThat(s.connected()).isTrue();
    assertThat(s.backlog()).isZero();
    assertThat(s.lastError()).isNull();
    assertThat(s.retries()).isZero();
    assertThat(r.inspect().toJson()).contains("\"mqtt\"");
  }

  @Test
  void computesTopicPerValueAndRetains() throws Exception {
    Mosquitto broker = broker();
    TestClient sub = later(TestClient.connect(broker.port()).subscribe("sensors/+"));
    MqttLink link = link(broker, 5).build();
    Runnel r =
        Runnel.builder()
            .connector(link)
            .configure(
                Reading.class,
                QOS1,
                c ->
                    c.external()
                        .tapTask(
                            "mqtt",
                            link.publish(
                                JSON, v -> "sensors/" + v.sensor(), Qos.AT_LEAST_ONCE, true)))
            .build()
            .start();
    try {
      awaitStatus(link, "connected", WAIT, ConnectorStatus::connected);
      Producer<Reading> p = r.producer(Reading.class, QOS1);
      p.produce(new Reading("kitchen", 1));
      p.produce(new Reading("garage", 2));
      p.produce(new Reading("kitchen", 3));
      List<Received> got = sub.take(3, WAIT);
      assertThat(got)
          .extracting(Received::topic)
          .containsExactly("sensors/kitchen", "sensors/garage", "sensors/kitchen");
      awaitStatus(link, "3 sent", WAIT, s -> counter(s, "sent") == 3);
    } finally {
      r.close();
    }
    // A subscriber arriving later gets the last retained value of each topic.
    try (TestClient late = TestClient.connect(broker.port()).subscribe("sensors/+")) {
      List<Received> retained = late.take(2, WAIT);
      assertThat(retained).allMatch(Received::retain);
      assertThat(retained)
          .extracting(x -> x.topic() + "=" + JSON.decode(bytes(x.payload())).n())
          .containsExactlyInAnyOrder("sensors/kitchen=3", "sensors/garage=2");
    }
  }

  @ParameterizedTest(name = "MQTT {0}")
  @ValueSource(ints = {3, 5})
  void wildcardSubscriptionWritesRecordAndBadPayloadsBecomeDeadLetters(int version)
      throws Exception {
    Mosquitto broker = broker();
    MqttLink link = link(broker, version).deadLetters(DEAD).build();
    Runnel r =
        later(
            Runnel.builder()
                .connector(link)
                .configure(
                    Reading.class,
                    COMMANDS,
                    c -> c.source(link.subscribe("cmd/+/set", JSON, Qos.AT_LEAST_ONCE)))
                .configure(DeadLetter.class, DEAD, c -> c.external())
                .build());
    Reader<Reading> in = r.subscribe(Reading.class, COMMANDS);
    Reader<DeadLetter> dead = r.subscribe(DeadLetter.class, DEAD);
    r.start();
    awaitStatus(link, "subscribed", WAIT, s -> counter(s, "subscribed") == 1);

    TestClient pub = later(TestClient.connect(broker.port()));
    pub.publish("cmd/a/set", "{\"sensor\":\"a\",\"n\":1}");
    pub.publish("cmd/b/other", "{\"sensor\":\"b\",\"n\":99}"); // not matched
    pub.publish("cmd/c/set", "not json at all");
    pub.publish("cmd/d/set", "{\"sensor\":\"d\",\"n\":2}");

    assertThat(in.recv(WAIT)).isEqualTo(new Reading("a", 1));
    assertThat(in.recv(WAIT)).isEqualTo(new Reading("d", 2)); // the link kept working
    DeadLetter d = dead.recv(WAIT);
    assertThat(d).isNotNull();
    assertThat(d.topic()).isEqualTo("cmd/c/set");
    assertThat(new String(d.payload(), StandardCharsets.UTF_8)).isEqualTo("not json at all");
    assertThat(d.error()).isNotBlank();

    ConnectorStatus s = link.status();
    assertThat(s.deadLetters()).isEqualTo(1);
    assertThat(counter(s, "received")).isEqualTo(2);
    assertThat(s.lastError()).contains("cmd/c/set").contains("does not decode");
    assertThat(in.recv(Duration.ofMillis(200))).isNull(); // cmd/b/other never arrived
  }

  @ParameterizedTest(name = "MQTT {0}")
  @ValueSource(ints = {3, 5})
  void resubscribesAfterTheBrokerLostEverything(int version) throws Exception {
    Mosquitto broker = broker(); // no persistence: a restart forgets every session
    MqttLink link = link(broker, version).clientId("resubscriber-" + version).build();
    Runnel r =
        later(
            Runnel.builder()
                .connector(link)
                .configure(
                    Reading.class,
                    COMMANDS,
                    c -> c.source(link.subscribe("cmd/#", JSON, Qos.AT_LEAST_ONCE)))
                .build());
    Reader<Reading> in = r.subscribe(Reading.class, COMMANDS);
    r.start();
    awaitStatus(link, "subscribed", WAIT, s -> counter(s, "subscribed") == 1);
    try (TestClient pub = TestClient.connect(broker.port())) {
      pub.publish("cmd/x", "{\"sensor\":\"before\",\"n\":0}");
    }
    assertThat(in.recv(WAIT)).isEqualTo(new Reading("before", 0));

    broker.kill();
    awaitStatus(link, "disconnected", WAIT, s -> !s.connected());
    broker.restart();
    awaitStatus(link, "reconnected", WAIT, s -> s.connected() && counter(s, "connects") == 2);

    // The new broker knows nothing of the link's subscription; only a resubscribe brings this in.
    Reading got = null;
    try (TestClient pub = TestClient.connect(broker.port())) {
      for (int i = 1; got == null && i <= 50; i++) {
        pub.publish("cmd/x", "{\"sensor\":\"after\",\"n\":" + i + "}");
        got = in.recv(Duration.ofMillis(200));
      }
    }
    assertThat(got).as("a message after the broker restart").isNotNull();
    assertThat(got.sensor()).isEqualTo("after");
    assertThat(link.status().retries()).isPositive();
    assertThat(link.status().lastError()).contains("127.0.0.1:" + broker.port()); // lost, refused
    assertThat(counter(link.status(), "sessionLosses")).isEqualTo(1);
  }

  @Test
  void credentialsAreUsedAndAWrongPasswordIsAClearStatusError() throws Exception {
    Path passwd = tmp.resolve("passwd");
    Assumptions.assumeTrue(
        Files.isExecutable(Path.of("/usr/bin/mosquitto_passwd")),
        "mosquitto_passwd not found (it ships with mosquitto): credentials case skipped");
    Process p =
        new ProcessBuilder(
                "/usr/bin/mosquitto_passwd", "-b", "-c", passwd.toString(), "robot", "s3cret")
            .redirectErrorStream(true)
            .start();
    assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(new String(p.getInputStream().readAllBytes())).isZero();
    Mosquitto broker =
        later(
            TestSupport.mosquitto(
                tmp.resolve("broker"), new Mosquitto.Options().passwords(passwd)));

    // Right password: a round trip through the broker, in and out of one link.
    MqttLink good = link(broker, 5).credentials("robot", "s3cret").build();
    Runnel r =
        later(
            Runnel.builder()
                .connector(good)
                .configure(
                    Reading.class,
                    QOS1,
                    c ->
                        c.external()
                            .tapTask("mqtt", good.publish(JSON, "auth/t", Qos.AT_LEAST_ONCE)))
                .configure(
                    Reading.class,
                    COMMANDS,
                    c -> c.source(good.subscribe("auth/t", JSON, Qos.AT_LEAST_ONCE)))
                .build());
    Reader<Reading> in = r.subscribe(Reading.class, COMMANDS);
    r.start();
    awaitStatus(good, "subscribed", WAIT, s -> counter(s, "subscribed") == 1);
    r.producer(Reading.class, QOS1).produce(new Reading("auth", 7));
    assertThat(in.recv(WAIT)).isEqualTo(new Reading("auth", 7));

    // Wrong password, both protocol versions: not connected, a clear error, retries, no crash.
    for (int version : new int[] {3, 5}) {
      MqttLink bad =
          MqttLink.builder()
              .name("mqtt-bad")
              .broker("127.0.0.1", broker.port())
              .version(version)
              .credentials("robot", "wrong")
              .reconnect(Duration.ofMillis(20), Duration.ofMillis(100))
              .build();
      Runnel r2 =
          Runnel.builder()
              .connector(bad)
              .configure(
                  Reading.class,
                  QOS0,
                  c -> c.external().tapTask("mqtt", bad.publish(JSON, "auth/t", Qos.AT_LEAST_ONCE)))
              .build()
              .start();
      try {
        awaitStatus(bad, "two failed attempts", WAIT, s -> s.retries() >= 2);
        ConnectorStatus s = TestSupport.status(r2, "mqtt-bad");
        assertThat(s.connected()).isFalse();
        assertThat(s.lastError())
            .containsAnyOf("NOT_AUTHORIZED", "BAD_USER_NAME_OR_PASSWORD")
            .contains("check the link's credentials")
            .contains("127.0.0.1:" + broker.port());
        r2.producer(Reading.class, QOS0).produce(new Reading("queued", 1));
        awaitStatus(bad, "queued while refused", WAIT, x -> x.backlog() == 1);
      } finally {
        long t0 = System.nanoTime();
        r2.close();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
      }
    }
  }

  @Test
  void offlineQueueIsBoundedDropsOldestAndDrainsOnConnect() throws Exception {
    int port = Mosquitto.freePort(); // nothing listens there yet
    MqttLink link =
        MqttLink.builder()
            .broker("127.0.0.1", port)
            .offlineQueue(10)
            .reconnect(Duration.ofMillis(20), Duration.ofMillis(200))
            .build();
    Runnel r =
        later(
            Runnel.builder()
                .connector(link)
                .configure(
                    Reading.class,
                    QOS1,
                    c ->
                        c.external()
                            .tapTask("mqtt", link.publish(JSON, "offline/t", Qos.AT_LEAST_ONCE)))
                .build()
                .start());
    Producer<Reading> p = r.producer(Reading.class, QOS1);
    long t0 = System.nanoTime();
    for (int i = 0; i < 25; i++) {
      p.produce(new Reading("o", i)); // never blocks, broker or not
    }
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(1));
    awaitStatus(link, "15 dropped", WAIT, s -> counter(s, "dropped") == 15);
    ConnectorStatus s = link.status();
    assertThat(s.connected()).isFalse();
    assertThat(s.backlog()).isEqualTo(10);
    // the drops are the producer's doing and can come before the first connect attempt has failed
    awaitStatus(link, "retrying", WAIT, x -> x.retries() >= 2);
    assertThat(link.status().lastError()).contains("cannot connect to 127.0.0.1:" + port);

    Mosquitto broker =
        later(TestSupport.mosquitto(tmp.resolve("broker"), port, new Mosquitto.Options()));
    awaitStatus(link, "the 10 newest sent", WAIT, x -> counter(x, "sent") == 10);
    assertThat(link.status().backlog()).isZero();
    assertThat(link.status().connected()).isTrue();
    assertThat(broker.isRunning()).isTrue();
  }

  @Test
  void closeIsBoundedAndLeavesNothingThatKeepsTheJvmAlive() throws Exception {
    Mosquitto broker = broker();
    MqttLink link =
        link(broker, 3).clientId("closer").build(); // 3.1.1: a session that never expires
    Runnel r = Runnel.builder().connector(link).build().start();
    awaitStatus(link, "connected", WAIT, ConnectorStatus::connected);
    long t0 = System.nanoTime();
    r.close();
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
    assertThat(link.status().connected()).isFalse();
    assertThat(
            Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && !t.isDaemon())
                .map(Thread::getName)
                .filter(n -> n.startsWith("runnel-mqtt") || n.contains("closer")))
        .isEmpty();
  }

  @Test
  void aLinkThatIsNotRegisteredSaysSo() throws Exception {
    MqttLink link = MqttLink.builder().broker("127.0.0.1", 1883).build();
    var task = link.publish(JSON, "x", Qos.AT_MOST_ONCE);
    try {
      task.run(null, null);
      throw new AssertionError("expected an error");
    } catch (IllegalStateException e) {
      assertThat(e).hasMessageContaining("connector(link)");
    }
  }

  private static List<Long> numbers(List<Received> got, String topic) {
    return got.stream()
        .filter(x -> x.topic().equals(topic))
        .map(x -> JSON.decode(bytes(x.payload())).n())
        .toList();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
