package io.runnel.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.runnel.cli.RunnelCli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The README walkthrough in one JVM: the demo with {@code --remote}, driven by the real CLI. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class DemoRemoteTest {

  private static final Pattern WS =
      Pattern.compile("Remote access: (ws://127\\.0\\.0\\.1:\\d+/v1)");
  private final ObjectMapper json = new ObjectMapper();

  @Test
  void theCliSeesTheDemoAndItsWriteChangesTheAlerts(@TempDir Path dir) throws Exception {
    Path tokens = dir.resolve("tokens");
    Files.writeString(
        tokens, "viewer read r-token-0123456789abcdef\noperator write w-token-fedcba9876543210\n");
    Files.setPosixFilePermissions(tokens, PosixFilePermissions.fromString("rw-------"));
    Path readOnly = dir.resolve("read-only");
    Files.writeString(
        readOnly, "r-token-0123456789abcdef\n"); // one token alone: the server decides
    Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("rw-------"));

    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    // its own thread: the demo blocks for its duration, and must not hold a common-pool thread that
    // the HTTP client's callbacks need (a 2-core machine has one)
    ExecutorService runner = Executors.newSingleThreadExecutor();
    CompletableFuture<Integer> demo =
        CompletableFuture.supplyAsync(
            () ->
                TemperatureDemo.run(
                    out,
                    "--duration",
                    "8s",
                    "--period",
                    "20ms",
                    "--threshold",
                    "100", // no alert until the threshold is lowered remotely
                    "--quiet",
                    "--remote",
                    "0",
                    "--remote-tokens",
                    tokens.toString()),
            runner);
    runner.shutdown();
    String url = awaitUrl(bytes, demo);

    Cli ls = cli("ls", "--json", "--url", url, "--token-file", tokens.toString());
    assertThat(ls.code).as(ls.err).isZero();
    assertThat(ls.out).contains("config.alert.threshold").contains("sensor.temp.indoor");

    Cli refused =
        cli(
            "set",
            "config.alert.threshold",
            "{\"celsius\": -100}",
            "--url",
            url,
            "--token-file",
            readOnly.toString());
    assertThat(refused.code).isNotZero();
    assertThat(refused.err.strip()).doesNotContain("\n").contains("needs a write token");

    Cli set =
        cli(
            "set",
            "config.alert.threshold",
            "{\"celsius\": -100}",
            "--url",
            url,
            "--token-file",
            tokens.toString());
    assertThat(set.code).as(set.err).isZero();

    Cli echo =
        cli(
            "echo",
            "alert.temp.indoor",
            "-n",
            "1",
            "--json",
            "--url",
            url,
            "--token-file",
            tokens.toString());
    assertThat(echo.code).as(echo.err).isZero();
    JsonNode alert =
        json.readTree(echo.out.lines().filter(l -> !l.isBlank()).findFirst().orElseThrow());
    assertThat(alert.toString()).contains("-100");

    assertThat(demo.get(60, TimeUnit.SECONDS)).isZero();
    assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("Stopped (CLOSED). Counters:");
  }

  private static String awaitUrl(ByteArrayOutputStream bytes, CompletableFuture<Integer> demo)
      throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < until) {
      Matcher m = WS.matcher(bytes.toString(StandardCharsets.UTF_8));
      if (m.find()) {
        return m.group(1);
      }
      if (demo.isDone()) {
        throw new AssertionError("the demo ended first: " + bytes.toString(StandardCharsets.UTF_8));
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no 'Remote access:' line: " + bytes.toString(StandardCharsets.UTF_8));
  }

  private record Cli(int code, String out, String err) {}

  private static Cli cli(String... args) {
    StringWriter o = new StringWriter();
    StringWriter e = new StringWriter();
    int code = RunnelCli.execute(args, new PrintWriter(o, true), new PrintWriter(e, true));
    return new Cli(code, o.toString(), e.toString());
  }
}
