package io.runnel.kafka;

import static io.runnel.kafka.TestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.store.HistoryStore;
import io.runnel.store.Query;
import io.runnel.store.StoreConfig;
import io.runnel.store.StoredEntry;
import io.runnel.testbed.KafkaBroker;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Runnel process dies ({@code kill -9}) mid-stream, a child JVM running a pipeline with a store
 * and the link, and is started again on the same store. Outbound: every value the store kept
 * reaches Kafka (the consumer, de-duplicating by the headers, ends with exactly the store's
 * sequences). Inbound: a consumer group feeding a persisted record; after the restart the store
 * holds every message (re-delivered ones twice), none lost.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class KafkaProcessKillTest {

  @TempDir Path tmp;
  private Process child;

  @AfterEach
  void killChild() throws InterruptedException {
    if (child != null && child.isAlive()) {
      child.destroyForcibly();
      child.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private record Child(Process process, AtomicLong produced, AtomicBoolean caughtUp) {}

  private Child startChild(Path store, String bootstrap, String topic, long count)
      throws Exception {
    return startChild(
        PipelineChild.class, store.toString(), bootstrap, topic, Long.toString(count));
  }

  private Child startChild(Class<?> main, String... args) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p =
        new ProcessBuilder(
                java,
                "-Xmx128m",
                "-XX:TieredStopAtLevel=1",
                "-cp",
                System.getProperty("java.class.path"),
                main.getName(),
                args[0],
                args[1],
                args[2],
                args[3])
            .redirectError(Path.of("target", "child-" + System.nanoTime() + ".err").toFile())
            .start();
    child = p;
    AtomicLong produced = new AtomicLong();
    AtomicBoolean caughtUp = new AtomicBoolean();
    Thread.ofPlatform()
        .daemon()
        .start(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                  if (line.startsWith("PRODUCED ")) {
                    produced.set(Long.parseLong(line.substring(9)));
                  } else if (line.startsWith("RECEIVED ") && !line.endsWith("null")) {
                    produced.set(Long.parseLong(line.substring(9)));
                  } else if (line.equals("CAUGHT-UP")) {
                    caughtUp.set(true);
                  }
                }
              } catch (Exception e) {
                // killed
              }
            });
    return new Child(p, produced, caughtUp);
  }

  private static Set<Long> storedSequences(Path dir) throws Exception {
    Set<Long> s = new TreeSet<>();
    try (HistoryStore store = HistoryStore.open(StoreConfig.builder(dir).build())) {
      long next = 0;
      for (; ; ) {
        List<StoredEntry> page = store.query(Query.all().fromSequence(next).limit(10_000));
        if (page.isEmpty()) {
          return s;
        }
        for (StoredEntry e : page) {
          if (e.key().equals(PipelineChild.KEY.id())) {
            s.add(e.sequence());
          }
          next = e.sequence() + 1;
        }
      }
    }
  }

  @Test
  void aKilledRunnelProcessRestartedOnItsStoreLosesNothingPersisted() throws Exception {
    KafkaBroker broker = KafkaBroker.shared();
    String topic = "process-kill-" + System.nanoTime();
    broker.createTopic(topic, 2);
    Path store = tmp.resolve("store");
    try (TestConsumer consumer = new TestConsumer(broker.bootstrap(), topic)) {
      Child first = startChild(store, broker.bootstrap(), topic, 1_000_000);
      await(
          "the first run forwards",
          Duration.ofSeconds(60),
          () -> consumer.sequences(PipelineChild.NODE).size() >= 2000,
          () -> consumer.sequences(PipelineChild.NODE).size() + " forwarded");
      first.process().destroyForcibly(); // kill -9 mid-stream
      assertThat(first.process().waitFor(10, TimeUnit.SECONDS)).isTrue();
      long producedBeforeKill = first.produced().get();
      Set<Long> keptAfterKill = storedSequences(store);
      int forwardedAtKill = consumer.sequences(PipelineChild.NODE).size();
      assertThat(keptAfterKill.size()).isGreaterThanOrEqualTo(forwardedAtKill);

      Child second = startChild(store, broker.bootstrap(), topic, 500);
      await(
          "the second run catches up",
          Duration.ofSeconds(60),
          () -> second.caughtUp().get(),
          () -> consumer.sequences(PipelineChild.NODE).size() + " forwarded");
      second.process().destroyForcibly();
      second.process().waitFor(10, TimeUnit.SECONDS);
      Set<Long> kept = storedSequences(store);
      assertThat(kept).containsAll(keptAfterKill).hasSize(keptAfterKill.size() + 500);
      await(
          "every persisted value arrives",
          Duration.ofSeconds(30),
          () -> consumer.sequences(PipelineChild.NODE).containsAll(kept),
          () -> consumer.sequences(PipelineChild.NODE).size() + " of " + kept.size());
      assertThat(consumer.sequences(PipelineChild.NODE)).isEqualTo(kept);
      System.out.println(
          "process kill: produced ~"
              + producedBeforeKill
              + " before the kill, the store kept "
              + keptAfterKill.size()
              + ", "
              + forwardedAtKill
              + " had arrived; after the restart "
              + kept.size()
              + " persisted, "
              + consumer.all().size()
              + " messages, "
              + consumer.duplicates()
              + " duplicates");
    }
  }

  @Test
  void aKilledConsumerProcessRestartedReDeliversWhatItHadNotCommitted() throws Exception {
    KafkaBroker broker = KafkaBroker.shared();
    String topic = "inbound-kill-" + System.nanoTime();
    String group = "inbound-kill";
    broker.createTopic(topic, 2);
    Path store = tmp.resolve("inbound-store");
    int total = 12_000;
    java.util.Properties props = new java.util.Properties();
    props.put("bootstrap.servers", broker.bootstrap());
    props.put("acks", "all");
    props.put("key.serializer", org.apache.kafka.common.serialization.ByteArraySerializer.class);
    props.put("value.serializer", org.apache.kafka.common.serialization.ByteArraySerializer.class);
    try (var producer =
        new org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]>(props)) {
      Child first =
          startChild(InboundChild.class, store.toString(), broker.bootstrap(), topic, group);
      Thread writer =
          Thread.ofPlatform()
              .start(
                  () -> {
                    for (int i = 0; i < total; i++) {
                      producer.send(
                          new org.apache.kafka.clients.producer.ProducerRecord<>(
                              topic,
                              ("k" + (i % 7)).getBytes(StandardCharsets.UTF_8),
                              TestSupport.CODEC.encode(new TestSupport.Reading("p", i, i))));
                      if (i % 20 == 19) {
                        try {
                          Thread.sleep(5);
                        } catch (InterruptedException e) {
                          return;
                        }
                      }
                    }
                    producer.flush();
                  });
      await(
          "the first run consumes and commits",
          Duration.ofSeconds(60),
          () -> committed(broker, group) >= 3000,
          () -> first.produced().get() + " received");
      long committedAtKill = committed(broker, group);
      first.process().destroyForcibly(); // kill -9 mid-stream
      assertThat(first.process().waitFor(10, TimeUnit.SECONDS)).isTrue();
      long receivedByFirst = first.produced().get();
      Child second =
          startChild(InboundChild.class, store.toString(), broker.bootstrap(), topic, group);
      writer.join();
      await(
          "the group commits every message",
          Duration.ofSeconds(60),
          () -> committed(broker, group) == total,
          () -> committed(broker, group) + " of " + total + " committed");
      second.process().destroyForcibly();
      second.process().waitFor(10, TimeUnit.SECONDS);
      Set<Long> ns = new TreeSet<>();
      long entries = 0;
      try (HistoryStore s = HistoryStore.open(StoreConfig.builder(store).build())) {
        long next = 0;
        for (; ; ) {
          List<StoredEntry> page = s.query(Query.all().fromSequence(next).limit(10_000));
          if (page.isEmpty()) {
            break;
          }
          for (StoredEntry e : page) {
            ns.add(e.decode(TestSupport.CODEC).n());
            entries++;
            next = e.sequence() + 1;
          }
        }
      }
      assertThat(ns).hasSize(total).contains(0L, total - 1L);
      assertThat(entries - total)
          .as("re-delivered: at most what the first run took beyond its last commit")
          .isLessThanOrEqualTo(
              receivedByFirst - committedAtKill + 1000); // + what it took after its last report
      System.out.println(
          "inbound process kill: the first run took "
              + receivedByFirst
              + " and had committed "
              + committedAtKill
              + " before the kill; the store holds "
              + entries
              + " entries for "
              + total
              + " messages ("
              + (entries - total)
              + " re-delivered)");
    }
  }

  private static long committed(KafkaBroker broker, String group) {
    try (var admin = broker.admin(Duration.ofSeconds(5))) {
      return admin
          .listConsumerGroupOffsets(group)
          .partitionsToOffsetAndMetadata()
          .get(10, TimeUnit.SECONDS)
          .values()
          .stream()
          .filter(o -> o != null)
          .mapToLong(org.apache.kafka.clients.consumer.OffsetAndMetadata::offset)
          .sum();
    } catch (Exception e) {
      return -1;
    }
  }
}
