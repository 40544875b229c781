package io.runnel.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RobotControllerTest {

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void theControllerRunsAndReportsItsLateness(boolean shared, @TempDir Path dir) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    RobotController robot =
        new RobotController(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    String[] args =
        shared
            ? new String[] {
              "--duration",
              "1500ms",
              "--dir",
              dir.toString(),
              "--background-threads",
              "1",
              "--shared"
            }
            : new String[] {
              "--duration", "1500ms", "--dir", dir.toString(), "--background-threads", "1"
            };
    int code = new CommandLine(robot).execute(args);
    String text = bytes.toString(StandardCharsets.UTF_8);
    assertThat(code).isZero();
    assertThat(text)
        .contains(shared ? "Control loop (default lane)" : "Control loop (control lane)")
        .contains("lateness p50")
        .contains("fused windows:");
    assertThat(robot.cycles.get()).isPositive();
    assertThat(dir.resolve("storm-0.log")).exists();
    assertThat(text).containsPattern("history: [1-9][0-9]* values appended");
    assertThat(dir.resolve("history")).isDirectory();
    assertThat(text)
        .contains("Targets for the control loop on a dedicated lane: lateness p99.9 <= 100 us")
        .containsPattern("Verdict: p99.9 [0-9.]+ µs \\((met|NOT met)\\); max .* => ")
        .contains(shared ? "baseline run (--shared)" : "target");
  }

  @Test
  void withoutDirTheTemporaryFolderIsDeleted() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    RobotController robot =
        new RobotController(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    int code =
        Cli.commandLine(robot, System.err)
            .execute("--duration", "500ms", "--background-threads", "1");
    String text = bytes.toString(StandardCharsets.UTF_8);
    assertThat(code).as(text).isZero();
    assertThat(robot.storage).as(text).isNotNull().doesNotExist();
    assertThat(text).contains("(temporary: deleted now; --dir keeps it)");
  }
}
