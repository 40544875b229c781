package io.runnel.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.RecordKey;
import io.runnel.Runnel;
import io.runnel.Ticker;
import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A pipeline without history is measured without the store: a child JVM whose class path lacks
 * runnel-store (and runnel-http, which needs it) binds, scrapes and checks the values.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StorelessClassPathTest {
  static final RecordKey COUNTED = RecordKey.of("live.counted");
  static final RecordKey TICK = RecordKey.of("live.tick");
  static final int VALUES = 250;

  @Test
  void theBindingWorksWithoutTheStoreOnTheClassPath() throws Exception {
    String cp =
        Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
            .filter(e -> !e.contains("runnel-store") && !e.contains("runnel-http"))
            .collect(Collectors.joining(File.pathSeparator));
    assertThat(cp).doesNotContain("runnel-store").contains("runnel-core").contains("micrometer");
    Process child =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                cp,
                Main.class.getName())
            .redirectErrorStream(true)
            .start();
    try {
      String out = new String(child.getInputStream().readAllBytes());
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).as("child ended; output:\n" + out).isTrue();
      assertThat(child.exitValue()).as(out).isZero();
      assertThat(out).contains("scraped " + VALUES + " values");
    } finally {
      child.destroyForcibly();
    }
  }

  /** The child: a live pipeline with a ticker, scraped; exits 0 only if the values are right. */
  public static final class Main {
    public static void main(String[] args) throws Exception {
      try {
        Class.forName("io.runnel.store.HistoryStore");
        System.out.println("the store is on the class path; the test proves nothing");
        System.exit(3);
      } catch (ClassNotFoundException expected) {
        // as intended
      }
      try (Runnel r =
          Runnel.builder()
              .configure(
                  Long.class,
                  COUNTED,
                  c ->
                      c.source(
                          (ctx, out) -> {
                            for (long i = 0; i < VALUES; i++) {
                              out.produce(i);
                            }
                          }))
              .configure(
                  Long.class,
                  TICK,
                  c ->
                      c.source(
                          (ctx, out) -> {
                            Ticker t = ctx.ticker(Duration.ofMillis(2));
                            while (!ctx.isStopping()) {
                              out.produce(t.await());
                            }
                          }))
              .build()
              .start()) {
        PrometheusScrape scrape = PrometheusScrape.of(r);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        Exposition e;
        do {
          Thread.sleep(10);
          e = new Exposition(scrape.scrape());
        } while ((e.value("runnel_record_produced_total", "record", COUNTED.id()) < VALUES
                || !e.has("runnel_task_ticks_total", "task", TICK.id() + "/source"))
            && System.nanoTime() < deadline);
        double produced = e.value("runnel_record_produced_total", "record", COUNTED.id());
        boolean ok =
            produced == VALUES
                && e.value("runnel_task_ticks_total", "task", TICK.id() + "/source") > 0
                && !e.text.contains("runnel_store_");
        System.out.println((ok ? "scraped " : "wrong: ") + (long) produced + " values");
        System.exit(ok ? 0 : 4);
      }
    }
  }
}
