package io.runnel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The online commands in-process (picocli's {@code execute} with captured output) against a real
 * pipeline and a real remote server, over both transports.
 */
@Timeout(60)
class RemoteCommandsTest {
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

  /** The connection options for a transport. */
  static List<String> conn(String transport) {
    return transport.equals("unix")
        ? List.of("--socket", p.socket.toString(), "--token-file", p.tokenFile.toString())
        : List.of("--url", p.url, "--token-file", p.tokenFile.toString());
  }

  static CliRun run(String transport, String... args) {
    List<String> a = new ArrayList<>(List.of(args));
    a.addAll(conn(transport));
    return CliRun.of(a);
  }

  static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(10);
    }
  }

  static List<JsonNode> jsonLines(String out) throws Exception {
    List<JsonNode> l = new ArrayList<>();
    for (String line : out.lines().toList()) {
      l.add(JSON.readTree(line));
    }
    return l;
  }

  @ParameterizedTest
  @ValueSource(strings = {"ws", "unix"})
  void lsListsTheRecords(String transport) throws Exception {
    CliRun human = run(transport, "ls");
    assertThat(human.code()).as(human.toString()).isZero();
    assertThat(human.lines().get(0)).startsWith("KEY").contains("PRODUCED");
    assertThat(human.out()).contains("cli.tick").contains("cli.temp").contains("Setpoint");
    assertThat(human.out()).containsPattern("cli\\.setpoint .*w");
    assertThat(human.out()).containsPattern("cli\\.temp .*p");

    CliRun json = run(transport, "ls", "--json");
    assertThat(json.code()).as(json.toString()).isZero();
    JsonNode records = JSON.readTree(json.out()).get("records");
    assertThat(records).hasSize(4);
    assertThat(records.findValuesAsText("key"))
        .containsExactlyInAnyOrder("cli.tick", "cli.state", "cli.setpoint", "cli.temp");
  }

  @ParameterizedTest
  @ValueSource(strings = {"ws", "unix"})
  void getPrintsTheCurrentValue(String transport) throws Exception {
    await(() -> p.produced(ServedPipeline.STATE) > 0, "a state");
    CliRun json = run(transport, "get", "cli.state", "--json");
    assertThat(json.code()).as(json.toString()).isZero();
    JsonNode r = JSON.readTree(json.out());
    assertThat(r.get("present").asBoolean()).isTrue();
    assertThat(r.get("value").get("mode").asText()).isIn("heat", "idle");

    CliRun human = run(transport, "get", "cli.state");
    assertThat(human.code()).isZero();
    assertThat(JSON.readTree(human.out()).has("updates")).isTrue();
  }

  @Test
  void getOfAnUnknownKeyIsOneLineAndExitCode1() {
    CliRun r = run("ws", "get", "no.such.key");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.out()).isEmpty();
    assertThat(r.err().lines()).hasSize(1);
    assertThat(r.err()).startsWith("runnel get: ").contains("no.such.key");
  }

  @ParameterizedTest
  @ValueSource(strings = {"ws", "unix"})
  void echoPrintsLiveValuesAndStopsAfterN(String transport) throws Exception {
    CliRun r = run(transport, "echo", "cli.tick", "-n", "5", "--json");
    assertThat(r.code()).as(r.toString()).isZero();
    List<JsonNode> values = jsonLines(r.out());
    List<JsonNode> ticks = values.stream().filter(v -> v.has("value")).toList();
    assertThat(ticks).hasSize(5);
    long first = ticks.get(0).get("value").get("n").asLong();
    for (int i = 1; i < ticks.size(); i++) {
      assertThat(ticks.get(i).get("value").get("n").asLong()).isGreaterThan(first);
    }
  }

  @Test
  void echoOfSeveralKeysPrefixesEachValueWithItsKey() throws Exception {
    CliRun r = run("unix", "echo", "cli.tick", "cli.state", "-n", "6");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.lines())
        .hasSize(6)
        .allMatch(l -> l.startsWith("cli.tick {") || l.startsWith("cli.state {"));
    assertThat(r.lines()).anyMatch(l -> l.startsWith("cli.state {")); // a latest value comes first
  }

  @Test
  void echoSinceReadsTheHistoryWithSequences() throws Exception {
    await(() -> p.store.durableSequence() > 40, "40 durable readings");
    CliRun r = run("ws", "echo", "cli.temp", "--since", "0", "-n", "30");
    assertThat(r.code()).as(r.toString()).isZero();
    List<String> lines = r.lines();
    assertThat(lines).hasSize(30);
    long prev = -1;
    for (String line : lines) {
      assertThat(line).startsWith("#");
      long seq = Long.parseLong(line.substring(1, line.indexOf(' ')));
      assertThat(seq).isGreaterThan(prev);
      prev = seq;
    }
    CliRun ago = run("ws", "echo", "cli.temp", "--since", "10m", "-n", "3", "--json");
    assertThat(ago.code()).as(ago.toString()).isZero();
    assertThat(jsonLines(ago.out()).get(0).has("seq")).isTrue();
  }

  @Test
  void echoOfAnUnknownKeyFails() {
    CliRun r = run("ws", "echo", "no.such.key", "-n", "1");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err().lines()).hasSize(1);
  }

  @Test
  void hzMeasuresTheRate() throws Exception {
    CliRun r = run("ws", "hz", "cli.tick", "-n", "2", "--interval", "1s", "--json");
    assertThat(r.code()).as(r.toString()).isZero();
    List<JsonNode> reports = jsonLines(r.out());
    assertThat(reports).hasSize(2);
    JsonNode last = reports.get(1);
    // a 100 Hz ticker, measured at the client on a shared 2-core machine
    assertThat(last.get("rateHz").asDouble()).isBetween(40.0, 250.0);
    assertThat(last.get("samples").asInt()).isGreaterThan(10);
    CliRun human = run("ws", "hz", "cli.tick", "-n", "1", "--interval", "500ms");
    assertThat(human.out()).contains("cli.tick").contains("Hz");
  }

  @ParameterizedTest
  @ValueSource(strings = {"ws", "unix"})
  void setWritesAValue(String transport) throws Exception {
    double c = transport.equals("ws") ? 21.5 : 19.25;
    CliRun r = run(transport, "set", "cli.setpoint", "{\"celsius\":" + c + ",\"mode\":\"eco\"}");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).contains("accepted");
    await(() -> p.lastSetpoint != null && p.lastSetpoint.celsius() == c, "the set-point");
    assertThat(p.lastSetpoint.mode()).isEqualTo("eco");
  }

  @Test
  void setReadsTheValueFromStdinWithDash() throws Exception {
    java.io.InputStream in = System.in;
    try {
      System.setIn(
          new java.io.ByteArrayInputStream(
              "{\"celsius\": 17.75,\n \"mode\": \"stdin\"}\n".getBytes()));
      CliRun r = run("ws", "set", "cli.setpoint", "-");
      assertThat(r.code()).as(r.toString()).isZero();
    } finally {
      System.setIn(in);
    }
    await(() -> p.lastSetpoint != null && "stdin".equals(p.lastSetpoint.mode()), "the set-point");
    assertThat(p.lastSetpoint.celsius()).isEqualTo(17.75);
  }

  @Test
  void setWithBadJsonIsAUsageError() {
    CliRun r = run("ws", "set", "cli.setpoint", "{celsius: 21");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err().lines()).hasSize(1);
    assertThat(r.err()).contains("not valid JSON");
  }

  @Test
  void setOfAValueThatDoesNotDecodeFails() {
    CliRun r = run("ws", "set", "cli.setpoint", "{\"celsius\":\"warm\"}");
    assertThat(r.code()).as(r.toString()).isEqualTo(1);
    assertThat(r.err().lines()).hasSize(1);
  }

  @Test
  void setWithAReadTokenIsRefused() {
    CliRun r =
        CliRun.of(
            "set",
            "cli.setpoint",
            "{\"celsius\":1,\"mode\":\"x\"}",
            "--url",
            p.url,
            "--token-file",
            p.readTokenFile.toString());
    assertThat(r.code()).as(r.toString()).isEqualTo(3);
    assertThat(r.err().lines()).hasSize(1);
  }

  @Test
  void setOfAnUnwritableRecordIsRefused() {
    CliRun r = run("ws", "set", "cli.state", "{\"mode\":\"x\",\"updates\":1}");
    assertThat(r.code()).as(r.toString()).isEqualTo(3);
    assertThat(r.err()).contains("cli.state");
  }

  @Test
  void graphInThreeFormats() throws Exception {
    CliRun text = run("ws", "graph");
    assertThat(text.code()).as(text.toString()).isZero();
    assertThat(text.out()).contains(" -> ");
    CliRun dot = run("ws", "graph", "--dot");
    assertThat(dot.out()).contains("digraph");
    CliRun mermaid = run("ws", "graph", "--mermaid");
    assertThat(mermaid.out()).containsAnyOf("flowchart", "graph ");
    CliRun json = run("ws", "graph", "--json");
    assertThat(JSON.readTree(json.out()).get("edges").size()).isPositive();
    CliRun both = run("ws", "graph", "--dot", "--mermaid");
    assertThat(both.code()).isEqualTo(2);
  }

  @Test
  void topPrintsLanesAndTasks() throws Exception {
    CliRun r = run("ws", "top", "--once");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).contains("cli-test").contains("LANE").contains("TASK");
    assertThat(r.out()).contains("RUNNING");
    CliRun json = run("ws", "top", "--once", "--json");
    assertThat(JSON.readTree(json.out()).get("tasks").size()).isPositive();
  }

  @Test
  void queryPagesThroughTheWholeRange() throws Exception {
    await(() -> p.store.durableSequence() > 100, "100 durable readings");
    Instant until = Instant.now().minusMillis(200);
    CliRun small =
        run("ws", "query", "cli.temp", "--since", "0", "--until", until.toString(), "--page", "7");
    assertThat(small.code()).as(small.toString()).isZero();
    CliRun big =
        run(
            "ws",
            "query",
            "cli.temp",
            "--since",
            "0",
            "--until",
            until.toString(),
            "--page",
            "500");
    List<JsonNode> a = jsonLines(small.out());
    List<JsonNode> b = jsonLines(big.out());
    assertThat(a.size()).isGreaterThan(30);
    assertThat(a).isEqualTo(b);
    for (int i = 1; i < a.size(); i++) {
      assertThat(a.get(i).get("seq").asLong()).isGreaterThan(a.get(i - 1).get("seq").asLong());
    }
    assertThat(a.get(a.size() - 1).get("time").asText()).isLessThan(until.toString());

    CliRun csv = run("ws", "query", "cli.temp", "--since", "1m", "--format", "csv", "--limit", "5");
    assertThat(csv.code()).as(csv.toString()).isZero();
    assertThat(csv.lines().get(0)).isEqualTo("seq,time,sensor,celsius,n");
    assertThat(csv.lines()).hasSize(6);
  }

  @Test
  void queryOfARecordThatIsNotPersistedFails() {
    CliRun r = run("ws", "query", "cli.tick");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err().lines()).hasSize(1);
  }

  @Test
  void statsShowsTheServersCounters() throws Exception {
    CliRun r = run("ws", "stats");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).contains("requests.stats").contains("store.durableSequence");
    JsonNode stats = JSON.readTree(run("ws", "stats", "--json").out());
    assertThat(stats.get("requests").get("hello").asLong()).isPositive();
    assertThat(stats.has("store")).isTrue();
  }

  @Test
  void noServerListeningIsExitCode3() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    CliRun r = CliRun.of("ls", "--url", "ws://127.0.0.1:" + port + "/v1", "--timeout", "2s");
    assertThat(r.code()).isEqualTo(3);
    assertThat(r.err().lines()).hasSize(1);
    assertThat(r.err()).contains("connection refused");
    CliRun path = CliRun.of("ls", "--url", p.url.replace("/v1", "/v2"), "--timeout", "2s");
    assertThat(path.code()).isEqualTo(3);
    assertThat(path.err()).contains("HTTP 404");
    CliRun unix = CliRun.of("ls", "--socket", dir.resolve("nothing.sock").toString());
    assertThat(unix.code()).isEqualTo(3);
    assertThat(unix.err()).contains("no such file");
  }

  @Test
  void aServerThatNeverAnswersIsATimeoutWithExitCode3() throws Exception {
    Path silent = dir.resolve("silent.sock");
    try (java.nio.channels.ServerSocketChannel unix =
            java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX);
        ServerSocket tcp = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      unix.bind(java.net.UnixDomainSocketAddress.of(silent)); // accepts (backlog), never answers
      long t0 = System.nanoTime();
      CliRun u = CliRun.of("ls", "--socket", silent.toString(), "--timeout", "1s");
      assertThat(u.code()).as(u.toString()).isEqualTo(3);
      assertThat(u.err()).contains("no answer to 'hello'").contains("within 1 s");
      CliRun w =
          CliRun.of(
              "ls", "--url", "ws://127.0.0.1:" + tcp.getLocalPort() + "/v1", "--timeout", "1s");
      assertThat(w.code()).as(w.toString()).isEqualTo(3);
      assertThat(w.err().lines()).hasSize(1);
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"ws", "unix"})
  void aWrongTokenIsExitCode3(String transport) throws Exception {
    Path wrong = dir.resolve("wrong-" + transport + ".token");
    Files.writeString(wrong, "me read not-the-token\n");
    List<String> a =
        new ArrayList<>(
            transport.equals("ws")
                ? List.of("ls", "--url", p.url)
                : List.of("ls", "--socket", p.socket.toString()));
    a.addAll(List.of("--token-file", wrong.toString()));
    CliRun r = CliRun.of(a);
    assertThat(r.code()).as(r.toString()).isEqualTo(3);
    assertThat(r.err().lines()).hasSize(1);
    assertThat(r.err()).contains("refused the token").doesNotContain("not-the-token");
  }
}
