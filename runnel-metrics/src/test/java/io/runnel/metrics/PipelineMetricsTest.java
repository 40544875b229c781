package io.runnel.metrics;

import static io.runnel.metrics.MeteredPipeline.CONTROL_LANE;
import static io.runnel.metrics.MeteredPipeline.PERSISTED;
import static io.runnel.metrics.MeteredPipeline.PERSISTED_VALUES;
import static io.runnel.metrics.MeteredPipeline.RING;
import static io.runnel.metrics.MeteredPipeline.RING_CAPACITY;
import static io.runnel.metrics.MeteredPipeline.RING_VALUES;
import static io.runnel.metrics.MeteredPipeline.TICK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.runnel.inspect.RecordInfo;
import io.runnel.inspect.TaskInfo;
import io.runnel.store.StoreStats;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The meters of a real pipeline, store and connector, read from the Prometheus scrape. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PipelineMetricsTest {
  @TempDir Path dir;

  @Test
  void recordMetersCountWhatTheTapsReceived() throws Exception {
    try (MeteredPipeline p = new MeteredPipeline(dir).awaitSettled()) {
      Exposition e = new Exposition(PrometheusScrape.of(p.runnel, p.store).scrape());
      String ring = RING.id();

      assertThat(e.value("runnel_record_produced_total", "record", ring)).isEqualTo(RING_VALUES);
      assertThat(e.value("runnel_record_delivered_total", "record", ring))
          .isEqualTo(p.ringTapped.get());
      double lagged = e.value("runnel_record_lagged_total", "record", ring);
      assertThat(lagged).isGreaterThanOrEqualTo(RING_VALUES - RING_CAPACITY - 1);
      assertThat(lagged + p.ringTapped.get()).isEqualTo(RING_VALUES);
      assertThat(e.value("runnel_record_capacity", "record", ring)).isEqualTo(RING_CAPACITY);
      assertThat(e.value("runnel_record_consumers", "record", ring)).isEqualTo(1);
      assertThat(e.value("runnel_record_producers", "record", ring)).isEqualTo(1);
      assertThat(e.value("runnel_record_backlog_max", "record", ring)).isZero();
      assertThat(e.value("runnel_record_dropped_total", "record", ring)).isZero();
      // a finite source closes its record when it ends; the ticker's stays open
      assertThat(e.value("runnel_record_closed", "record", ring)).isEqualTo(1);
      assertThat(e.value("runnel_record_closed", "record", TICK.id())).isZero();

      String persisted = PERSISTED.id();
      assertThat(e.value("runnel_record_produced_total", "record", persisted))
          .isEqualTo(PERSISTED_VALUES)
          .isEqualTo(p.persistedTapped.get());
      assertThat(
              e.value(
                  "runnel_record_hook_events_total",
                  "record",
                  persisted,
                  "hook",
                  "persist",
                  "event",
                  "appended"))
          .isEqualTo(PERSISTED_VALUES);
      assertThat(
              e.value(
                  "runnel_record_hook_events_total",
                  "record",
                  persisted,
                  "hook",
                  "persist",
                  "event",
                  "dropped"))
          .isZero();
      // a record without hooks has no hook meters
      assertThat(e.has("runnel_record_hook_events_total", "record", ring)).isFalse();

      assertThat(e.value("runnel_pipeline_state", "state", "running")).isEqualTo(1);
      assertThat(e.value("runnel_pipeline_state", "state", "closed")).isZero();
    }
  }

  @Test
  void taskAndLaneMetersShowTheTickerOnItsDedicatedLane() throws Exception {
    try (MeteredPipeline p = new MeteredPipeline(dir).awaitSettled()) {
      TaskInfo ticker = p.runnel.inspect().task(TICK.id() + "/source").orElseThrow();
      Exposition e = new Exposition(PrometheusScrape.of(p.runnel).scrape());
      String[] tags = {"task", ticker.id(), "lane", CONTROL_LANE};

      assertThat(e.value("runnel_task_state", append(tags, "state", "running"))).isEqualTo(1);
      assertThat(e.value("runnel_task_state", append(tags, "state", "failed"))).isZero();
      assertThat(e.value("runnel_task_failures_total", tags)).isZero();
      assertThat(e.value("runnel_task_restarts_total", tags)).isZero();
      // scraped after the snapshot above: at least as many ticks
      assertThat(e.value("runnel_task_ticks_total", tags))
          .isGreaterThanOrEqualTo(ticker.lateness().ticks());
      double p50 = e.value("runnel_task_lateness_seconds", append(tags, "percentile", "50"));
      double p99 = e.value("runnel_task_lateness_seconds", append(tags, "percentile", "99"));
      double max = e.value("runnel_task_lateness_max_seconds", tags);
      assertThat(p50).isGreaterThanOrEqualTo(0).isLessThanOrEqualTo(p99);
      assertThat(max).isGreaterThan(0).isGreaterThanOrEqualTo(p99).isLessThan(10);

      // the finite sources have ended; their tasks say so and have no lateness meters
      String ringSource = RING.id() + "/source";
      assertThat(e.value("runnel_task_state", "task", ringSource, "state", "done")).isEqualTo(1);
      assertThat(e.has("runnel_task_ticks_total", "task", ringSource)).isFalse();

      String[] lane = {"lane", CONTROL_LANE, "kind", "dedicated"};
      assertThat(e.value("runnel_lane_busy_ratio", lane)).isBetween(0.0, 1.0);
      assertThat(e.value("runnel_lane_threads_live", lane)).isEqualTo(1);
      assertThat(e.value("runnel_lane_watchdog_limit_seconds", lane)).isEqualTo(0.05);
      assertThat(e.value("runnel_lane_wakeups_total", lane)).isGreaterThan(0);
      assertThat(e.value("runnel_lane_wake_delay_max_seconds", lane)).isGreaterThan(0);
      assertThat(e.value("runnel_lane_lateness_max_seconds", lane)).isGreaterThan(0);
      assertThat(e.value("runnel_lane_rejected_total", lane)).isZero();
    }
  }

  @Test
  void storeAndConnectorMetersMatchTheirOwnCounters() throws Exception {
    try (MeteredPipeline p = new MeteredPipeline(dir).awaitSettled()) {
      Exposition e = new Exposition(PrometheusScrape.of(p.runnel, p.store).scrape());
      StoreStats st = p.store.stats();
      String[] store = {"store", p.store.directory().toString()};

      assertThat(e.value("runnel_store_appended_total", store)).isEqualTo(PERSISTED_VALUES);
      assertThat(e.value("runnel_store_written_total", store)).isEqualTo(PERSISTED_VALUES);
      assertThat(e.value("runnel_store_sequence_durable", store)).isEqualTo(PERSISTED_VALUES - 1);
      assertThat(e.value("runnel_store_segments", store)).isEqualTo(st.segments()).isPositive();
      assertThat(e.value("runnel_store_size_bytes", store)).isEqualTo(st.totalBytes()).isPositive();
      assertThat(e.value("runnel_store_fsyncs_total", store)).isEqualTo(st.fsyncs());
      assertThat(e.value("runnel_store_dropped_oldest_total", store)).isZero();
      assertThat(e.value("runnel_store_queued", store)).isZero();

      String[] cloud = {"connector", "cloud", "kind", "http-sync"};
      assertThat(e.value("runnel_connector_connected", cloud)).isEqualTo(1);
      assertThat(e.value("runnel_connector_backlog", cloud)).isZero();
      assertThat(e.value("runnel_connector_retries_total", cloud)).isZero();
      assertThat(e.value("runnel_connector_stat", append(cloud, "stat", "sentEntries")))
          .isEqualTo(PERSISTED_VALUES);
      assertThat(e.value("runnel_connector_stat", append(cloud, "stat", "requests")))
          .isEqualTo(p.posts.get());
    }
  }

  @Test
  void theMetersAgreeWithOneSnapshotOfThePipeline() throws Exception {
    try (MeteredPipeline p = new MeteredPipeline(dir).awaitSettled()) {
      PrometheusScrape scrape = PrometheusScrape.of(p.runnel, p.store);
      Exposition e = new Exposition(scrape.scrape());
      // the finite records no longer change: every counter equals the snapshot's
      for (String key : new String[] {RING.id(), PERSISTED.id()}) {
        RecordInfo r = p.runnel.inspect().record(key).orElseThrow();
        assertThat(e.value("runnel_record_produced_total", "record", key)).isEqualTo(r.produced());
        assertThat(e.value("runnel_record_delivered_total", "record", key))
            .isEqualTo(r.delivered());
        assertThat(e.value("runnel_record_lagged_total", "record", key)).isEqualTo(r.lagged());
      }
      assertThat(e.value("runnel_metrics_snapshot_duration_seconds"))
          .isGreaterThan(0)
          .isCloseTo(0, within(1.0));
    }
  }

  static String[] append(String[] tags, String... more) {
    String[] all = new String[tags.length + more.length];
    System.arraycopy(tags, 0, all, 0, tags.length);
    System.arraycopy(more, 0, all, tags.length, more.length);
    return all;
  }
}
