package io.runnel.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.codec.Codec;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Starts a writer in a child JVM, kills it with SIGKILL mid-stream many times, and checks after
 * each kill that every sequence the child reported durable survives and every entry read back is
 * intact. Bounded: at most {@link #KILLS} kills and {@link #BUDGET_MS} in all.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CrashTest {
  static final int KILLS = 15;
  static final long BUDGET_MS = 60_000;
  static final Codec<String> CODEC = HistoryStoreTest.TEXT;

  @TempDir Path dir;

  /** A self-checking value: "run:index:length:" followed by that many pad characters. */
  static String value(int run, long index, Random rnd) {
    int pad = rnd.nextInt(300);
    return run + ":" + index + ":" + pad + ":" + "x".repeat(pad);
  }

  static boolean wellFormed(String v) {
    String[] p = v.split(":", 4);
    return p.length == 4
        && p[3].length() == Integer.parseInt(p[2])
        && p[3].chars().allMatch(c -> c == 'x');
  }

  @Test
  void everyAcknowledgedEntrySurvivesSigkill() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String cp = System.getProperty("java.class.path");
    long deadline = System.currentTimeMillis() + BUDGET_MS;
    Random rnd = new Random(11);
    long maxAcked = -1;
    int kills = 0;
    List<String> log = new ArrayList<>();
    for (int run = 0; run < KILLS && System.currentTimeMillis() < deadline - 5_000; run++) {
      Process p =
          new ProcessBuilder(
                  java, "-Xmx64m", "-cp", cp, CrashChild.class.getName(), dir.toString(), "" + run)
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      AtomicLong acked = new AtomicLong(-1);
      CountDownLatch firstAck = new CountDownLatch(1);
      Thread reader =
          Thread.ofPlatform()
              .daemon()
              .start(
                  () -> {
                    try (BufferedReader r =
                        new BufferedReader(
                            new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                      String line;
                      while ((line = r.readLine()) != null) {
                        if (line.startsWith("ACK ")) {
                          acked.accumulateAndGet(Long.parseLong(line.substring(4)), Math::max);
                          firstAck.countDown();
                        }
                      }
                    } catch (Exception e) {
                      // the child died: expected
                    }
                  });
      boolean started = firstAck.await(20, TimeUnit.SECONDS);
      Thread.sleep(20 + rnd.nextInt(250));
      p.destroyForcibly();
      assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
      reader.join(5_000);
      assertThat(started).as("child run %d acknowledged something", run).isTrue();
      kills++;
      maxAcked = Math.max(maxAcked, acked.get());
      log.add("run " + run + ": acked up to " + acked.get());

      try (HistoryStore store =
          HistoryStore.open(StoreConfig.builder(dir).segmentBytes(32 * 1024).build())) {
        BitSet present = new BitSet();
        long prev = -1;
        long next = 0;
        while (true) {
          List<StoredEntry> page = store.query(Query.all().fromSequence(next).limit(10_000));
          if (page.isEmpty()) {
            break;
          }
          for (StoredEntry e : page) {
            assertThat(e.sequence()).isGreaterThan(prev);
            prev = e.sequence();
            assertThat(wellFormed(e.decode(CODEC))).as("entry %s", e).isTrue();
            present.set((int) e.sequence());
          }
          next = prev + 1;
        }
        int firstMissing = present.nextClearBit(0);
        assertThat((long) firstMissing)
            .as("all acknowledged sequences up to %d present; %s", maxAcked, log)
            .isGreaterThan(maxAcked);
      }
    }
    assertThat(kills).isGreaterThanOrEqualTo(5);
    System.out.println("CrashTest: " + kills + " SIGKILLs, acknowledged up to " + maxAcked);
  }
}
