package io.runnel.kafka;

import static io.runnel.kafka.TestSupport.CODEC;
import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.RecordKey;
import io.runnel.kafka.TestSupport.Reading;
import io.runnel.store.HistoryStore;
import io.runnel.store.StoreConfig;
import io.runnel.testbed.KafkaBroker;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The link from history against a bare kafka-clients producer with the same settings ({@code
 * acks=all}, idempotent, the same {@code batch.size} and {@code linger.ms}, no compression) sending
 * the same values (the stored payloads, with the same keys and headers), side by side in one run
 * against the same local broker: alternating rounds, each side in a JVM of its own ({@link
 * BenchChild}, {@code -Xmx64m}, {@code -Dbench.xmx=...}), so that its peak RSS (VmHWM) is its own.
 * The first round warms the broker up and is not counted. Excluded from the default build; run
 * with:
 *
 * <pre>
 * ./runnel mvn -B -o -pl runnel-kafka -am test -Dtest=KafkaThroughputBench \
 *     -Dsurefire.failIfNoSpecifiedTests=false -Dgroups=bench -DexcludedGroups=none \
 *     -Drunnel.testOutputToFile=false -Dbench.values=300000 -Dbench.rounds=4
 * </pre>
 */
@Tag("bench")
@Timeout(value = 900, unit = TimeUnit.SECONDS)
class KafkaThroughputBench {

  static final RecordKey KEY = RecordKey.of("bench.readings");
  @TempDir Path tmp;

  private static final String BATCH = System.getProperty("bench.batchSize", "65536");
  private static final String LINGER = System.getProperty("bench.lingerMs", "5");
  private static final String XMX = System.getProperty("bench.xmx", "64m");

  @Test
  void linkFromHistoryVersusABareProducer() throws Exception {
    int n = Integer.getInteger("bench.values", 300_000);
    int rounds = Integer.getInteger("bench.rounds", 4);
    KafkaBroker broker = KafkaBroker.shared();
    Path dir = tmp.resolve("s");
    int payload;
    try (HistoryStore store = HistoryStore.open(StoreConfig.builder(dir).build())) {
      var appender =
          store
              .appender(KEY, CODEC)
              .withPolicy(io.runnel.store.OverflowPolicy.waitUpTo(Duration.ofSeconds(30)));
      for (int i = 0; i < n; i++) {
        appender.append(new Reading("bench", i, i * 0.25));
      }
      store.awaitDurable(store.sync(), Duration.ofSeconds(60));
      payload = CODEC.encode(new Reading("bench", 1, 0.25)).length;
    }
    double[] bare = new double[rounds];
    double[] link = new double[rounds];
    long bareHwm = 0;
    long linkHwm = 0;
    for (int round = 0; round < rounds; round++) {
      for (String mode :
          round % 2 == 0 ? new String[] {"bare", "link"} : new String[] {"link", "bare"}) {
        String topic = "bench-" + mode + "-" + round + "-" + System.nanoTime();
        broker.createTopic(topic, 3);
        if (mode.equals("link")) {
          // a fresh copy of the store per link run: its cursor starts at 0
          deleteCursors(dir);
        }
        double[] r = run(mode, dir, broker.bootstrap(), topic, n);
        System.out.printf(
            "round %d %s: %.0f msg/s, peak RSS %d MiB%n", round, mode, r[0], (long) r[1] / 1024);
        if (mode.equals("bare")) {
          bare[round] = r[0];
          if (round > 0) {
            bareHwm = Math.max(bareHwm, (long) r[1]);
          }
        } else {
          link[round] = r[0];
          if (round > 0) {
            linkHwm = Math.max(linkHwm, (long) r[1]);
          }
        }
      }
    }
    double bareMedian = median(bare);
    double linkMedian = median(link);
    System.out.printf(
        "RESULT %d values of %d bytes, batch.size %s, linger.ms %s, %d counted rounds: bare"
            + " median %.0f msg/s, link median %.0f msg/s, ratio %.2f; peak RSS bare %d MiB,"
            + " link %d MiB%n",
        n,
        payload,
        BATCH,
        LINGER,
        rounds - 1,
        bareMedian,
        linkMedian,
        linkMedian / bareMedian,
        bareHwm / 1024,
        linkHwm / 1024);
    assertThat(linkMedian).isPositive();
  }

  private static double median(double[] all) {
    double[] counted = java.util.Arrays.copyOfRange(all, all.length > 1 ? 1 : 0, all.length);
    java.util.Arrays.sort(counted);
    int m = counted.length / 2;
    return counted.length % 2 == 1 ? counted[m] : (counted[m - 1] + counted[m]) / 2;
  }

  private static void deleteCursors(Path dir) throws Exception {
    try (HistoryStore store = HistoryStore.open(StoreConfig.builder(dir).build())) {
      store.deleteCursor("bench");
    } catch (Exception e) {
      // none yet
    }
  }

  private double[] run(String mode, Path dir, String bootstrap, String topic, int n)
      throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p =
        new ProcessBuilder(
                Stream.of(
                        java,
                        "-Xmx" + XMX,
                        "-cp",
                        System.getProperty("java.class.path"),
                        BenchChild.class.getName(),
                        mode,
                        dir.toString(),
                        bootstrap,
                        topic,
                        Integer.toString(n),
                        BATCH,
                        LINGER)
                    .toList())
            .redirectError(tmp.resolve(mode + "-" + System.nanoTime() + ".err").toFile())
            .start();
    double rate = -1;
    long hwm = -1;
    try (BufferedReader r =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        if (line.startsWith("RATE ")) {
          rate = Double.parseDouble(line.substring(5));
        } else if (line.startsWith("HWM ")) {
          hwm = Long.parseLong(line.substring(4));
        }
      }
    }
    assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(mode + " child exit; see " + tmp).isZero();
    return new double[] {rate, hwm};
  }
}
