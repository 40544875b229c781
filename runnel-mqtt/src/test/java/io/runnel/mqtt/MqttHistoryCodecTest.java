package io.runnel.mqtt;

import static io.runnel.mqtt.TestSupport.JSON;
import static io.runnel.mqtt.TestSupport.awaitStatus;
import static io.runnel.mqtt.TestSupport.counter;
import static io.runnel.mqtt.TestSupport.key;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.RecordKey;
import io.runnel.Runnel;
import io.runnel.codec.Codec;
import io.runnel.mqtt.TestSupport.Reading;
import io.runnel.store.HistoryStore;
import io.runnel.store.StoreConfig;
import io.runnel.testbed.Mosquitto;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A history route whose codec is not the one the record was persisted with is loud, not silent. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MqttHistoryCodecTest {

  private static final RecordKey READINGS = key("sensor.readings");
  private static final Codec<Reading> BINARY = Codec.forRecord(Reading.class);
  private static final Duration WAIT = Duration.ofSeconds(10);

  @TempDir Path tmp;
  private Mosquitto broker;
  private HistoryStore store;
  private Runnel runnel;

  @AfterEach
  void tearDown() {
    if (runnel != null) {
      runnel.close();
    }
    if (store != null) {
      store.close();
    }
    if (broker != null) {
      broker.close();
    }
  }

  private MqttLink link() throws Exception {
    broker = TestSupport.mosquitto(tmp.resolve("broker"));
    store = HistoryStore.open(StoreConfig.builder(tmp.resolve("store")).build());
    MqttLink link =
        MqttLink.builder().broker("127.0.0.1", broker.port()).replayWindow(Duration.ZERO).build();
    link.publishHistory(store, READINGS, JSON, "codec/readings", "mqtt-codec");
    return link;
  }

  @Test
  void startFailsWhenTheStoreHoldsTheRecordInAnotherCodec() throws Exception {
    MqttLink link = link();
    for (long i = 0; i < 10; i++) {
      store.append(READINGS, new Reading("h", i), BINARY); // as Persist.to(store, Reading.class)
    }
    store.awaitDurable(store.sync(), Duration.ofSeconds(5));

    assertThatThrownBy(() -> runnel = Runnel.builder().connector(link).build().start())
        .hasStackTraceContaining("sensor.readings")
        .hasStackTraceContaining(BINARY.schema())
        .hasStackTraceContaining(JSON.schema())
        .hasStackTraceContaining("persisted with");
  }

  @Test
  void entriesInAnotherCodecAfterStartHoldTheRouteWithAClearStatus() throws Exception {
    MqttLink link = link();
    runnel = Runnel.builder().connector(link).build().start(); // nothing stored yet: unknown
    awaitStatus(link, "connected", WAIT, s -> s.connected());
    for (long i = 0; i < 10; i++) {
      store.append(READINGS, new Reading("h", i), BINARY);
    }
    store.awaitDurable(store.sync(), Duration.ofSeconds(5));

    awaitStatus(
        link, "a codec mismatch", WAIT, s -> counter(s, "history.mqtt-codec.codecMismatch") >= 1);
    Thread.sleep(300);
    var s = link.status();
    assertThat(s.lastError()).contains("sensor.readings").contains(BINARY.schema());
    assertThat(s.backlog()).as("the entries wait, not skipped").isGreaterThanOrEqualTo(10);
    assertThat(counter(s, "history.mqtt-codec.position")).isZero();
    assertThat(counter(s, "history.mqtt-codec.sent")).isZero();
  }
}
