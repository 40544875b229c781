package io.runnel.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.runnel.Runnel;
import io.runnel.store.HistoryStore;
import io.runnel.store.StoreConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The README's snippet, as pasted between the markers. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ReadmeQuickstartTest {
  @TempDir Path dir;

  @Test
  void theReadmeSnippetRuns() throws Exception {
    try (HistoryStore store = HistoryStore.open(StoreConfig.builder(dir).build());
        Runnel runnel = Runnel.builder().build().start()) {
      MeterRegistry registry = new SimpleMeterRegistry();
      // --- README.md
      PrometheusScrape metrics =
          PrometheusScrape.of(runnel, store); // or PrometheusScrape.of(runnel)
      String body = metrics.scrape(); // one snapshot, every meter
      String type = metrics.contentType(); // text/plain; version=0.0.4; charset=utf-8
      // the remote server: .httpEndpoint("/metrics", metrics.contentType(), metrics::scrape)

      // or into a registry of your own, with tags of your own
      RunnelMetrics.builder(runnel)
          .store(store)
          .tags(Tags.of("pipeline", "gateway"))
          .maxSnapshotAge(Duration.ofSeconds(1))
          .build()
          .bindTo(registry);
      // --- end
      assertThat(type).isEqualTo(PrometheusScrape.CONTENT_TYPE);
      // an empty store: nothing durable yet
      assertThat(
              new Exposition(body).value("runnel_store_sequence_durable", "store", dir.toString()))
          .isEqualTo(-1);
      assertThat(
              registry
                  .get("runnel.store.sequence.durable")
                  .tags("pipeline", "gateway", "store", dir.toString())
                  .gauge()
                  .value())
          .isEqualTo(-1);
    }
  }
}
