package io.runnel.mqtt;

import static io.runnel.mqtt.TestSupport.awaitStatus;
import static io.runnel.mqtt.TestSupport.counter;
import static io.runnel.mqtt.TestSupport.key;
import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.RecordKey;
import io.runnel.Runnel;
import io.runnel.buffer.Producer;
import io.runnel.codec.Codec;
import io.runnel.spi.ConnectorStatus;
import io.runnel.testbed.Mosquitto;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The link's hand-over queues are bounded in bytes as well as messages: a gateway forwarding 1 MiB
 * payloads must not hold its count bound's worth of them (10 000 MiB by default) while the broker
 * is away, or while a subscription's source is slow.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MqttQueueBytesTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final int MIB = 1 << 20;
  private static final RecordKey OUT = key("bytes.out");
  private static final RecordKey IN = key("bytes.in");

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
  void theOfflineQueueHoldsAtMostItsByteBoundOfLargePayloads() throws Exception {
    int port = Mosquitto.freePort(); // nothing listens there: the broker is unreachable
    MqttLink link =
        MqttLink.builder()
            .broker("127.0.0.1", port)
            .reconnect(Duration.ofMillis(20), Duration.ofMillis(200))
            .build(); // default bounds: 10 000 messages, 8 MiB
    Runnel r =
        later(
            Runnel.builder()
                .connector(link)
                .configure(
                    byte[].class,
                    OUT,
                    c ->
                        c.external()
                            .tapTask(
                                "mqtt", link.publish(Codec.bytes(1), "big/out", Qos.AT_LEAST_ONCE)))
                .build()
                .start());
    Producer<byte[]> p = r.producer(byte[].class, OUT);
    int n = 20;
    for (int i = 0; i < n; i++) {
      p.produce(new byte[MIB]); // never blocks
      Thread.sleep(5); // let the tap keep up with the record's ring
    }
    awaitStatus(
        link,
        "all 20 queued or dropped",
        WAIT,
        s -> counter(s, "queued") + counter(s, "dropped") == n);
    ConnectorStatus s = link.status();
    assertThat(counter(s, "queued")).as("1 MiB messages held in 8 MiB").isEqualTo(8);
    assertThat(counter(s, "dropped")).isEqualTo(n - 8);
    assertThat(counter(s, "queuedBytes")).isEqualTo(8L * MIB);
    assertThat(s.backlog()).isEqualTo(8);
  }

  @Test
  void aSmallerByteBoundHoldsFewerAndAPayloadLargerThanItIsDroppedAtOnce() throws Exception {
    MqttLink link =
        MqttLink.builder()
            .broker("127.0.0.1", Mosquitto.freePort())
            .offlineQueueBytes(3L * MIB)
            .build();
    Runnel r =
        later(
            Runnel.builder()
                .connector(link)
                .configure(
                    byte[].class,
                    OUT,
                    c ->
                        c.external()
                            .tapTask(
                                "mqtt", link.publish(Codec.bytes(1), "big/out", Qos.AT_MOST_ONCE)))
                .build()
                .start());
    Producer<byte[]> p = r.producer(byte[].class, OUT);
    p.produce(new byte[4 * MIB]); // larger than the bound on its own
    Thread.sleep(5);
    for (int i = 0; i < 5; i++) {
      p.produce(new byte[MIB]);
      Thread.sleep(5);
    }
    awaitStatus(
        link, "6 queued or dropped", WAIT, s -> counter(s, "queued") + counter(s, "dropped") == 6);
    ConnectorStatus s = link.status();
    assertThat(counter(s, "queued")).isEqualTo(3);
    assertThat(counter(s, "queuedBytes")).isEqualTo(3L * MIB);
    assertThat(counter(s, "dropped")).isEqualTo(3);
  }

  @Test
  void aSlowSubscriptionHoldsAtMostItsByteBoundOfLargePayloads() throws Exception {
    Mosquitto broker = later(TestSupport.mosquitto(tmp.resolve("broker")));
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch decoding = new CountDownLatch(1);
    Codec<byte[]> stuck =
        new Codec<>() {
          @Override
          public long id() {
            return 2;
          }

          @Override
          public String schema() {
            return "bytes, slowly";
          }

          @Override
          public byte[] encode(byte[] value) {
            return value;
          }

          @Override
          public byte[] decode(byte[] bytes) {
            decoding.countDown();
            try {
              release.await(); // the source is stuck on the first message
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            return bytes;
          }
        };
    MqttLink link =
        MqttLink.builder()
            .broker("127.0.0.1", broker.port())
            .reconnect(Duration.ofMillis(50), Duration.ofMillis(500))
            .build(); // default bounds: 10 000 messages, 8 MiB per subscription
    later(
        Runnel.builder()
            .connector(link)
            .configure(
                byte[].class, IN, c -> c.source(link.subscribe("big/in", stuck, Qos.AT_LEAST_ONCE)))
            .build()
            .start());
    awaitStatus(link, "subscribed", WAIT, s -> counter(s, "subscribed") == 1);
    try (TestClient pub = TestClient.connect(broker.port())) {
      pub.publish("big/in", new byte[MIB]);
      assertThat(decoding.await(10, TimeUnit.SECONDS)).isTrue();
      int n = 20;
      for (int i = 0; i < n; i++) {
        pub.publish("big/in", new byte[MIB]);
      }
      // 20 arrive while the source decodes the first: 8 are held, 12 dropped
      awaitStatus(link, "12 dropped", WAIT, s -> counter(s, "inboundDropped") == n - 8);
      assertThat(counter(link.status(), "inboundQueuedBytes")).isEqualTo(8L * MIB);
    } finally {
      release.countDown();
    }
    awaitStatus(link, "the held 8 and the first received", WAIT, s -> counter(s, "received") == 9);
  }
}
