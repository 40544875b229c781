package io.runnel.mqtt;

import static io.runnel.mqtt.TestSupport.JSON;
import static io.runnel.mqtt.TestSupport.awaitStatus;
import static io.runnel.mqtt.TestSupport.counter;

import io.runnel.RecordKey;
import io.runnel.Runnel;
import io.runnel.buffer.BufferSpec;
import io.runnel.buffer.Producer;
import io.runnel.mqtt.TestSupport.Reading;
import io.runnel.spi.ConnectorStatus;
import io.runnel.store.HistoryStore;
import io.runnel.store.StoreConfig;
import io.runnel.testbed.Mosquitto;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * QoS 1 publish rate to a local Mosquitto, live (tap → offline queue → broker) and from history
 * (store → cursor → broker). Not a test (not run by the build); run it with
 *
 * <pre>
 * ./runnel mvn -B -o -q -pl runnel-mqtt test-compile exec:java \
 *     -Dexec.mainClass=io.runnel.mqtt.MqttPublishBench -Dexec.classpathScope=test \
 *     -Dexec.args="50000 5"
 * </pre>
 *
 * Arguments: messages (default 50 000), MQTT version 3 or 5 (default 5), maxInflight (default 256).
 */
public final class MqttPublishBench {

  private static final RecordKey LIVE = RecordKey.of("bench.live");
  private static final RecordKey STORED = RecordKey.of("bench.stored");
  private static final Duration WAIT = Duration.ofMinutes(2);

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 50_000;
    int version = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    int inflight = args.length > 2 ? Integer.parseInt(args[2]) : 256;
    Path dir = Files.createTempDirectory("runnel-mqtt-bench");
    int payload = JSON.encode(new Reading("bench", n)).length;
    System.out.printf(
        "%d messages of ~%d bytes, MQTT %d, maxInflight %d, Mosquitto on loopback%n",
        n, payload, version, inflight);
    try (Mosquitto broker = TestSupport.mosquitto(dir.resolve("broker"))) {
      for (int round = 1; round <= 2; round++) { // round 1 warms up the JIT
        live(broker, n, version, inflight, Qos.AT_LEAST_ONCE, round);
        live(broker, n, version, inflight, Qos.AT_MOST_ONCE, round);
        history(broker, dir.resolve("store-" + round), n, version, inflight, round);
      }
    }
    // A closed link must not keep the JVM alive: HiveMQ's event-loop threads are not daemons.
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (hiveMqThreads() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    System.out.println("HiveMQ threads left after close: " + hiveMqThreads());
  }

  static long hiveMqThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(
            t ->
                (t.getName().startsWith("com.hivemq") || t.getName().startsWith("runnel-mqtt"))
                    && t.isAlive()
                    && !t.isDaemon())
        .count();
  }

  private static void live(Mosquitto broker, int n, int version, int inflight, Qos qos, int round)
      throws Exception {
    MqttLink link =
        MqttLink.builder()
            .name("bench")
            .broker("127.0.0.1", broker.port())
            .version(version)
            .offlineQueue(n)
            .maxInflight(inflight)
            .build();
    int ring = Integer.highestOneBit(n - 1) << 1;
    try (Runnel r =
        Runnel.builder()
            .connector(link)
            .configure(
                Reading.class,
                LIVE,
                c ->
                    c.external()
                        .buffer(BufferSpec.ring(ring))
                        .tapTask("mqtt", link.publish(JSON, "bench/live", qos)))
            .build()
            .start()) {
      awaitStatus(link, "connected", WAIT, ConnectorStatus::connected);
      Producer<Reading> p = r.producer(Reading.class, LIVE);
      long t0 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        p.produce(new Reading("bench", i));
      }
      awaitStatus(link, n + " sent", WAIT, s -> counter(s, "sent") >= n);
      report("live " + qos, round, n, System.nanoTime() - t0, link.status());
    }
  }

  private static void history(
      Mosquitto broker, Path storeDir, int n, int version, int inflight, int round)
      throws Exception {
    try (HistoryStore store = HistoryStore.open(StoreConfig.builder(storeDir).build())) {
      for (int i = 0; i < n; i++) {
        store.append(STORED, new Reading("bench", i), JSON);
      }
      store.awaitDurable(store.sync(), Duration.ofSeconds(30));
      MqttLink link =
          MqttLink.builder()
              .name("bench")
              .broker("127.0.0.1", broker.port())
              .version(version)
              .maxInflight(inflight)
              .build();
      link.publishHistory(store, STORED, JSON, "bench/history", "bench-cursor");
      long t0 = System.nanoTime();
      try (Runnel r = Runnel.builder().connector(link).build().start()) {
        awaitStatus(link, n + " acked", WAIT, s -> counter(s, "history.bench-cursor.acked") >= n);
        report("history QoS 1", round, n, System.nanoTime() - t0, link.status());
      }
    }
  }

  private static void report(String what, int round, int n, long nanos, ConnectorStatus s) {
    System.out.printf(
        "round %d  %-20s %,9.0f msg/s  (%d in %d ms; dropped %d)%n",
        round, what, n / (nanos / 1e9), n, nanos / 1_000_000, counter(s, "dropped"));
  }
}
