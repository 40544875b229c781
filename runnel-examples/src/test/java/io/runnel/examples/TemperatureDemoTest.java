package io.runnel.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.Runnel;
import io.runnel.examples.Temperatures.Key;
import io.runnel.inspect.GraphSnapshot;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TemperatureDemoTest {

  @Test
  void theDemoRunsPrintsTheGraphLiveValuesAndCountersAndStops() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    int code =
        TemperatureDemo.run(out, "--duration", "1500ms", "--period", "20ms", "--threshold", "21");
    String text = bytes.toString(StandardCharsets.UTF_8);
    assertThat(code).isZero();
    assertThat(text)
        .contains("Graph (Mermaid):")
        .contains("flowchart LR")
        .contains("Topological order: sensor.temp.indoor -> sensor.temp.outdoor")
        .contains("diff")
        .contains("Stopped (CLOSED). Counters:")
        .contains("derived.temp.difference");
  }

  @Test
  void thePipelineComputesAlertsAndDifferences() throws Exception {
    TemperatureDemo demo =
        new TemperatureDemo(
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    demo.period = Duration.ofMillis(10);
    demo.threshold = -100; // every indoor reading alerts
    demo.quiet = true;
    try (Runnel runnel = demo.pipeline().start()) {
      var alerts = runnel.subscribe(Temperatures.Alert.class, Key.ALERT);
      var diffs = runnel.subscribe(Temperatures.Difference.class, Key.DIFFERENCE);
      assertThat(alerts.recv(Duration.ofSeconds(10))).isNotNull();
      assertThat(diffs.recv(Duration.ofSeconds(10)).kelvin()).isBetween(-10.0, 40.0);
      GraphSnapshot s = runnel.inspect();
      assertThat(s.record(Key.INDOOR.id()).orElseThrow().produced()).isPositive();
    }
  }

  @Test
  void badArgumentsGiveAClearErrorAndANonZeroExit() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream err = System.err;
    try {
      System.setErr(new PrintStream(bytes, true, StandardCharsets.UTF_8));
      int code = TemperatureDemo.run(System.out, "--duration", "soon");
      assertThat(code).isNotZero();
    } finally {
      System.setErr(err);
    }
    assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("'soon' is not a duration");
  }
}
