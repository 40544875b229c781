package io.runnel.kafka;

import static io.runnel.kafka.TestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.store.HistoryStore;
import io.runnel.store.Query;
import io.runnel.store.StoreConfig;
import io.runnel.store.StoredEntry;
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
 * and the link, and is started again on the same store: every value the store kept reaches Kafka
 * (the consumer, de-duplicating by the headers, ends with exactly the store's sequences).
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
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p =
        new ProcessBuilder(
                java,
                "-Xmx128m",
                "-XX:TieredStopAtLevel=1",
                "-cp",
                System.getProperty("java.class.path"),
                PipelineChild.class.getName(),
                store.toString(),
                bootstrap,
                topic,
                Long.toString(count))
            .redirectError(tmp.resolve("child-" + System.nanoTime() + ".err").toFile())
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
}
