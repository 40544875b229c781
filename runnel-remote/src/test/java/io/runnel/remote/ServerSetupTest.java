package io.runnel.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.runnel.RecordKey;
import io.runnel.Runnel;
import io.runnel.buffer.BufferSpec;
import io.runnel.codec.Codec;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Building and starting: checks, tokens, socket files, HTTP endpoints, closing. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ServerSetupTest {
  @TempDir Path tmp;

  @Test
  void writableProblemsAreListedAtOnce() throws Exception {
    try (Runnel r =
        Runnel.builder()
            .configure(
                Demo.Setpoint.class, RecordKey.of("a.passive"), x -> x.buffer(BufferSpec.latest()))
            .configure(
                Demo.Setpoint.class,
                RecordKey.of("a.sourced"),
                x -> x.source((ctx, out) -> {}).tap("t", (ctx, v) -> {}))
            .build()) {
      assertThatThrownBy(
              () ->
                  RemoteServer.builder(r)
                      .writable(
                          RecordKey.of("a.passive"),
                          RecordKey.of("a.sourced"),
                          RecordKey.of("a.missing"))
                      .build())
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("3 problem(s)")
          .hasMessageContaining("'a.passive' is not declared external()")
          .hasMessageContaining("'a.sourced' is written by its source")
          .hasMessageContaining("'a.missing' does not exist");
    }
  }

  @Test
  void offLoopbackNeedsTlsAndTokensBeforeBinding() throws Exception {
    try (Demo d = new Demo(tmp)) {
      assertThatThrownBy(() -> RemoteServer.builder(d.runnel).bind("0.0.0.0").port(0).build())
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("2 problem(s)")
          .hasMessageContaining("configure tls(keyStore, password)")
          .hasMessageContaining("configure tokens");
      // with a token but no TLS: still refused
      assertThatThrownBy(
              () ->
                  RemoteServer.builder(d.runnel)
                      .bind("0.0.0.0")
                      .token(new ClientToken("ops", Role.READ, "0123456789abcdef0123"))
                      .build())
          .hasMessageContaining("1 problem(s)")
          .hasMessageContaining("tls");
    }
  }

  @Test
  void builderIsImmutable() throws Exception {
    try (Demo d = new Demo(tmp)) {
      RemoteServer.Builder base =
          RemoteServer.builder(d.runnel).port(0).generatedTokenFile(tmp.resolve("t"));
      RemoteServer.Builder other = base.maxConnections(1);
      assertThat(other).isNotSameAs(base);
      assertThatThrownBy(() -> base.maxConnections(0))
          .hasMessage("maxConnections must be positive, got 0");
      assertThatThrownBy(() -> base.authTimeout(Duration.ZERO))
          .hasMessageContaining("authTimeout must be positive");
      try (RemoteServer s = base.build().start()) {
        assertThat(s.stats().connectionsOpen()).isZero();
        assertThatThrownBy(s::start).isInstanceOf(IllegalStateException.class);
      }
    }
  }

  @Test
  void generatedTokenFileIsOwnerOnly() throws Exception {
    try (Demo d = new Demo(tmp)) {
      Path file = tmp.resolve("fresh").resolve("remote.token");
      try (RemoteServer s =
          RemoteServer.builder(d.runnel).port(0).generatedTokenFile(file).build().start()) {
        assertThat(s.tokenFile()).contains(file);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
            .isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())))
            .isEqualTo("rwx------");
        assertThat(Files.readString(file))
            .contains("local-read read ")
            .contains("local-write write ");
      }
    }
  }

  @Test
  void tokenFileReadableByOthersIsRefused() throws Exception {
    Path tokens = tmp.resolve("tokens");
    Files.writeString(
        tokens, "# ops\nops read 0123456789abcdef0123\nadmin write abcdef0123456789abcd\n");
    Files.setPosixFilePermissions(tokens, PosixFilePermissions.fromString("rw-r--r--"));
    try (Demo d = new Demo(tmp)) {
      RemoteServer s = RemoteServer.builder(d.runnel).port(0).tokenFile(tokens).build();
      assertThatThrownBy(s::start)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("accessible by group or others")
          .hasMessageContaining("chmod 600");
      Files.setPosixFilePermissions(tokens, PosixFilePermissions.fromString("rw-------"));
      try (RemoteServer ok =
              RemoteServer.builder(d.runnel).port(0).tokenFile(tokens).build().start();
          WsClient c = WsClient.connect(ok)) {
        assertThat(ok.tokenFile()).isEmpty();
        JsonNode h = c.hello("abcdef0123456789abcd");
        assertThat(h.get("role").asText()).isEqualTo("write");
      }
      Files.writeString(tokens, "ops reader 0123456789abcdef0123\n");
      assertThatThrownBy(
              () -> RemoteServer.builder(d.runnel).port(0).tokenFile(tokens).build().start())
          .hasMessageContaining("entry 1: unknown role 'reader'");
      assertThatThrownBy(
              () ->
                  RemoteServer.builder(d.runnel)
                      .port(0)
                      .tokensFromEnvironment("RUNNEL_NO_SUCH_VAR")
                      .build()
                      .start())
          .hasMessageContaining("environment variable RUNNEL_NO_SUCH_VAR holds no token");
    }
  }

  @Test
  void tokensFromTheEnvironment() throws Exception {
    // set by the surefire configuration of this module
    try (Demo d = new Demo(tmp);
        RemoteServer s =
            RemoteServer.builder(d.runnel)
                .port(0)
                .tokensFromEnvironment("RUNNEL_REMOTE_TEST_TOKENS")
                .build()
                .start();
        WsClient c = WsClient.connect(s)) {
      assertThat(c.hello("env-read-token-0123456789").get("role").asText()).isEqualTo("read");
    }
  }

  @Test
  void unixSocketIsOwnerOnlyStaleSocketReplacedLiveOneRefused() throws Exception {
    Path sock = tmp.resolve("s.sock");
    // a stale socket: bound, then its process "crashed" (the channel closed, the file left)
    ServerSocketChannel stale = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    stale.bind(UnixDomainSocketAddress.of(sock));
    stale.close();
    assertThat(Files.exists(sock)).isTrue();
    try (Demo d = new Demo(tmp);
        RemoteServer s =
            RemoteServer.builder(d.runnel)
                .webSocket(false)
                .unixSocket(sock)
                .generatedTokenFile(tmp.resolve("t"))
                .build()
                .start()) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(sock)))
          .isEqualTo("rw-------");
      try (UnixClient c = UnixClient.connect(sock)) {
        assertThat(c.call("records", null).toString()).contains("unauthenticated");
      }
      // a second server on the same path is refused: the socket is live
      assertThatThrownBy(
              () ->
                  RemoteServer.builder(d.runnel)
                      .webSocket(false)
                      .unixSocket(sock)
                      .generatedTokenFile(tmp.resolve("t2"))
                      .build()
                      .start())
          .hasMessageContaining("is in use by a running process");
      assertThat(s.port()).isEqualTo(-1);
    }
    assertThat(Files.exists(sock)).as("removed at close").isFalse();
    Files.writeString(sock, "not a socket");
    try (Demo d = new Demo(tmp.resolve("2"))) {
      assertThatThrownBy(
              () ->
                  RemoteServer.builder(d.runnel)
                      .webSocket(false)
                      .unixSocket(sock)
                      .generatedTokenFile(tmp.resolve("t3"))
                      .build()
                      .start())
          .hasMessageContaining("is not a socket");
    }
  }

  @Test
  void httpEndpointNeedsTheTokenAndIsAdvertised() throws Exception {
    try (Demo d = new Demo(tmp);
        RemoteServer s =
            RemoteServer.builder(d.runnel)
                .port(0)
                .generatedTokenFile(tmp.resolve("t"))
                .httpEndpoint("/metrics", "text/plain; version=0.0.4", () -> "runnel_up 1\n")
                .build()
                .start()) {
      String token = Files.readAllLines(s.tokenFile().orElseThrow()).get(1).split(" ")[2];
      HttpClient http = HttpClient.newHttpClient();
      URI uri = URI.create("http://127.0.0.1:" + s.port() + "/metrics");
      HttpResponse<String> no =
          http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(no.statusCode()).isEqualTo(401);
      HttpResponse<String> bad =
          http.send(
              HttpRequest.newBuilder(uri)
                  .header("Authorization", "Bearer nope-nope-nope-nope")
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(bad.statusCode()).isEqualTo(401);
      assertThat(s.stats().rejected("unauthenticated")).isEqualTo(2);
      HttpResponse<String> ok =
          http.send(
              HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + token).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(ok.body()).isEqualTo("runnel_up 1\n");
      assertThat(ok.headers().firstValue("content-type").orElseThrow()).startsWith("text/plain");
      HttpResponse<String> missing =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + "/nothing"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(missing.statusCode()).isEqualTo(404);
      try (WsClient c = WsClient.connect(s)) {
        assertThat(c.hello(token).get("capabilities").toString()).contains("metrics");
      }
    }
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.EnumSource(Fixture.Kind.class)
  void closedPipelineEndsWatchesAndRefusesWrites(Fixture.Kind kind) throws Exception {
    Fixture f = new Fixture(tmp);
    try (RpcClient c = f.connect(kind)) {
      c.hello(f.writeToken);
      c.call("watch", "{\"keys\":[\"demo.tick\"],\"queue\":4}");
      f.demo.runnel.close();
      JsonNode end = c.next(m -> "watch.end".equals(m.path("method").asText()));
      assertThat(end.get("params").get("reason").asText()).isEqualTo("closed");
      JsonNode r =
          c.call("set", "{\"key\":\"demo.setpoint\",\"value\":{\"celsius\":1,\"mode\":\"x\"}}");
      assertThat(ProtocolTest.code(r)).isEqualTo("closed");
      assertThat(r.get("error").get("code").asInt()).isEqualTo(-32010);
    } finally {
      f.close();
    }
  }

  @Test
  void codecMismatchNamesTheKeyAndBothIds() throws Exception {
    Fixture f = new Fixture(tmp, b -> b.codec(Demo.TEMP, Codec.json(Demo.Reading.class)));
    try (RpcClient c = f.connect(Fixture.Kind.UNIX)) {
      c.hello(f.readToken);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (f.demo.store.writtenSequence() < 5 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      JsonNode r = c.call("query", "{\"key\":\"demo.temp\",\"limit\":5}");
      assertThat(ProtocolTest.code(r)).isEqualTo("internal");
      String msg = r.get("error").get("message").asText();
      assertThat(msg)
          .contains("'demo.temp'")
          .contains("written with codec 0x")
          .contains("decodes it with codec 0x");
    } finally {
      f.close();
    }
  }

  @Test
  void serverCloseTellsClientsAndIsBounded() throws Exception {
    Fixture f = new Fixture(tmp);
    try (RpcClient ws = f.connect(Fixture.Kind.WEBSOCKET);
        RpcClient ux = f.connect(Fixture.Kind.UNIX)) {
      ws.hello(f.readToken);
      ux.hello(f.readToken);
      ws.call("watch", "{\"keys\":[\"demo.tick\"]}");
      long t0 = System.nanoTime();
      f.server.close();
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(6));
      assertThat(ws.awaitClosed(Duration.ofSeconds(5))).startsWith("1001 shutdown");
      assertThat(ux.awaitClosed(Duration.ofSeconds(5))).contains("shutdown");
    } finally {
      f.close();
    }
  }
}
