package io.runnel.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.support.ui.Select;

/**
 * The page's load time and its JavaScript heap over a long run of a 1 kHz record (the values view
 * with its table and plot, the graph polled every second). Not part of {@code ./runnel test}:
 *
 * <pre>
 * ./runnel mvn -B -q -o -pl runnel-dashboard -am test -Dtest=DashboardSoakBench \
 *     -Dsurefire.failIfNoSpecifiedTests=false -Dgroups=bench -DexcludedGroups=none \
 *     -Drunnel.dashboard.soakMinutes=10 -Ddashboard.forkTimeout=1200
 * </pre>
 *
 * Writes {@code target/dashboard-soak.txt}.
 */
@Tag("bench")
class DashboardSoakBench {
  @TempDir Path tmp;

  @Test
  @Timeout(value = 180, unit = TimeUnit.MINUTES)
  void heapStaysFlatUnderAThousandHertzRecord() throws Exception {
    int minutes = Integer.getInteger("runnel.dashboard.soakMinutes", 10);
    List<String> report = new ArrayList<>();
    try (DemoPipeline p = new DemoPipeline(tmp, Duration.ofMillis(100), Duration.ofMillis(1));
        Browser b = new Browser(tmp, true)) {
      b.open(p.url() + "#token=" + p.readToken + "&values");
      b.await(
          "the first value",
          Duration.ofSeconds(20),
          d -> number(b, "performance.getEntriesByName('runnel-first-value').length") > 0);
      long firstData =
          Math.round(number(b, "performance.getEntriesByName('runnel-first-data')[0].startTime"));
      // reload with the token in the session: the load a user sees the second time
      b.open("about:blank");
      b.open(p.url() + "#values");
      b.await(
          "the first value after a reload",
          Duration.ofSeconds(20),
          d -> number(b, "performance.getEntriesByName('runnel-first-value').length") > 0);
      long reloadData =
          Math.round(number(b, "performance.getEntriesByName('runnel-first-data')[0].startTime"));
      long reloadValue =
          Math.round(number(b, "performance.getEntriesByName('runnel-first-value')[0].startTime"));
      new Select(b.driver.findElement(org.openqa.selenium.By.id("record-select")))
          .selectByValue(DemoPipeline.SIGNAL.id());
      report.add(
          String.format(
              "load: navigation start -> graph and counters shown %d ms (first load %d ms);"
                  + " -> first watched value %d ms",
              reloadData, firstData, reloadValue));
      report.add(
          "minute  usedJSHeap(MiB)  CDP JSHeapUsed(MiB)  DOM nodes  listeners  received  conflated  missed  signal produced");
      double first = -1;
      double last = 0;
      long t0 = System.nanoTime();
      for (int m = 0; m <= minutes; m++) {
        long due = t0 + TimeUnit.MINUTES.toNanos(m);
        b.await("minute " + m, Duration.ofMinutes(2), d -> System.nanoTime() - due >= 0);
        b.js("if (window.gc) { gc(); }");
        double used = number(b, "performance.memory.usedJSHeapSize") / (1 << 20);
        Map<String, Object> cdp = b.metrics();
        double cdpUsed = ((Number) cdp.get("JSHeapUsedSize")).doubleValue() / (1 << 20);
        String line =
            String.format(
                "%6d  %15.2f  %19.2f  %9s  %9s  %8d  %9d  %6d  %d",
                m,
                used,
                cdpUsed,
                cdp.get("Nodes"),
                cdp.get("JSEventListeners"),
                (long) number(b, "runnelDashboard.received"),
                (long) number(b, "runnelDashboard.conflated"),
                (long) number(b, "runnelDashboard.missed"),
                p.runnel.inspect().record(DemoPipeline.SIGNAL.id()).orElseThrow().produced());
        report.add(line);
        Files.write(Path.of("target/dashboard-soak.txt"), report); // as it goes
        System.out.println("dashboard soak: " + line);
        if (m == 1) {
          first = used; // after the plot buffer filled its first minute
        }
        last = used;
      }
      report.add(
          String.format(
              "heap after minute 1: %.2f MiB; after minute %d: %.2f MiB", first, minutes, last));
      Files.write(Path.of("target/dashboard-soak.txt"), report);
      report.forEach(l -> System.out.println("dashboard soak: " + l));
      assertThat(b.console()).as("no JavaScript error").isEmpty();
      if (minutes >= 2) {
        assertThat(last).as("heap at the end vs minute 1, MiB").isLessThan(first * 1.5 + 2);
      }
    }
  }

  static double number(Browser b, String expr) {
    Object v = b.js("return " + expr + ";");
    return v == null ? -1 : ((Number) v).doubleValue();
  }
}
