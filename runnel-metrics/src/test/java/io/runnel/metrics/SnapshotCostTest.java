package io.runnel.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.RecordKey;
import io.runnel.Runnel;
import io.runnel.RunnelBuilder;
import io.runnel.Ticker;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What a snapshot and a scrape cost on a pipeline of 50 records (25 ticking sources, 25 transforms,
 * 25 taps: 75 tasks). Prints the figures; checks that a scrape takes one snapshot and shows every
 * record.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SnapshotCostTest {
  static final int SOURCES = 25;

  @Test
  void oneSnapshotAndOneScrapeOfFiftyRecords() throws Exception {
    RunnelBuilder b = Runnel.builder();
    for (int i = 0; i < SOURCES; i++) {
      RecordKey raw = RecordKey.of("sensor." + i + ".raw");
      RecordKey scaled = RecordKey.of("sensor." + i + ".scaled");
      b.configure(
              Long.class,
              raw,
              r ->
                  r.source(
                      (ctx, out) -> {
                        Ticker t = ctx.ticker(Duration.ofMillis(5));
                        while (!ctx.isStopping()) {
                          out.produce(t.await());
                        }
                      }))
          .configure(
              Long.class,
              scaled,
              r -> r.transform(Long.class, raw, v -> v * 2).tap((ctx, v) -> {}));
    }
    try (Runnel runnel = b.build().start()) {
      MeteredPipeline.await(
          "every ticker fired",
          () ->
              runnel.inspect().tasks().stream().allMatch(t -> t.state().name().equals("RUNNING")));
      long[] inspect = new long[1000];
      for (int i = 0; i < inspect.length; i++) { // the first half warms up
        long t0 = System.nanoTime();
        runnel.inspect();
        inspect[i] = System.nanoTime() - t0;
      }
      PrometheusScrape scrape = PrometheusScrape.of(runnel);
      long[] scrapes = new long[300];
      String text = "";
      for (int i = 0; i < scrapes.length; i++) {
        long before = scrape.metrics().snapshots();
        long t0 = System.nanoTime();
        text = scrape.scrape();
        scrapes[i] = System.nanoTime() - t0;
        assertThat(scrape.metrics().snapshots()).isEqualTo(before + 1);
      }
      Exposition e = new Exposition(text);
      assertThat(e.find("runnel_record_produced_total")).hasSize(2 * SOURCES);
      assertThat(e.find("runnel_task_ticks_total")).hasSize(SOURCES);
      System.out.printf(
          "inspect() of %d records, %d tasks: median %d us, p90 %d us, max %d us%n",
          2 * SOURCES,
          runnel.inspect().tasks().size(),
          micros(inspect, 0.5),
          micros(inspect, 0.9),
          micros(inspect, 1.0));
      System.out.printf(
          "scrape (one inspect() + rendering %d samples, %d bytes): median %d us, p90 %d us%n",
          e.samples.size(), text.length(), micros(scrapes, 0.5), micros(scrapes, 0.9));
    }
  }

  /** The quantile of the second half (after warm-up), in microseconds. */
  private static long micros(long[] nanos, double q) {
    long[] s = Arrays.copyOfRange(nanos, nanos.length / 2, nanos.length);
    Arrays.sort(s);
    return s[(int) Math.min(s.length - 1, Math.round(q * (s.length - 1)))] / 1000;
  }
}
