package io.runnel.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.Shutdown;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every example stopped by a signal: started as a child JVM, sent SIGTERM or SIGINT (only the PID
 * this test started) once it runs; it must print its summary, say it was interrupted, delete its
 * temporary folder and exit with 143 or 130.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ExampleSignalsTest {

  /** An example, the line that shows it is running, a line of its summary. */
  static Stream<Arguments> examples() {
    return Stream.of(
        Arguments.of("TemperatureDemo", "TERM", "Topological order", "Counters:", "--quiet"),
        Arguments.of("SyncGateway", "TERM", "Sync gateway:", "cloud stand-in:", "--sensors=5"),
        Arguments.of("RobotController", "INT", "Targets for", "Verdict:", "--background-threads=1"),
        Arguments.of("DriftCheck", "TERM", "elapsed", "ticker lateness:", "--period=10ms"),
        Arguments.of("LocalIngest", "TERM", "local ingest listening", "requests ", "0"));
  }

  @ParameterizedTest(name = "{0} SIG{1}")
  @MethodSource("examples")
  void aSignalEndsTheExampleWithItsSummary(
      String example, String signal, String running, String summary, String arg, @TempDir Path tmp)
      throws Exception {
    org.junit.jupiter.api.Assumptions.assumeFalse(
        signal.equals("INT") && io.runnel.testbed.Signals.ignored(io.runnel.testbed.Signals.SIGINT),
        io.runnel.testbed.Signals.sigintIgnoredReason());
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx128m");
    cmd.add("-Djava.io.tmpdir=" + tmp); // the example's temporary folder goes here
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("io.runnel.examples." + example);
    cmd.add(arg);
    if (!example.equals("LocalIngest")) {
      cmd.add("--duration=10m");
    }
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    List<String> lines = new ArrayList<>();
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      boolean sent = false;
      String line;
      while ((line = in.readLine()) != null) {
        lines.add(line);
        if (!sent && line.contains(running)) {
          Thread.sleep(500); // let it run a little, so the summary has figures
          Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).start();
          assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
          sent = true;
        }
      }
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("%s", lines).isTrue();
    } finally {
      p.destroyForcibly();
    }
    String text = String.join("\n", lines);
    assertThat(text).as(text).containsIgnoringCase("interrupted").contains(summary);
    assertThat(p.exitValue())
        .as(text)
        .isEqualTo(signal.equals("TERM") ? Shutdown.EXIT_SIGTERM : Shutdown.EXIT_SIGINT);
    try (Stream<Path> left = Files.list(tmp)) {
      assertThat(left.filter(f -> f.getFileName().toString().startsWith("runnel-")))
          .as("temporary folders left behind")
          .isEmpty();
    }
  }
}
