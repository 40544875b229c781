package io.runnel.kafka;

import static io.runnel.kafka.TestSupport.CODEC;
import static io.runnel.kafka.TestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.RecordKey;
import io.runnel.Runnel;
import io.runnel.kafka.TestSupport.Reading;
import io.runnel.store.HistoryStore;
import io.runnel.store.Persist;
import io.runnel.store.StoreConfig;
import io.runnel.testbed.KafkaBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS against a real broker with an SSL listener (a self-signed certificate for 127.0.0.1): {@code
 * tlsTrust(pem)} forwards, host name verified; a link trusting another certificate does not connect
 * and says why.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class KafkaTlsTest {
  private static final RecordKey KEY = RecordKey.of("tls.readings");

  @TempDir static Path brokerDir;
  @TempDir Path tmp;
  private static KafkaBroker broker;

  @BeforeAll
  static void start() throws Exception {
    broker = KafkaBroker.startTls(brokerDir.resolve("kafka"));
  }

  @AfterAll
  static void stop() throws Exception {
    broker.close();
  }

  private static long cursor(HistoryStore store, String name) {
    try {
      return store.cursor(name).position();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Runnel pipeline(HistoryStore store, KafkaLink link) {
    return Runnel.builder()
        .name("tls")
        .connector(link)
        .configure(Reading.class, KEY, r -> r.external().hook(Persist.to(store, CODEC)))
        .build();
  }

  @Test
  void trustingTheBrokersCertificateForwardsAndAnotherCertificateIsAStatus() throws Exception {
    String topic = "tls-" + System.nanoTime();
    broker.createTopic(topic, 1);
    try (HistoryStore store = HistoryStore.open(StoreConfig.builder(tmp.resolve("s")).build())) {
      KafkaLink good =
          KafkaLink.builder(broker.bootstrap(), "tls-node").tlsTrust(broker.caPem()).build();
      good.publishHistory(store, KEY, topic, "kafka");
      try (Runnel r = pipeline(store, good).start()) {
        for (int i = 0; i < 100; i++) {
          r.producer(Reading.class, KEY).produce(new Reading("t", i, i));
        }
        await(
            "forwarded over TLS",
            Duration.ofSeconds(30),
            () -> cursor(store, "kafka") == 100,
            good::status);
        assertThat(good.toString()).contains("SSL");
      }
      // a PEM with a certificate that did not sign the broker's: the handshake fails
      Path other = tmp.resolve("other.pem");
      Files.writeString(other, Files.readString(TestCertificates.otherCertificate(tmp)));
      KafkaLink bad =
          KafkaLink.builder(broker.bootstrap(), "tls-node")
              .tlsTrust(other)
              .reconnect(Duration.ofMillis(50), Duration.ofMillis(500))
              .closeTimeout(Duration.ofSeconds(1))
              .build();
      bad.publishHistory(store, KEY, topic, "kafka-bad");
      try (Runnel r = pipeline(store, bad).start()) {
        await(
            "the status names the failure",
            Duration.ofSeconds(30),
            () -> bad.status().lastError() != null,
            bad::status);
        assertThat(bad.status().connected()).isFalse();
        assertThat(cursor(store, "kafka-bad")).isZero();
        assertThat(bad.status().lastError()).contains("SSL").contains("trust store");
        System.out.println("untrusted certificate: " + bad.status().lastError());
      }
    }
  }
}
