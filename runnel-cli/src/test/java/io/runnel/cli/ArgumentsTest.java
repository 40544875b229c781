package io.runnel.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.cli.command.TimeArgs;
import io.runnel.cli.remote.Tokens;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Durations, points in history and token files as a person types them. */
@Timeout(10)
class ArgumentsTest {
  static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");

  @Test
  void durations() throws Exception {
    assertThat(TimeArgs.duration("x", "500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(TimeArgs.duration("x", "10m")).isEqualTo(Duration.ofMinutes(10));
    assertThat(TimeArgs.duration("x", "1h30m")).isEqualTo(Duration.ofMinutes(90));
    assertThat(TimeArgs.duration("x", "1.5s")).isEqualTo(Duration.ofMillis(1500));
    assertThat(TimeArgs.duration("x", "2d")).isEqualTo(Duration.ofDays(2));
    assertThat(TimeArgs.duration("x", "PT10M")).isEqualTo(Duration.ofMinutes(10));
    for (String bad : new String[] {"", "10", "m", "10x", "10m5", "-5s", "0s", "5s 3m"}) {
      assertThatThrownBy(() -> TimeArgs.duration("--timeout", bad))
          .isInstanceOf(CliException.class)
          .hasMessageContaining("--timeout")
          .extracting(e -> ((CliException) e).exitCode())
          .isEqualTo(2);
    }
  }

  @Test
  void pointsInHistory() throws Exception {
    assertThat(TimeArgs.since("s", "1200", NOW).seq()).isEqualTo(1200);
    assertThat(TimeArgs.since("s", "10m", NOW).time()).isEqualTo(NOW.minusSeconds(600));
    assertThat(TimeArgs.since("s", "2026-12-01T10:15:30.5Z", NOW).time())
        .isEqualTo(Instant.parse("2026-12-01T10:15:30.5Z"));
    assertThat(TimeArgs.since("s", "2026-12-01T11:15:30+01:00", NOW).time())
        .isEqualTo(Instant.parse("2026-12-01T10:15:30Z"));
    assertThat(TimeArgs.since("s", "7", NOW).toJson().toString()).isEqualTo("{\"seq\":7}");
    assertThatThrownBy(() -> TimeArgs.since("--since", "2026-12-01T10:15:30", NOW))
        .hasMessageContaining("with a zone");
  }

  @Test
  void tokenFiles(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("t");
    Files.writeString(f, "# generated\nops read r-token\nops write w-token\n\n");
    assertThat(Tokens.pick(Tokens.read(f), false)).contains("r-token");
    assertThat(Tokens.pick(Tokens.read(f), true)).contains("w-token");
    Files.writeString(f, "only-token\n");
    assertThat(Tokens.pick(Tokens.read(f), true)).contains("only-token");
    Files.writeString(f, "a read r\n");
    assertThat(Tokens.pick(Tokens.read(f), true)).isEmpty();
    Files.writeString(f, "a b\n");
    assertThatThrownBy(() -> Tokens.read(f)).hasMessageContaining("line 1");
    assertThatThrownBy(() -> Tokens.read(dir.resolve("none")))
        .hasMessageContaining("does not exist");
  }

  @Test
  void aMissingTokenFileIsExitCode3WithoutConnecting() {
    CliRun r = CliRun.of("ls", "--url", "ws://127.0.0.1:1/v1", "--token-file", "/nonexistent/t");
    assertThat(r.code()).isEqualTo(3);
    assertThat(r.err()).isEqualTo("runnel ls: token file /nonexistent/t does not exist\n");
  }

  @Test
  void usageErrorsAreOneLine() {
    CliRun r = CliRun.of("ls", "--bogus");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err().lines()).hasSize(1);
    assertThat(r.err()).startsWith("runnel ls: Unknown option: '--bogus'");
    CliRun none = CliRun.of();
    assertThat(none.code()).isEqualTo(2);
    CliRun url = CliRun.of("ls", "--url", "http://127.0.0.1:1/v1");
    assertThat(url.code()).isEqualTo(2);
    assertThat(url.err()).contains("not a WebSocket URL");
  }
}
