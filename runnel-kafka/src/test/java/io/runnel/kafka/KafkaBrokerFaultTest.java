package io.runnel.kafka;

import static io.runnel.kafka.TestSupport.CODEC;
import static io.runnel.kafka.TestSupport.await;
import static io.runnel.kafka.TestSupport.counter;
import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.RecordKey;
import io.runnel.Runnel;
import io.runnel.buffer.Producer;
import io.runnel.kafka.TestSupport.Reading;
import io.runnel.spi.ConnectorStatus;
import io.runnel.store.HistoryStore;
import io.runnel.store.Persist;
import io.runnel.store.StoreConfig;
import io.runnel.testbed.KafkaBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker fails under the link: {@code kill -9} mid-stream and a restart on the same ports and
 * directory lose nothing the cluster acknowledged; a broker that never comes up is a clear status
 * and a bounded close. This class has a broker of its own (it kills it), in a fresh directory.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class KafkaBrokerFaultTest {

  private static final RecordKey READINGS = RecordKey.of("sensor.readings");

  @TempDir static Path brokerDir;
  @TempDir Path tmp;
  private static KafkaBroker broker;

  @BeforeAll
  static void startBroker() throws Exception {
    broker = KafkaBroker.start(brokerDir.resolve("kafka"));
    System.out.println("fault broker started in " + broker.lastStartMillis() + " ms");
  }

  @org.junit.jupiter.api.AfterEach
  void brokerUpAgain() throws Exception {
    if (!broker.isRunning()) {
      broker.restart(); // a test that failed while the broker was down
    }
  }

  @AfterAll
  static void stopBroker() throws Exception {
    broker.close();
  }

  @Test
  void aBrokerKilledMidStreamAndRestartedLosesNothingAcknowledged() throws Exception {
    String topic = "fault-kill9";
    broker.createTopic(topic, 2);
    try (HistoryStore store = HistoryStore.open(StoreConfig.builder(tmp.resolve("s")).build());
        TestConsumer consumer = new TestConsumer(broker.bootstrap(), topic)) {
      KafkaLink link =
          KafkaLink.builder(broker.bootstrap(), "station-k")
              .reconnect(Duration.ofMillis(50), Duration.ofMillis(500))
              .maxInflight(200)
              .build();
      link.publishHistory(store, READINGS, topic, "kafka");
      try (Runnel r =
          Runnel.builder()
              .name("kill9")
              .connector(link)
              .configure(
                  Reading.class, READINGS, rr -> rr.external().hook(Persist.to(store, CODEC)))
              .build()
              .start()) {
        Producer<Reading> p = r.producer(Reading.class, READINGS);
        AtomicLong produced = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        Thread writer =
            Thread.ofPlatform()
                .start(
                    () -> {
                      try {
                        while (!stop.get()) {
                          long n = produced.getAndIncrement();
                          p.produce(new Reading("s", n, n));
                          if (n % 20 == 0) {
                            Thread.sleep(5); // ~4000 values/s
                          }
                        }
                      } catch (InterruptedException e) {
                        // stop
                      }
                    });
        consumer.awaitSequences("station-k", 1000, Duration.ofSeconds(30));
        broker.kill(); // kill -9 mid-stream
        long atKill = produced.get();
        Thread.sleep(1000); // down a moment while values keep coming
        ConnectorStatus down = link.status();
        broker.restart();
        System.out.println("restarted in " + broker.lastStartMillis() + " ms");
        await(
            "the stream continues after the restart",
            Duration.ofSeconds(30),
            () -> consumer.sequences("station-k").size() > atKill + 500,
            () -> consumer.sequences("station-k").size() + " of " + produced.get());
        stop.set(true);
        writer.join();
        long total = produced.get(); // every number taken was produced
        store.awaitDurable(total - 1, Duration.ofSeconds(10));
        consumer.awaitSequences("station-k", (int) total, Duration.ofSeconds(60));
        assertThat(consumer.sequences("station-k"))
            .containsExactlyInAnyOrderElementsOf(LongStream.range(0, total).boxed().toList());
        await(
            "the cursor commits everything",
            Duration.ofSeconds(30),
            () -> counter(link.status(), "history.kafka.position") == total,
            link::status);
        System.out.println(
            "kill -9: "
                + total
                + " values, "
                + consumer.all().size()
                + " messages ("
                + consumer.duplicates()
                + " duplicates in the topic; "
                + consumer.rereads()
                + " re-read by the consumer), backlog while down "
                + down.backlog()
                + ", rewinds "
                + counter(link.status(), "history.kafka.rewinds"));
      }
    }
  }

  @Test
  void aBrokerAwayLongerThanTheDeliveryTimeoutMakesTheRouteResendFromItsCursor() throws Exception {
    String topic = "fault-rewind";
    broker.createTopic(topic, 1);
    try (HistoryStore store = HistoryStore.open(StoreConfig.builder(tmp.resolve("s")).build());
        TestConsumer consumer = new TestConsumer(broker.bootstrap(), topic)) {
      KafkaLink link =
          KafkaLink.builder(broker.bootstrap(), "station-r")
              .reconnect(Duration.ofMillis(50), Duration.ofMillis(300))
              .deliveryTimeout(Duration.ofMillis(1500))
              .producerProperty("request.timeout.ms", "1000")
              .producerProperty("linger.ms", "5")
              .maxInflight(100)
              .build();
      link.publishHistory(store, READINGS, topic, "kafka");
      try (Runnel r =
          Runnel.builder()
              .name("rewind")
              .connector(link)
              .configure(
                  Reading.class, READINGS, rr -> rr.external().hook(Persist.to(store, CODEC)))
              .build()
              .start()) {
        Producer<Reading> p = r.producer(Reading.class, READINGS);
        for (int i = 0; i < 500; i++) {
          p.produce(new Reading("s", i, i));
        }
        consumer.awaitSequences("station-r", 500, Duration.ofSeconds(30));
        broker.kill();
        for (int i = 500; i < 1000; i++) {
          p.produce(new Reading("s", i, i));
        }
        await(
            "sends time out and the route rewinds",
            Duration.ofSeconds(30),
            () -> counter(link.status(), "history.kafka.rewinds") > 0,
            link::status);
        assertThat(counter(link.status(), "history.kafka.position")).isLessThanOrEqualTo(500);
        broker.restart();
        consumer.awaitSequences("station-r", 1000, Duration.ofSeconds(60));
        await(
            "the cursor commits everything",
            Duration.ofSeconds(30),
            () -> counter(link.status(), "history.kafka.position") == 1000,
            link::status);
        assertThat(consumer.sequences("station-r"))
            .containsExactlyInAnyOrderElementsOf(LongStream.range(0, 1000).boxed().toList());
        System.out.println(
            "rewind: "
                + counter(link.status(), "history.kafka.rewinds")
                + " rewinds, "
                + consumer.duplicates()
                + " duplicates in the topic ("
                + consumer.rereads()
                + " re-read by the consumer), last error "
                + link.status().lastError());
      }
    }
  }

  @Test
  void aBrokerThatNeverComesUpIsAClearStatusAndABoundedClose() throws Exception {
    int deadPort = KafkaBroker.freePort();
    try (HistoryStore store = HistoryStore.open(StoreConfig.builder(tmp.resolve("s")).build())) {
      KafkaLink link =
          KafkaLink.builder("127.0.0.1:" + deadPort, "station-n")
              .reconnect(Duration.ofMillis(50), Duration.ofMillis(500))
              .closeTimeout(Duration.ofSeconds(1))
              .build();
      link.publishHistory(store, READINGS, "never", "kafka");
      RecordKey live = RecordKey.of("sensor.live");
      RecordKey cmd = RecordKey.of("sensor.cmd");
      Runnel r =
          Runnel.builder()
              .name("never")
              .connector(link)
              .configure(
                  Reading.class, READINGS, rr -> rr.external().hook(Persist.to(store, CODEC)))
              .configure(
                  Reading.class,
                  live,
                  rr -> rr.external().tapTask("kafka", link.publish(CODEC, "never-live")))
              .configure(
                  Reading.class,
                  cmd,
                  rr -> rr.source(link.subscribe(Topics.of("never-in"), "g", CODEC)))
              .build()
              .start();
      for (int i = 0; i < 50; i++) {
        r.producer(Reading.class, READINGS).produce(new Reading("s", i, i));
        r.producer(Reading.class, live).produce(new Reading("l", i, i));
      }
      store.awaitDurable(49, Duration.ofSeconds(10));
      await(
          "status: not connected, with the error",
          Duration.ofSeconds(20),
          () -> link.status().lastError() != null,
          link::status);
      Thread.sleep(2000); // keeps retrying, bounded by the backoff
      ConnectorStatus s = r.inspect().connector("kafka").orElseThrow();
      assertThat(s.connected()).isFalse();
      assertThat(s.lastError()).isNotBlank();
      assertThat(s.backlog()).as("history and live values waiting").isEqualTo(100);
      assertThat(counter(s, "history.kafka.position")).isZero();
      assertThat(counter(s, "live.sent")).isZero();
      long t0 = System.nanoTime();
      r.close();
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      System.out.println("never up: close took " + millis + " ms; last error: " + s.lastError());
      assertThat(millis).isLessThan(1000 + 5000); // the close timeout + the pipeline's shutdown
      assertThat(store.cursor("kafka").position()).isZero();
    }
  }

  @Test
  void liveValuesWaitInTheBoundedQueueWhileTheBrokerIsDownDroppingByTheirPolicy() throws Exception {
    String oldestTopic = "fault-live-oldest";
    String newestTopic = "fault-live-newest";
    broker.createTopic(oldestTopic, 1);
    broker.createTopic(newestTopic, 1);
    RecordKey live = RecordKey.of("sensor.live");
    try (TestConsumer oldest = new TestConsumer(broker.bootstrap(), oldestTopic);
        TestConsumer newest = new TestConsumer(broker.bootstrap(), newestTopic)) {
      broker.kill();
      KafkaLink.Builder b =
          KafkaLink.builder(broker.bootstrap(), "live-k")
              .reconnect(Duration.ofMillis(50), Duration.ofMillis(500))
              .liveQueue(100);
      KafkaLink dropOldest = b.build(); // the default
      KafkaLink dropNewest = b.name("kafka.newest").liveOverflow(LiveOverflow.DROP_NEWEST).build();
      try (Runnel r =
          Runnel.builder()
              .name("live-down")
              .connector(dropOldest)
              .connector(dropNewest)
              .configure(
                  Reading.class,
                  live,
                  rr ->
                      rr.external()
                          .tapTask("kafka", dropOldest.publish(CODEC, oldestTopic))
                          .tapTask("kafka-newest", dropNewest.publish(CODEC, newestTopic)))
              .build()
              .start()) {
        for (int i = 0; i < 300; i++) {
          r.producer(Reading.class, live).produce(new Reading("l", i, i));
        }
        for (KafkaLink link : List.of(dropOldest, dropNewest)) {
          await(
              "the queue of " + link.name() + " is full and drops",
              Duration.ofSeconds(20),
              () ->
                  counter(link.status(), "live.dropped") >= 199
                      && link.status().lastError() != null, // the first send timed out (1 s)
              link::status);
          ConnectorStatus down = link.status();
          assertThat(counter(down, "live.queued")).isLessThanOrEqualTo(100);
          assertThat(down.connected()).isFalse();
          assertThat(down.lastError()).contains("live send");
        }
        broker.restart();
        Set<Long> gotOldest = new java.util.TreeSet<>();
        Set<Long> gotNewest = new java.util.TreeSet<>();
        await(
            "the kept 100 arrive after the restart",
            Duration.ofSeconds(30),
            () -> {
              gotOldest.clear();
              gotNewest.clear();
              oldest.all().forEach(m -> gotOldest.add(CODEC.decode(m.value()).n()));
              newest.all().forEach(m -> gotNewest.add(CODEC.decode(m.value()).n()));
              return gotOldest.containsAll(LongStream.range(200, 300).boxed().toList())
                  && gotNewest.containsAll(LongStream.range(1, 100).boxed().toList());
            },
            () -> gotOldest.size() + " and " + gotNewest.size() + " arrived");
        // Every value arrived, or was dropped or lagged behind the ring: counted, never silent.
        // (Which ones a policy keeps depends on when the sender made room: the first values for
        // DROP_NEWEST, the last for DROP_OLDEST, as the awaits above show.)
        Thread.sleep(500); // no late arrivals
        for (var c : List.of(Map.entry(dropOldest, oldest), Map.entry(dropNewest, newest))) {
          Set<Long> got = new java.util.HashSet<>();
          c.getValue().all().forEach(m -> got.add(CODEC.decode(m.value()).n()));
          ConnectorStatus st = c.getKey().status();
          assertThat(got.size() + counter(st, "live.dropped") + counter(st, "live.lagged"))
              .as("arrived + dropped + lagged of " + c.getKey().name())
              .isEqualTo(300);
          assertThat(c.getValue().all()).hasSize(got.size()); // no duplicates
        }
        assertThat(gotOldest).contains(299L).doesNotContain(0L);
        assertThat(gotNewest).contains(1L).doesNotContain(299L);
        System.out.println(
            "live while down: drop oldest kept "
                + gotOldest.size()
                + " (dropped "
                + counter(dropOldest.status(), "live.dropped")
                + "), drop newest kept "
                + gotNewest.size()
                + " (dropped "
                + counter(dropNewest.status(), "live.dropped")
                + ")");
      }
    }
  }

  static List<Long> range(long n) {
    return LongStream.range(0, n).boxed().toList();
  }
}
