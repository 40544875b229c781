package io.runnel.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.runnel.Shutdown;
import io.runnel.cli.RunnelCli;
import io.runnel.testbed.Mosquitto;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mixed-version demo on a real Mosquitto: stations on v1 and v2 (then v3) feed one hub that is
 * upgraded from v1 to v2 to v3 on the same store; every value read back must be the sent one
 * converted by hand, and every entry must carry the version it was written with, in the hub's store
 * and in what the real remote CLI (a separate process against the hub's remote server) prints.
 */
class MixedVersionsTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @BeforeEach
  void needsMosquitto() {
    if (Mosquitto.binary() == null) {
      assertThat(System.getenv("CI")).as("CI must install mosquitto").isNull();
      Assumptions.abort("mosquitto is not installed: " + Mosquitto.INSTALL_HINT);
    }
  }

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void aHubUpgradedTwiceReadsEveryVersionOfItsHistoryMigrated() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    MixedVersions demo = new MixedVersions(out);
    int status = Cli.commandLine(demo, out).execute("--per-step", "3");
    String text = bytes.toString(StandardCharsets.UTF_8);
    System.out.println(text);

    assertThat(status).as(text).isEqualTo(Shutdown.EXIT_OK);
    assertThat(demo.mismatches).as(text).isEmpty();
    // step 1: 3 entries written by the hub on v1; step 2: 6 on v2; step 3: 6 on v3
    List<Integer> want = List.of(1, 1, 1, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3);
    assertThat(demo.writtenVersions).isEqualTo(want);
    // read back: 3 (v2 reads v1) + 9 + 9 (v3 reads v1/v2) + 15 + 15 (the legacy v1 reader)
    // + 9 + 15 through the remote CLI (v2 and v3 hub)
    assertThat(demo.checked).isEqualTo(3 + 9 + 9 + 15 + 15 + 9 + 15);
    assertThat(text)
        .containsPattern("OK: 75 values read back across versions 1..3 .*, 0 mismatches, 3")
        .contains("is version 3")
        .contains("knows versions 1..2")
        .containsPattern(
            "\\$ \\./runnel cli query hub\\.readings --url ws://127\\.0\\.0\\.1:\\d+/v1"
                + " --token-file \\S+hub\\.token")
        .contains("--serve keeps the v3 hub up");
    assertThat(demo.deadLettered).isEqualTo(3);
    assertThat(demo.readToken).hasSizeGreaterThanOrEqualTo(16);
    assertThat(text).doesNotContain(demo.readToken);

    // the CLI's output, parsed here: the sent values converted by hand, each entry's version
    assertThat(demo.cliViews).extracting(MixedVersions.CliView::version).containsExactly(2, 3);
    MixedVersions.CliView v2 = demo.cliViews.get(0);
    MixedVersions.CliView v3 = demo.cliViews.get(1);
    assertThat(v2.result().exitCode()).as(v2.result().stderr()).isZero();
    assertThat(v3.result().exitCode()).as(v3.result().stderr()).isZero();
    List<MixedVersions.Sent> sent = demo.sent;
    assertThat(sent).hasSize(15);
    List<JsonNode> at2 = entries(v2.result().stdout());
    assertThat(at2).hasSize(9);
    for (int i = 0; i < at2.size(); i++) {
      JsonNode e = at2.get(i);
      MixedVersions.Sent s = sent.get(i);
      assertThat(e.get("version").asInt()).as("%s", e).isEqualTo(want.get(i));
      JsonNode v = e.get("value");
      assertThat(v.get("station").asText()).as("%s", e).isEqualTo(s.station());
      assertThat(v.get("celsius").asDouble()).as("%s", e).isEqualTo(s.celsius());
      assertHumidity(e, s);
      assertThat(v.get("at").asLong()).as("%s", e).isEqualTo(s.at());
      assertThat(v.has("kelvin")).isFalse();
    }
    List<JsonNode> at3 = entries(v3.result().stdout());
    assertThat(at3).hasSize(15);
    for (int i = 0; i < at3.size(); i++) {
      JsonNode e = at3.get(i);
      MixedVersions.Sent s = sent.get(i);
      assertThat(e.get("version").asInt()).as("%s", e).isEqualTo(want.get(i));
      JsonNode v = e.get("value");
      assertThat(v.get("station").asText()).as("%s", e).isEqualTo(s.station());
      assertThat(v.get("kelvin").asDouble())
          .as("%s", e)
          .isCloseTo(s.celsius() + 273.15, org.assertj.core.data.Offset.offset(1e-9));
      assertHumidity(e, s);
      assertThat(v.get("at").asLong()).as("%s", e).isEqualTo(s.at());
      assertThat(v.has("celsius")).isFalse();
    }
    // station A's first v1 reading, written by the v1 hub, as the CLI shows it from the v3 hub
    assertThat(at3.get(0).get("version").asInt()).isEqualTo(1);
    assertThat(JSON.writeValueAsString(at3.get(0).get("value")))
        .isEqualTo("{\"station\":\"A\",\"kelvin\":283.15,\"humidity\":\"NaN\",\"at\":0}");
    // station B's first v2 reading, written by the v2 hub: humidity kept
    assertThat(at3.get(6).get("version").asInt()).isEqualTo(2);
    assertThat(JSON.writeValueAsString(at3.get(6).get("value")))
        .isEqualTo("{\"station\":\"B\",\"kelvin\":294.15,\"humidity\":40.0,\"at\":1000}");
    // the first v1 entry is printed as the hub's current version in the demo's output
    assertThat(text).contains("\"version\":1,\"value\":{\"station\":\"A\",\"kelvin\":283.15");

    // the demo's own check of the CLI's view fails on a wrong value or a wrong version
    MixedVersions checker = new MixedVersions(new PrintStream(new ByteArrayOutputStream()));
    checker.perStep = 3;
    String good = v3.result().stdout();
    checker.checkCliView("tampered", result(good.replace("283.15", "283.16")), sent, 3);
    assertThat(checker.mismatches).singleElement().asString().contains("283.16");
    checker.mismatches.clear();
    checker.checkCliView(
        "tampered", result(good.replaceFirst("\"version\":1", "\"version\":2")), sent, 3);
    assertThat(checker.mismatches).singleElement().asString().contains("written version 2");
    checker.mismatches.clear();
    checker.checkCliView("good", result(good), sent, 3);
    assertThat(checker.mismatches).isEmpty();
  }

  /**
   * {@code --serve}: the demo prints the command a user types; this test types it (the real CLI,
   * in-process here) while the child JVM serves, then stops it with SIGINT: status 130, the work
   * folder (with its token file) gone.
   */
  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void servesTheV3HubForTheUsersOwnCommandsUntilCtrlC(@TempDir Path tmp) throws Exception {
    org.junit.jupiter.api.Assumptions.assumeFalse(
        io.runnel.testbed.Signals.ignored(io.runnel.testbed.Signals.SIGINT),
        io.runnel.testbed.Signals.sigintIgnoredReason());
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx128m");
    cmd.add("-Djava.io.tmpdir=" + tmp); // the demo's work folder goes here
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(MixedVersions.class.getName());
    cmd.add("--per-step=1");
    cmd.add("--serve");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    List<String> lines = new ArrayList<>();
    String url = null;
    String tokenFile = null;
    StringWriter cliOut = new StringWriter();
    StringWriter cliErr = new StringWriter();
    int cliStatus = -1;
    Pattern query =
        Pattern.compile("^  \\./runnel cli query hub\\.readings --url (\\S+) --token-file (\\S+)$");
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        lines.add(line);
        Matcher m = query.matcher(line);
        if (m.matches()) {
          url = m.group(1);
          tokenFile = m.group(2);
        }
        if (url != null && line.startsWith("  ./runnel cli get ")) {
          // the user's command, as printed
          cliStatus =
              RunnelCli.execute(
                  new String[] {"query", "hub.readings", "--url", url, "--token-file", tokenFile},
                  new PrintWriter(cliOut, true),
                  new PrintWriter(cliErr, true));
          Process kill = new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start();
          assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
        }
      }
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("%s", lines).isTrue();
    } finally {
      p.destroyForcibly();
    }
    String text = String.join("\n", lines);
    assertThat(url).as(text).isNotNull();
    assertThat(cliStatus).as("%s %s", cliErr, text).isZero();
    // per step 1: A (v1 hub); A, B (v2 hub); A, B (v3 hub)
    List<JsonNode> entries = entries(cliOut.toString());
    assertThat(entries).extracting(e -> e.get("version").asInt()).containsExactly(1, 2, 2, 3, 3);
    assertThat(entries)
        .extracting(e -> e.get("value").get("station").asText())
        .containsExactly("A", "A", "B", "A", "B");
    // A sends 10 + step °C, B 20 + step: as v3, Kelvin
    assertThat(entries)
        .extracting(e -> e.get("value").get("kelvin").asDouble())
        .containsExactly(283.15, 284.15, 294.15, 285.15, 295.15);
    assertThat(text)
        .contains("Serving the v3 hub until Ctrl-C")
        .contains("OK: ")
        .contains("Interrupted (shutdown requested)");
    assertThat(p.exitValue()).as(text).isEqualTo(Shutdown.EXIT_SIGINT);
    try (Stream<Path> left = Files.list(tmp)) {
      assertThat(left.filter(f -> f.getFileName().toString().startsWith("runnel-")))
          .as("the work folder is deleted")
          .isEmpty();
    }
    assertThat(Path.of(tokenFile)).doesNotExist();
  }

  private static void assertHumidity(JsonNode e, MixedVersions.Sent s) {
    JsonNode h = e.get("value").get("humidity");
    if (s.version() == 1) {
      // v1 never had it: unknown, which JSON spells "NaN"
      assertThat(h.isTextual() && h.asText().equals("NaN")).as("%s", e).isTrue();
    } else {
      assertThat(h.isNumber()).as("%s", e).isTrue();
      assertThat(h.asDouble()).as("%s", e).isEqualTo(s.humidity());
    }
  }

  private static List<JsonNode> entries(String stdout) throws Exception {
    List<JsonNode> l = new ArrayList<>();
    for (String line : stdout.lines().filter(x -> !x.isBlank()).toList()) {
      l.add(JSON.readTree(line));
    }
    return l;
  }

  private static CliProcess.Result result(String stdout) {
    return new CliProcess.Result(0, stdout, "");
  }
}
