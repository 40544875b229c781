package io.runnel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code java -jar runnel-cli.jar} as a real process against a pipeline in this JVM. */
@Timeout(120)
class CliJarIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;
  static ServedPipeline p;

  @BeforeAll
  static void start() throws Exception {
    p = new ServedPipeline(dir);
  }

  @AfterAll
  static void stop() {
    if (p != null) {
      p.close();
    }
  }

  @Test
  void lsAsJsonFromTheJar() throws Exception {
    CliRun r =
        JarProcess.run(
            Map.of(), "ls", "--json", "--url", p.url, "--token-file", p.tokenFile.toString());
    assertThat(r.code()).as(r.toString()).isZero();
    JsonNode records = JSON.readTree(r.out()).get("records");
    assertThat(records.findValuesAsText("key")).contains("cli.tick", "cli.temp");
    assertThat(r.err()).isEmpty();
  }

  @Test
  void theTokenComesFromTheEnvironmentToo() throws Exception {
    String token =
        Files.readAllLines(p.tokenFile).stream()
            .filter(l -> l.contains(" read "))
            .findFirst()
            .orElseThrow()
            .split(" ")[2];
    CliRun r =
        JarProcess.run(
            Map.of("RUNNEL_TOKEN", token), "get", "cli.state", "--socket", p.socket.toString());
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(JSON.readTree(r.out()).has("mode")).isTrue();
  }

  @Test
  void echoEndsWhenItsReaderGoesAway() throws Exception {
    // `runnel echo cli.tick | head -2`: the pipe closes, echo must not run on for ever
    ProcessBuilder pb =
        new ProcessBuilder(
            JarProcess.command(
                java.util.List.of(
                    "echo", "cli.tick", "--url", p.url, "--token-file", p.tokenFile.toString())));
    pb.redirectError(ProcessBuilder.Redirect.DISCARD);
    Process echo = pb.start();
    try {
      java.io.BufferedReader lines =
          new java.io.BufferedReader(new java.io.InputStreamReader(echo.getInputStream()));
      assertThat(lines.readLine()).contains("\"n\"");
      assertThat(lines.readLine()).contains("\"n\"");
      echo.getInputStream().close();
      assertThat(echo.waitFor(20, java.util.concurrent.TimeUnit.SECONDS))
          .as("echo ended after its stdout closed")
          .isTrue();
      assertThat(echo.exitValue()).isZero();
    } finally {
      echo.destroyForcibly();
    }
  }

  @Test
  void errorsAreOneLineWithTheirExitCode() throws Exception {
    CliRun badKey =
        JarProcess.run(
            Map.of(), "get", "no.such.key", "--url", p.url, "--token-file", p.tokenFile.toString());
    assertThat(badKey.code()).isEqualTo(1);
    assertThat(badKey.err().lines()).hasSize(1);
    assertThat(badKey.err()).doesNotContain("Exception").doesNotContain("\tat ");

    Path wrong = dir.resolve("wrong.token");
    Files.writeString(wrong, "x read nope\n");
    CliRun refused =
        JarProcess.run(Map.of(), "ls", "--url", p.url, "--token-file", wrong.toString());
    assertThat(refused.code()).isEqualTo(3);
    assertThat(refused.err().lines()).hasSize(1);

    CliRun usage = JarProcess.run(Map.of(), "set", "cli.setpoint");
    assertThat(usage.code()).isEqualTo(2);
    assertThat(usage.err().lines()).hasSize(1);

    CliRun help = JarProcess.run(Map.of(), "--help");
    assertThat(help.code()).isZero();
    assertThat(help.out()).contains("Exit codes:").contains("echo").contains("store");
  }
}
