package io.runnel.remote;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.runnel.RecordKey;
import io.runnel.Runnel;
import io.runnel.buffer.BufferSpec;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Foxglove WebSocket protocol, tested with the protocol's reference client from the npm
 * registry ({@code @foxglove/ws-protocol} over {@code ws}) run by Node.js against the demo
 * pipeline.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FoxgloveProtocolTest {
  @TempDir Path tmp;

  static Path script;

  @BeforeAll
  static void npm() throws Exception {
    NodeScript.install("@foxglove/ws-protocol@0.8.0", "ws@8.23.0");
    script =
        Path.of(FoxgloveProtocolTest.class.getResource("/foxglove/client.cjs").toURI())
            .toAbsolutePath();
  }

  @Test
  void messagesBeyondTheRateAreRefusedNotFatal() throws Exception {
    try (Fixture f = new Fixture(tmp, b -> b.requestsPerSecond(20));
        NodeScript node = NodeScript.start(script, "flood", url(f), f.readToken)) {
      JsonNode r = node.await("flood");
      // a burst of 20 passes, about 40 of the 60 are refused; the connection stays usable
      assertThat(r.get("limited").asInt()).isBetween(30, 45);
      assertThat(f.server.stats().rejected().get("rate_limited"))
          .isEqualTo(r.get("limited").asLong());
      assertThat(node.exit()).isZero();
    }
  }

  @Test
  void theUriIsTheListenersWithItsPath() throws Exception {
    try (Fixture f = new Fixture(tmp)) {
      assertThat(f.server.foxgloveUri())
          .contains("ws://127.0.0.1:" + f.server.port() + "/foxglove");
    }
  }

  private static String url(Fixture f) {
    return f.server.foxgloveUri().orElseThrow();
  }

  @Test
  void referenceClientSeesChannelsStreamsAndSets() throws Exception {
    try (Fixture f = new Fixture(tmp);
        NodeScript node = NodeScript.start(script, "write", url(f), f.writeToken)) {
      JsonNode info = node.await("serverInfo");
      assertThat(info.path("protocol").asText()).isEqualTo("foxglove.websocket.v1");
      assertThat(info.at("/info/name").asText()).isEqualTo("runnel remote-demo");
      assertThat(texts(info.at("/info/capabilities"))).contains("services", "clientPublish");
      assertThat(texts(info.at("/info/supportedEncodings"))).containsExactly("json");
      assertThat(info.at("/info/metadata/role").asText()).isEqualTo("write");

      JsonNode adv = node.await("advertise");
      List<String> topics = new ArrayList<>();
      JsonNode tickSchema = null;
      for (JsonNode c : adv.get("channels")) {
        topics.add(c.get("topic").asText());
        assertThat(c.get("encoding").asText()).isEqualTo("json");
        assertThat(c.get("schemaEncoding").asText()).isEqualTo("jsonschema");
        assertThat(c.get("schema").isObject()).as("schema of %s parses", c).isTrue();
        assertThat(c.get("foxgloveProblem").isNull()).as("Foxglove takes %s", c).isTrue();
        if (c.get("topic").asText().equals("demo.tick")) {
          tickSchema = c.get("schema");
          assertThat(c.get("schemaName").asText()).endsWith("Tick");
        }
      }
      assertThat(topics)
          .containsExactlyInAnyOrder(
              "demo.tick", "demo.state", "demo.setpoint", "demo.command", "demo.temp");
      assertThat(tickSchema.at("/properties/n/type").asText()).isEqualTo("integer");
      assertThat(tickSchema.at("/properties/at/type").asText()).isEqualTo("string");

      JsonNode services = node.await("services");
      List<String> names = new ArrayList<>();
      services.get("services").forEach(s -> names.add(s.get("name").asText()));
      // demo.command is external too, but not on the allow-list: no service for it
      assertThat(names).containsExactly("demo.setpoint/set");
      JsonNode sp = services.get("services").get(0);
      assertThat(sp.at("/request/encoding").asText()).isEqualTo("json");
      assertThat(sp.at("/requestSchema/properties/celsius/type").asText()).isEqualTo("number");

      // 50 consecutive ticks, as the source produced them: n one apart, produced just before
      JsonNode ticks = node.await("ticks").get("ticks");
      assertThat(ticks).hasSize(50);
      long first = ticks.get(0).at("/value/n").asLong();
      long now = Instant.now().toEpochMilli();
      for (int i = 0; i < 50; i++) {
        JsonNode t = ticks.get(i);
        assertThat(t.at("/value/n").asLong()).isEqualTo(first + i);
        Instant at = Instant.parse(t.at("/value/at").asText());
        long logNanos = Long.parseLong(t.get("logTime").asText());
        long atNanos = at.getEpochSecond() * 1_000_000_000L + at.getNano();
        assertThat(logNanos)
            .as("log time is when the server received it")
            .isGreaterThanOrEqualTo(atNanos);
        assertThat(logNanos - atNanos).isLessThan(TimeUnit.SECONDS.toNanos(5));
        assertThat(Math.abs(logNanos / 1_000_000 - now)).isLessThan(10_000);
      }
      assertThat(first + 49).isLessThan(f.demo.produced(Demo.TICK));

      // set through the service: accepted, reaches the pipeline, comes back on the subscription
      JsonNode ok = node.await("callResponse");
      assertThat(ok.get("encoding").asText()).isEqualTo("json");
      assertThat(ok.get("value").get("accepted").asBoolean()).isTrue();
      assertThat(ok.at("/value/key").asText()).isEqualTo("demo.setpoint");
      await(() -> new Demo.Setpoint(21.5, "heat").equals(f.demo.lastSetpoint));
      JsonNode echoed = node.await("setpoint");
      assertThat(echoed.at("/value/celsius").asDouble()).isEqualTo(21.5);
      assertThat(echoed.at("/value/mode").asText()).isEqualTo("heat");

      // a value that does not decode: a service call failure naming the field, nothing produced
      JsonNode bad = node.await("callFailure");
      assertThat(bad.get("message").asText())
          .startsWith("decode_failed: value does not decode to Setpoint")
          .contains("$.celsius");

      // client publishing on the writable record's topic is a set too
      JsonNode done = node.await("done");
      // the client unsubscribed from demo.tick and subscribed again (a new id): the new one
      // delivered, and nothing of the old one came after it
      assertThat(done.get("secondSeen").asInt()).isPositive();
      assertThat(done.get("firstAfterSecond").asInt()).isZero();
      await(() -> new Demo.Setpoint(19.25, "idle").equals(f.demo.lastSetpoint));
      assertThat(node.exit()).isZero();
      // exactly the two accepted writes reached the pipeline; the bad one produced nothing
      assertThat(f.demo.setpointsTapped.get()).isEqualTo(2);
      RemoteStats s = f.server.stats();
      assertThat(s.writesAccepted()).isEqualTo(2);
      assertThat(s.writesRefused()).isEqualTo(1);
      assertThat(s.watchDelivered()).isGreaterThanOrEqualTo(52);
      assertThat(s.requests()).containsKeys("foxglove connect", "foxglove subscribe");
      await(() -> f.server.stats().connectionsOpen() == 0 && f.server.stats().watchesOpen() == 0);
    }
  }

  enum Mode {
    IDLE,
    RUNNING
  }

  record Point(double x, double y) {}

  record Tree(String name, List<Tree> children) {}

  record Segment(
      Point from, Point to, List<Point> path, Mode mode, Instant at, String label, Tree tree) {}

  /** Repeated and recursive types become $defs and $refs in JSON Schema; Foxglove resolves none. */
  /** A station reading, for records added at run time. */
  public record Reading(String station, double celsius) {}

  @Test
  void recordsAddedAtRunTimeAreAdvertisedAndRemovedOnesUnadvertised() throws Exception {
    try (Fixture f = new Fixture(tmp);
        NodeScript node = NodeScript.start(script, "follow", url(f), f.readToken)) {
      node.await("advertise"); // the records of the build
      io.runnel.RecordKey station = io.runnel.RecordKey.of("demo.station.a");
      f.demo.runnel.add(Reading.class, station, r -> r.external());
      JsonNode adv =
          node.await(
              n ->
                  n.path("event").asText().equals("advertise")
                      && n.get("channels").findValuesAsText("topic").contains("demo.station.a"),
              "advertise of demo.station.a");
      JsonNode channel = adv.get("channels").get(0);
      long id = channel.get("id").asLong();
      assertThat(channel.get("schema").at("/properties/celsius/type").asText()).isEqualTo("number");
      assertThat(channel.get("foxgloveProblem").isNull()).isTrue();
      // the client subscribed at once; values produced now reach it
      var producer = f.demo.runnel.producer(Reading.class, station);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      JsonNode msg = null;
      while (msg == null && System.nanoTime() < deadline) {
        producer.produce(new Reading("a", 20.5));
        msg = pollFor(node, "message");
      }
      assertThat(msg).as("a value of the added record").isNotNull();
      assertThat(msg.at("/value/celsius").asDouble()).isEqualTo(20.5);
      f.demo.runnel.remove(station);
      JsonNode un =
          node.await(
              n ->
                  n.path("event").asText().equals("unadvertise")
                      && n.get("channelIds").toString().contains(String.valueOf(id)),
              "unadvertise of channel " + id);
      assertThat(un.get("channelIds").get(0).asLong()).isEqualTo(id);
      // added again: a new channel id, advertised again
      f.demo.runnel.add(Reading.class, station, r -> r.external());
      JsonNode again =
          node.await(
              n ->
                  n.path("event").asText().equals("advertise")
                      && n.get("channels").findValuesAsText("topic").contains("demo.station.a"),
              "second advertise of demo.station.a");
      assertThat(again.get("channels").get(0).get("id").asLong()).isNotEqualTo(id);
    }
  }

  /** The next line with {@code event} within 100 ms, or null. */
  private static JsonNode pollFor(NodeScript node, String event) throws InterruptedException {
    try {
      return node.await(n -> n.path("event").asText().equals(event), event, 100);
    } catch (AssertionError e) {
      return null;
    }
  }

  @Test
  void schemasAreInTheShapeFoxgloveTurnsIntoFields() throws Exception {
    RecordKey seg = RecordKey.of("geo.segment");
    try (Runnel r =
            Runnel.builder()
                .configure(
                    Segment.class,
                    seg,
                    x -> x.buffer(BufferSpec.latest()).external().tap("t", (ctx, v) -> {}))
                .build()
                .start();
        RemoteServer server =
            RemoteServer.builder(r)
                .port(0)
                .generatedTokenFile(tmp.resolve("tokens"))
                .build()
                .start()) {
      String token =
          java.nio.file.Files.readAllLines(server.tokenFile().orElseThrow()).get(1).split(" ")[2];
      try (NodeScript node =
          NodeScript.start(
              script, "schemas", "ws://127.0.0.1:" + server.port() + "/foxglove?token=" + token)) {
        JsonNode c = node.await("advertise").get("channels").get(0);
        assertThat(c.get("foxgloveProblem").isNull()).as(c.toString()).isTrue();
        JsonNode p = c.at("/schema/properties");
        assertThat(c.get("schema").has("$defs")).isFalse();
        assertThat(p.at("/from/properties/x/type").asText()).isEqualTo("number");
        assertThat(p.at("/to/properties/y/type").asText()).isEqualTo("number");
        assertThat(p.at("/path/items/properties/x/type").asText()).isEqualTo("number");
        assertThat(p.at("/mode/type").asText()).isEqualTo("string");
        assertThat(p.at("/at/format").asText()).isEqualTo("date-time");
        assertThat(p.at("/tree/properties/children/items/properties/name/type").asText())
            .isEqualTo("string");
        assertThat(c.toString()).doesNotContain("$ref");
      }
    }
  }

  @Test
  void readTokenInTheUrlGetsNoServices() throws Exception {
    try (Fixture f = new Fixture(tmp);
        NodeScript node = NodeScript.start(script, "read", url(f) + "?token=" + f.readToken)) {
      JsonNode info = node.await("serverInfo");
      assertThat(texts(info.at("/info/capabilities"))).doesNotContain("services", "clientPublish");
      assertThat(info.at("/info/metadata/role").asText()).isEqualTo("read");
      node.await("advertise");
      JsonNode refused = node.await("callFailure");
      assertThat(refused.get("callId").asInt()).isEqualTo(7);
      assertThat(refused.get("message").asText()).startsWith("forbidden: ").contains("read token");
      assertThat(node.seen()).noneMatch(n -> n.path("event").asText().equals("services"));
      assertThat(node.exit()).isZero();
      assertThat(f.demo.setpointsTapped.get()).isZero();
    }
  }

  /** Same TLS as the JSON-RPC protocol: wss:// with a certificate made now, token in the URL. */
  @Test
  void overTls() throws Exception {
    Path ks = tmp.resolve("server.p12");
    Process kt =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair",
                "-alias",
                "remote",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=localhost",
                "-ext",
                "SAN=ip:127.0.0.1,dns:localhost",
                "-validity",
                "2",
                "-storetype",
                "PKCS12",
                "-keystore",
                ks.toString(),
                "-storepass",
                "test-pass",
                "-keypass",
                "test-pass")
            .redirectErrorStream(true)
            .start();
    String ktOut = new String(kt.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(kt.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(kt.exitValue()).as(ktOut).isZero();
    KeyStore store = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(ks)) {
      store.load(in, "test-pass".toCharArray());
    }
    Path pem = tmp.resolve("server.pem");
    Files.writeString(
        pem,
        "-----BEGIN CERTIFICATE-----\n"
            + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(store.getCertificate("remote").getEncoded())
            + "\n-----END CERTIFICATE-----\n");
    try (Fixture f = new Fixture(tmp.resolve("tls"), b -> b.tls(ks, "test-pass"))) {
      String uri = f.server.foxgloveUri().orElseThrow();
      assertThat(uri).startsWith("wss://127.0.0.1:").endsWith("/foxglove");
      try (NodeScript node =
          NodeScript.start(
              Map.of("FOXGLOVE_CA", pem.toString()),
              script,
              "read",
              uri + "?token=" + f.readToken)) {
        assertThat(node.await("serverInfo").at("/info/metadata/role").asText()).isEqualTo("read");
        assertThat(node.await("advertise").get("channels")).hasSize(5);
        node.await("callFailure");
        assertThat(node.exit()).isZero();
      }
      // clear text to the TLS port does not get through
      assertFails("ws://" + uri.substring("wss://".length()), f.readToken);
    }
  }

  /** The client gets no serverInfo: its connection fails (reported at once, not a timeout). */
  private static void assertFails(String uri, String token) throws Exception {
    try (NodeScript node = NodeScript.start(script, "read", uri + "?token=" + token)) {
      AssertionError e =
          org.assertj.core.api.Assertions.catchThrowableOfType(
              AssertionError.class, () -> node.await("serverInfo"));
      assertThat(e).hasMessageContaining("node client failed");
    }
  }

  @Test
  void theUpgradeNeedsTheSubprotocolAndAToken() throws Exception {
    try (Fixture f = new Fixture(tmp)) {
      assertRefused(401, "a token is required", "refused", url(f));
      assertRefused(401, "wrong token", "refused", url(f), "not-a-token");
      assertRefused(401, "wrong token", "refused", url(f) + "?token=nope");
      assertRefused(400, null, "plain", url(f), f.readToken);
      assertThat(f.server.stats().rejected()).containsKey("unauthenticated");
      assertThat(f.server.stats().rejected().get("unauthenticated")).isEqualTo(3);
      assertThat(f.server.stats().connectionsOpen()).isZero();
    }
    try (Fixture f = new Fixture(tmp.resolve("off"), b -> b.foxglove(false))) {
      assertThat(f.server.foxgloveUri()).isEmpty();
      String off = "ws://127.0.0.1:" + f.server.port() + "/foxglove";
      assertRefused(404, null, "refused", off, f.readToken);
    }
  }

  private static void assertRefused(int status, String body, String mode, String... args)
      throws Exception {
    String[] a = new String[args.length + 1];
    a[0] = mode;
    System.arraycopy(args, 0, a, 1, args.length);
    try (NodeScript node = NodeScript.start(script, a)) {
      JsonNode r = node.await("refused");
      assertThat(r.get("status").asInt()).isEqualTo(status);
      if (body != null) {
        assertThat(r.get("body").asText()).contains(body);
      }
    }
  }

  @Test
  void aRecordThatEndsIsUnadvertised() throws Exception {
    try (Fixture f = new Fixture(tmp);
        NodeScript node = NodeScript.start(script, "end", url(f), f.readToken)) {
      JsonNode adv = node.await("advertise");
      int tick = -1;
      for (JsonNode c : adv.get("channels")) {
        if (c.get("topic").asText().equals("demo.tick")) {
          tick = c.get("id").asInt();
        }
      }
      node.await("subscribed");
      f.demo.runnel.close();
      int id = tick;
      JsonNode u =
          node.await(
              n ->
                  n.path("event").asText().equals("unadvertise")
                      && texts(n.get("channelIds")).contains(String.valueOf(id)),
              "unadvertise of demo.tick");
      assertThat(u).isNotNull();
      await(() -> f.server.stats().watchesOpen() == 0);
    }
  }

  /** A client that reads nothing: values are dropped and counted, the pipeline goes on. */
  @Test
  void aClientThatDoesNotReadLosesValuesNotThePipeline() throws Exception {
    try (Fixture f = new Fixture(tmp, b -> b.watchQueue(16).sendTimeout(Duration.ofSeconds(3)))) {
      CompletableFuture<Void> closed = new CompletableFuture<>();
      WebSocket ws =
          HttpClient.newHttpClient()
              .newWebSocketBuilder()
              .subprotocols("foxglove.websocket.v1")
              .header("Authorization", "Bearer " + f.readToken)
              .buildAsync(
                  URI.create(url(f)),
                  new WebSocket.Listener() {
                    @Override
                    public void onOpen(WebSocket w) {
                      // no request(n): nothing is ever read
                    }

                    @Override
                    public CompletionStage<?> onClose(WebSocket w, int code, String reason) {
                      closed.complete(null);
                      return null;
                    }

                    @Override
                    public void onError(WebSocket w, Throwable error) {
                      closed.complete(null);
                    }
                  })
              .get(10, TimeUnit.SECONDS);
      // channel ids follow the graph order; subscribe to every one of them
      StringBuilder subs = new StringBuilder();
      for (int i = 1; i <= 5; i++) {
        subs.append(i > 1 ? "," : "")
            .append("{\"id\":")
            .append(i)
            .append(",\"channelId\":")
            .append(i)
            .append('}');
      }
      ws.sendText("{\"op\":\"subscribe\",\"subscriptions\":[" + subs + "]}", true)
          .get(5, TimeUnit.SECONDS);
      long tapped0 = f.demo.tapped.get();
      await(() -> f.server.stats().watchMissed() > 1000);
      // the pipeline did not wait for the client: its own consumer kept up
      assertThat(f.demo.tapped.get() - tapped0).isGreaterThan(1000);
      // and the connection is cut once a send waited longer than sendTimeout
      await(() -> f.server.stats().rejected().containsKey("slow_client"));
      await(() -> f.server.stats().connectionsOpen() == 0);
      ws.abort();
    }
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    if (array != null) {
      array.forEach(n -> out.add(n.asText()));
    }
    return out;
  }

  private static void await(BooleanSupplier c) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!c.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within 20 s");
      }
      Thread.sleep(20);
    }
  }
}
