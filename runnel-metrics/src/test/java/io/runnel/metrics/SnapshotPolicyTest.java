package io.runnel.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Measurement;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.runnel.RecordKey;
import io.runnel.Runnel;
import io.runnel.Ticker;
import io.runnel.buffer.Producer;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** When the binding takes snapshots, and how its meters follow the pipeline. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SnapshotPolicyTest {
  static final RecordKey COUNT = RecordKey.of("app.count");
  static final RecordKey LATE = RecordKey.of("app.late.ticker");

  private static Runnel pipeline(CountDownLatch startTicking) {
    return Runnel.builder()
        .configure(Long.class, COUNT, r -> r.external().tap((ctx, v) -> {}))
        .configure(
            Long.class,
            LATE,
            r ->
                r.source(
                    (ctx, out) -> {
                      while (startTicking.getCount() > 0) { // waiting in Runnel: no watchdog
                        ctx.sleep(Duration.ofMillis(2));
                      }
                      Ticker t = ctx.ticker(Duration.ofMillis(2));
                      while (!ctx.isStopping()) {
                        out.produce(t.await());
                      }
                    }))
        .build()
        .start();
  }

  @Test
  void eachScrapeTakesExactlyOneSnapshot() {
    try (Runnel runnel = pipeline(new CountDownLatch(1))) {
      PrometheusScrape scrape = PrometheusScrape.of(runnel);
      long before = scrape.metrics().snapshots();
      for (int i = 1; i <= 3; i++) {
        Exposition e = new Exposition(scrape.scrape());
        assertThat(scrape.metrics().snapshots()).isEqualTo(before + i);
        assertThat(e.value("runnel_metrics_snapshots_total")).isEqualTo(before + i);
        assertThat(e.samples.size()).isGreaterThan(40);
      }
    }
  }

  @Test
  void metersReadWithinTheMaximumAgeShareOneSnapshotAndLaterReadsTakeANewOne() throws Exception {
    try (Runnel runnel = pipeline(new CountDownLatch(1))) {
      Producer<Long> out = runnel.producer(Long.class, COUNT);
      out.produce(1L);
      RunnelMetrics metrics =
          RunnelMetrics.builder(runnel).maxSnapshotAge(Duration.ofMillis(200)).build();
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      metrics.bindTo(registry);
      long afterBind = metrics.snapshots();
      FunctionCounter produced =
          registry.get("runnel.record.produced").tag("record", COUNT.id()).functionCounter();

      long t0 = System.nanoTime();
      out.produce(2L);
      double first = produced.count();
      for (Meter m : registry.getMeters()) {
        for (Measurement x : m.measure()) {
          x.getValue();
        }
      }
      if (System.nanoTime() - t0 < TimeUnit.MILLISECONDS.toNanos(150)) {
        // all read within the age: the snapshot of bindTo (which had 1 value) served them all
        assertThat(metrics.snapshots()).isEqualTo(afterBind);
        assertThat(first).isEqualTo(1);
      }
      // once the snapshot is older than the age, the next read takes a new one
      MeteredPipeline.await("a new snapshot", () -> produced.count() == 2);
      assertThat(metrics.snapshots()).isGreaterThan(afterBind);
    }
  }

  @Test
  void aBindingNobodyReferencesKeepsReporting() throws Exception {
    try (Runnel runnel = pipeline(new CountDownLatch(1))) {
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      RunnelMetrics.builder(runnel).maxSnapshotAge(Duration.ofMillis(1)).build().bindTo(registry);
      for (int i = 0; i < 3; i++) {
        System.gc(); // Micrometer holds a function's object weakly; the gauges hold the binding
      }
      Producer<Long> out = runnel.producer(Long.class, COUNT);
      for (long i = 0; i < 7; i++) {
        out.produce(i);
      }
      FunctionCounter produced =
          registry.get("runnel.record.produced").tag("record", COUNT.id()).functionCounter();
      MeteredPipeline.await("the binding reads 7", () -> produced.count() == 7);
    }
  }

  @Test
  void aTasksLatenessMetersAppearOnceItsTickerFiresInEveryBoundRegistry() throws Exception {
    CountDownLatch startTicking = new CountDownLatch(1);
    try (Runnel runnel = pipeline(startTicking)) {
      RunnelMetrics metrics =
          RunnelMetrics.builder(runnel).tags(Tags.of("pipeline", "test")).build();
      PrometheusScrape scrape = PrometheusScrape.of(metrics);
      SimpleMeterRegistry other = new SimpleMeterRegistry();
      metrics.bindTo(other);
      String task = LATE.id() + "/source";

      Exposition before = new Exposition(scrape.scrape());
      assertThat(before.value("runnel_task_state", "task", task, "state", "running")).isEqualTo(1);
      assertThat(before.has("runnel_task_ticks_total", "task", task)).isFalse();
      assertThat(other.find("runnel.task.ticks").tag("task", task).functionCounter()).isNull();

      startTicking.countDown();
      MeteredPipeline.await(
          "the ticker fired",
          () -> runnel.inspect().task(task).orElseThrow().lateness().ticks() > 3);
      Exposition after = new Exposition(scrape.scrape());
      assertThat(after.value("runnel_task_ticks_total", "task", task, "pipeline", "test"))
          .isGreaterThan(3);
      assertThat(after.has("runnel_task_lateness_seconds", "task", task, "percentile", "99.9"))
          .isTrue();
      assertThat(other.get("runnel.task.ticks").tag("task", task).functionCounter().count())
          .isGreaterThan(3);
    }
  }

  @Test
  void bindingTheSameRegistryTwiceRegistersNothingNew() {
    try (Runnel runnel = pipeline(new CountDownLatch(1))) {
      RunnelMetrics metrics = RunnelMetrics.of(runnel);
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      metrics.bindTo(registry);
      int meters = registry.getMeters().size();
      metrics.bindTo(registry);
      assertThat(registry.getMeters()).hasSize(meters);
      assertThat(meters).isGreaterThan(40);
    }
  }

  @Test
  void concurrentScrapesEachTakeOneSnapshot() throws Exception {
    try (Runnel runnel = pipeline(new CountDownLatch(1))) {
      PrometheusScrape scrape = PrometheusScrape.of(runnel);
      long before = scrape.metrics().snapshots();
      int threads = 4;
      int each = 25;
      java.util.List<java.util.concurrent.Future<Integer>> results = new java.util.ArrayList<>();
      try (var pool = java.util.concurrent.Executors.newFixedThreadPool(threads)) {
        for (int t = 0; t < threads; t++) {
          results.add(
              pool.submit(
                  () -> {
                    int ok = 0;
                    for (int i = 0; i < each; i++) {
                      if (new Exposition(scrape.scrape()).has("runnel_record_produced_total")) {
                        ok++;
                      }
                    }
                    return ok;
                  }));
        }
        for (var r : results) {
          assertThat(r.get(30, TimeUnit.SECONDS)).isEqualTo(each);
        }
      }
      assertThat(scrape.metrics().snapshots()).isEqualTo(before + threads * each);
    }
  }
}
