package io.runnel.metrics;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scrape passes Prometheus' own linter, {@code promtool check metrics} (Debian package {@code
 * prometheus}). Without promtool this test fails under CI ({@code CI} set: CI installs it) and is
 * skipped, saying why, on a developer's machine.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PromtoolTest {
  @TempDir Path dir;

  @Test
  void promtoolFindsNoProblemInTheScrape() throws Exception {
    Path promtool = promtool();
    try (MeteredPipeline p = new MeteredPipeline(dir).awaitSettled()) {
      String scrape = PrometheusScrape.of(p.runnel, p.store).scrape();
      // kept for a look (and the README's example)
      Files.writeString(Path.of("target", "scrape-example.txt"), scrape);

      Process check =
          new ProcessBuilder(promtool.toString(), "check", "metrics")
              .redirectErrorStream(true)
              .start();
      try {
        try (OutputStream in = check.getOutputStream()) {
          in.write(scrape.getBytes(UTF_8));
        }
        String out = new String(check.getInputStream().readAllBytes(), UTF_8);
        assertThat(check.waitFor(20, TimeUnit.SECONDS)).as("promtool ended").isTrue();
        assertThat(out).as("promtool's findings").isEmpty();
        assertThat(check.exitValue()).as("promtool's exit code; output:\n" + out).isZero();
      } finally {
        check.destroyForcibly();
      }
    }
  }

  @Test
  void promtoolWouldCatchALintProblem() throws Exception {
    Path promtool = promtool();
    // the check must be able to fail: a counter without _total and without help
    Process check =
        new ProcessBuilder(promtool.toString(), "check", "metrics")
            .redirectErrorStream(true)
            .start();
    try {
      try (OutputStream in = check.getOutputStream()) {
        in.write("# TYPE bad_counter counter\nbad_counter 1\n".getBytes(UTF_8));
      }
      String out = new String(check.getInputStream().readAllBytes(), UTF_8);
      assertThat(check.waitFor(20, TimeUnit.SECONDS)).isTrue();
      assertThat(out).contains("bad_counter");
      assertThat(check.exitValue()).isNotZero();
    } finally {
      check.destroyForcibly();
    }
  }

  private static Path promtool() throws IOException {
    for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path p = Path.of(d, "promtool");
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    String missing =
        "promtool not found on PATH: install the Debian package 'prometheus' (apt-get install"
            + " prometheus) to check the scrape";
    if (System.getenv("CI") != null) {
      throw new AssertionError(missing + " (CI is set: CI must install it)");
    }
    Assumptions.abort(missing + "; skipped (CI is not set)");
    throw new IOException("unreachable");
  }
}
