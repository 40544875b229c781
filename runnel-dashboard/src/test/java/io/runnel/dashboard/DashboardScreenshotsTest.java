package io.runnel.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.Select;

/**
 * Screenshots of the main views, into {@code target/screenshots} (or the directory named by {@code
 * -Drunnel.dashboard.screenshots=...}; the docs' images come from {@code
 * -Drunnel.dashboard.screenshots=$PWD/docs/images}).
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class DashboardScreenshotsTest {
  static final Duration WAIT = Duration.ofSeconds(15);

  @TempDir Path tmp;

  @Test
  void screenshotsOfTheMainViews() throws Exception {
    Path out =
        Path.of(System.getProperty("runnel.dashboard.screenshots", "target/screenshots"))
            .toAbsolutePath();
    try (DemoPipeline p = new DemoPipeline(tmp, Duration.ofMillis(100), Duration.ofMillis(1));
        Browser b = new Browser(tmp, false)) {
      b.driver.manage().window().setSize(new org.openqa.selenium.Dimension(1400, 1000));
      // a low threshold: the indoor sensor raises alerts, which the uplink forwards
      p.runnel
          .producer(DemoPipeline.Threshold.class, DemoPipeline.THRESHOLD)
          .produce(new DemoPipeline.Threshold(22.8));
      b.open(p.url() + "#token=" + p.writeToken + "&graph");
      b.await(
          "rates on every record",
          WAIT,
          d ->
              d.findElements(
                          By.cssSelector(
                              "#graph-svg g.node.record[data-rate=''], #graph-svg g.node.record:not([data-rate])"))
                      .isEmpty()
                  && d.findElements(By.cssSelector("#graph-svg g.node.record")).size() == 6
                  && d.findElements(By.cssSelector("#graph-svg g.node.connector.ok")).size() == 1);
      b.screenshot(out.resolve("dashboard-graph.png"));

      b.driver.findElement(By.cssSelector("#graph-svg g.node[data-key='sensor.indoor']")).click();
      b.await("values", WAIT, d -> !d.findElements(By.cssSelector("#value-table td")).isEmpty());
      // let some history accumulate, then back-fill the last minute
      long t0 = System.nanoTime();
      b.await("history to accumulate", WAIT, d -> System.nanoTime() - t0 > 4_000_000_000L);
      new Select(b.driver.findElement(By.id("range"))).selectByValue("60");
      b.driver.findElement(By.id("backfill")).click();
      b.await(
          "history",
          WAIT,
          d -> d.findElement(By.id("history-info")).getText().contains("history entries"));
      b.await(
          "the recent table filled",
          WAIT,
          d -> d.findElements(By.cssSelector("#recent-table tr")).size() > 8);
      b.screenshot(out.resolve("dashboard-values.png"));

      b.driver.findElement(By.cssSelector("nav button[data-tab='lanes']")).click();
      new Select(b.driver.findElement(By.id("lateness-select"))).selectByValue("lane:fast");
      long t1 = System.nanoTime();
      b.await("lateness samples", WAIT, d -> System.nanoTime() - t1 > 3_000_000_000L);
      b.screenshot(out.resolve("dashboard-lanes.png"));

      b.driver.findElement(By.cssSelector("nav button[data-tab='connectors']")).click();
      b.await(
          "connectors",
          WAIT,
          d -> d.findElements(By.cssSelector("#connectors-table tr[data-id]")).size() == 2);
      b.screenshot(out.resolve("dashboard-connectors.png"));

      b.driver.findElement(By.cssSelector("nav button[data-tab='write']")).click();
      b.await("the form", WAIT, d -> d.findElement(By.id("write-send")).isEnabled());
      var v = b.driver.findElement(By.id("write-value"));
      v.clear();
      v.sendKeys("{\"celsius\": \"warm\"}");
      b.driver.findElement(By.id("write-send")).click();
      b.await(
          "the refusal",
          WAIT,
          d -> d.findElement(By.id("write-result")).getText().startsWith("refused"));
      b.screenshot(out.resolve("dashboard-write.png"));
      assertThat(b.console()).as("no JavaScript error").isEmpty();
    }
    for (String v : new String[] {"graph", "values", "lanes", "connectors", "write"}) {
      assertThat(Files.size(out.resolve("dashboard-" + v + ".png"))).isGreaterThan(10_000);
    }
  }
}
