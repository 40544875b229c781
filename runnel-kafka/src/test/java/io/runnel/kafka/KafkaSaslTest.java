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
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * SASL/PLAIN against a real broker that requires it (on loopback, where plain TCP is allowed): the
 * right password forwards, a wrong one is a status naming the authentication failure (and never the
 * password).
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class KafkaSaslTest {
  private static final RecordKey KEY = RecordKey.of("sasl.readings");

  @TempDir static Path brokerDir;
  @TempDir Path tmp;
  private static KafkaBroker broker;

  @BeforeAll
  static void start() throws Exception {
    broker = KafkaBroker.start(brokerDir.resolve("kafka"), Map.of("alice", "alice-pw"));
  }

  @AfterAll
  static void stop() throws Exception {
    broker.close();
  }

  private static long cursor(HistoryStore store, String name) {
    try {
      return store.cursor(name).position();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private Runnel pipeline(HistoryStore store, KafkaLink link) {
    return Runnel.builder()
        .name("sasl")
        .connector(link)
        .configure(Reading.class, KEY, r -> r.external().hook(Persist.to(store, CODEC)))
        .build();
  }

  @Test
  void theRightPasswordForwardsAndAWrongOneIsAStatus() throws Exception {
    String topic = "sasl-" + System.nanoTime();
    broker.createTopic(topic, 1);
    try (HistoryStore store = HistoryStore.open(StoreConfig.builder(tmp.resolve("s")).build())) {
      KafkaLink good =
          KafkaLink.builder(broker.bootstrap(), "sasl-node").saslPlain("alice", "alice-pw").build();
      good.publishHistory(store, KEY, topic, "kafka");
      try (Runnel r = pipeline(store, good).start()) {
        for (int i = 0; i < 100; i++) {
          r.producer(Reading.class, KEY).produce(new Reading("s", i, i));
        }
        await(
            "forwarded over SASL",
            Duration.ofSeconds(30),
            () -> cursor(store, "kafka") == 100,
            good::status);
      }
      KafkaLink bad =
          KafkaLink.builder(broker.bootstrap(), "sasl-node")
              .saslPlain("alice", "wrong-pw")
              .reconnect(Duration.ofMillis(50), Duration.ofMillis(500))
              .closeTimeout(Duration.ofSeconds(1))
              .build();
      bad.publishHistory(store, KEY, topic, "kafka-bad");
      try (Runnel r = pipeline(store, bad).start()) {
        await(
            "the status names the authentication failure",
            Duration.ofSeconds(30),
            () -> bad.status().lastError() != null,
            bad::status);
        String error = bad.status().lastError();
        assertThat(error).contains("credentials").doesNotContain("wrong-pw");
        assertThat(bad.status().connected()).isFalse();
        assertThat(cursor(store, "kafka-bad")).isZero();
      }
    }
  }
}
