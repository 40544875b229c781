package io.runnel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.runnel.RecordKey;
import io.runnel.codec.Codec;
import io.runnel.store.HistoryStore;
import io.runnel.store.OverflowPolicy;
import io.runnel.store.StoreConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A large export from the packaged jar: 1,000,000 entries exported by {@code java -Xmx48m -jar
 * runnel-cli.jar store export ...} (memory bounded: the store is read page by page, the file
 * written chunk by chunk), read back whole by {@code @mcap/core}. Prints the time and the peak
 * resident memory of the export.
 */
@Timeout(180)
class McapExportJarIT {
  record Sample(long n, double value) {}

  static final RecordKey KEY = () -> "big.samples";
  static final int N = 1_000_000;
  static final Instant T0 = Instant.parse("2026-12-01T00:00:00Z");

  @TempDir Path tmp;

  @Test
  void aMillionEntriesWithA48MegabyteHeap() throws Exception {
    Path dir = tmp.resolve("history");
    long w0 = System.nanoTime();
    try (HistoryStore store = HistoryStore.open(StoreConfig.builder(dir).build())) {
      Codec<Sample> c = Codec.forRecord(Sample.class);
      OverflowPolicy wait = OverflowPolicy.waitUpTo(Duration.ofSeconds(10));
      long t0 = T0.getEpochSecond() * 1_000_000L;
      long last = 0;
      for (int i = 0; i < N; i++) {
        last = store.append(KEY, t0 + i * 1000L, new Sample(i, i * 0.5), c, wait);
      }
      assertThat(store.awaitDurable(last, Duration.ofSeconds(30))).isTrue();
    }
    long writeMillis = (System.nanoTime() - w0) / 1_000_000;

    Path out = tmp.resolve("big.mcap");
    List<String> cmd =
        new ArrayList<>(
            List.of(
                JarProcess.JAVA, "-Xmx48m", "-XX:+UseSerialGC", "-jar", JarProcess.JAR.toString()));
    cmd.addAll(List.of("store", "export", dir.toString(), "--out", out.toString()));
    long e0 = System.nanoTime();
    Process p = new ProcessBuilder(cmd).start();
    p.getOutputStream().close();
    CompletableFuture<String> stdout =
        CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
    CompletableFuture<String> stderr =
        CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
    Path status = Path.of("/proc", Long.toString(p.pid()), "status");
    long peakKb = 0;
    while (!p.waitFor(50, TimeUnit.MILLISECONDS)) {
      peakKb = Math.max(peakKb, hwmKb(status));
      if (System.nanoTime() - e0 > TimeUnit.SECONDS.toNanos(120)) {
        p.destroyForcibly();
        throw new AssertionError("the export took over 120 s");
      }
    }
    long exportMillis = (System.nanoTime() - e0) / 1_000_000;
    assertThat(p.exitValue()).as(stdout.join() + stderr.join()).isZero();
    assertThat(stdout.join()).startsWith("exported " + N + " entries of 1 key(s) on 1 channel(s)");

    long r0 = System.nanoTime();
    JsonNode m = McapCheck.read(out);
    long readMillis = (System.nanoTime() - r0) / 1_000_000;
    JsonNode ix = m.get("indexed");
    assertThat(ix.get("messages").asLong()).isEqualTo(N);
    assertThat(ix.at("/statistics/messageCount").asLong()).isEqualTo(N);
    assertThat(ix.get("dataSectionCrcOk").asBoolean()).isTrue();
    assertThat(ix.get("maxChunkBytes").asLong()).isLessThan(2 << 20);
    JsonNode t = ix.at("/topics/big.samples");
    assertThat(t.get("ordered").asBoolean()).isTrue();
    assertThat(t.at("/first/value/n").asLong()).isZero();
    assertThat(t.at("/first/logTime").asLong()).isEqualTo(T0.getEpochSecond() * 1_000_000_000L);
    assertThat(t.at("/last/value/n").asLong()).isEqualTo(N - 1);
    assertThat(t.at("/last/value/value").asDouble()).isEqualTo((N - 1) * 0.5);
    assertThat(t.at("/last/logTime").asLong())
        .isEqualTo(T0.getEpochSecond() * 1_000_000_000L + (N - 1) * 1_000_000L);
    assertThat(m.at("/stream/messages").asLong()).isEqualTo(N);
    System.out.printf(
        "mcap export of %d entries: store written in %d ms; export %d ms, %d MB file, %d chunks,"
            + " peak RSS %d MB with -Xmx48m; @mcap/core read (indexed + stream) %d ms%n",
        N,
        writeMillis,
        exportMillis,
        Files.size(out) >> 20,
        ix.get("chunkIndexes").asInt(),
        peakKb >> 10,
        readMillis);
  }

  private static long hwmKb(Path status) {
    try {
      for (String l : Files.readAllLines(status)) {
        if (l.startsWith("VmHWM:")) {
          return Long.parseLong(l.replaceAll("[^0-9]", ""));
        }
      }
    } catch (Exception e) {
      // the process just ended
    }
    return 0;
  }

  private static String read(java.io.InputStream in) {
    try {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (java.io.IOException e) {
      return "<" + e + ">";
    }
  }
}
