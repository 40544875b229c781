package io.runnel.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.runnel.store.HistoryStore;
import io.runnel.store.OverflowPolicy;
import io.runnel.store.StoreConfig;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Throughput of draining a backlog to a local server that acknowledges at once. Excluded from the
 * default build; run with:
 *
 * <pre>
 * ./runnel mvn -B -o -pl runnel-http verify -Dgroups=bench -DexcludedGroups=none -Dbench.entries=200000
 * </pre>
 */
@Tag("bench")
class CloudSyncThroughputTest {
  @TempDir Path dir;

  @Test
  void drainsABacklogOfSmallRecords() throws Exception {
    int entries = Integer.getInteger("bench.entries", 200_000);
    int batch = Integer.getInteger("bench.batch", 500);
    AtomicLong bytes = new AtomicLong();
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/ingest",
        exchange -> {
          try (exchange;
              InputStream in = exchange.getRequestBody()) {
            bytes.addAndGet(in.readAllBytes().length);
            exchange.sendResponseHeaders(204, -1);
          }
        });
    server.start();
    URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/ingest");
    try {
      run(uri, dir.resolve("warm-up"), 20_000, batch, bytes, false);
      run(uri, dir.resolve("measured"), entries, batch, bytes, true);
    } finally {
      server.stop(0);
    }
  }

  /** Appends {@code entries} first, then times a new sync draining them all. */
  private static void run(
      URI uri, Path storeDir, int entries, int batch, AtomicLong bytes, boolean report)
      throws Exception {
    try (HistoryStore store =
            HistoryStore.open(
                StoreConfig.builder(storeDir)
                    .overflow(OverflowPolicy.waitUpTo(Duration.ofSeconds(30)))
                    .build());
        CloudSync sync =
            CloudSync.builder(store, uri)
                .nodeId("bench")
                .codec(Fixture.CODEC)
                .maxBatchEntries(batch)
                .build()) {
      long last = Fixture.append(store, Fixture.TEMP, entries);
      long bytesBefore = bytes.get();
      long t0 = System.nanoTime();
      sync.start();
      assertThat(sync.awaitForwarded(last, Duration.ofMinutes(5))).isTrue();
      double seconds = (System.nanoTime() - t0) / 1e9;
      long batches = sync.status().counters().get("sentBatches");
      double mib = (bytes.get() - bytesBefore) / 1048576.0;
      if (report) {
        System.out.printf(
            "BENCH http sync: %d entries in %.2f s = %.0f entries/s; %d batches of <= %d (%.0f"
                + " batches/s); %.1f MiB of JSON (%.1f MiB/s)%n",
            entries,
            seconds,
            entries / seconds,
            batches,
            batch,
            batches / seconds,
            mib,
            mib / seconds);
      }
    }
  }
}
