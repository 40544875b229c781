package io.runnel.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Timer;
import io.runnel.Runnel;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The two jars this module excludes (LatencyUtils, protobuf exposition) are not needed: not even
 * for a timer with percentiles that an application adds to the scrape's registry.
 */
class DependencyExclusionsTest {

  @Test
  void theExcludedJarsAreAbsent() {
    assertThatThrownBy(() -> Class.forName("org.LatencyUtils.PauseDetector"))
        .isInstanceOf(ClassNotFoundException.class);
    assertThatThrownBy(
            () ->
                Class.forName(
                    "io.prometheus.metrics.expositionformats.internal.PrometheusProtobufWriterImpl"))
        .isInstanceOf(ClassNotFoundException.class);
  }

  @Test
  void anApplicationsTimerWithPercentilesIsScrapedWithoutThem() {
    try (Runnel runnel = Runnel.builder().build().start()) {
      PrometheusScrape scrape = PrometheusScrape.of(runnel);
      Timer timer =
          Timer.builder("app.work")
              .description("work")
              .publishPercentiles(0.5, 0.99)
              .register(scrape.registry());
      for (int i = 1; i <= 10; i++) {
        timer.record(Duration.ofMillis(i));
      }
      DistributionSummary.builder("app.size")
          .description("sizes")
          .baseUnit("bytes")
          .publishPercentileHistogram()
          .register(scrape.registry())
          .record(42);
      Exposition e = new Exposition(scrape.scrape());
      assertThat(e.value("app_work_seconds_count")).isEqualTo(10);
      assertThat(e.value("app_work_seconds", "quantile", "0.99")).isPositive();
      assertThat(e.value("app_size_bytes_count")).isEqualTo(1);
      assertThat(e.value("runnel_pipeline_state", "state", "running")).isEqualTo(1);
      assertThat(scrape.contentType()).startsWith("text/plain; version=0.0.4");
    }
  }
}
