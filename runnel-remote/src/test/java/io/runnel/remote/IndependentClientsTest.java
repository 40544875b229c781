package io.runnel.remote;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Clients that are not ours: Python's websockets library; and TLS with a real key store. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class IndependentClientsTest {
  static final Path PYTHON = Path.of("/usr/bin/python3");

  @TempDir Path tmp;

  @Test
  void pythonWebsocketsClient() throws Exception {
    assertThat(PYTHON)
        .as(
            "the Python client needs /usr/bin/python3 with python3-websockets (apt-get install python3-websockets)")
        .isExecutable();
    Process probe = new ProcessBuilder(PYTHON.toString(), "-c", "import websockets").start();
    assertThat(probe.waitFor(30, TimeUnit.SECONDS) && probe.exitValue() == 0)
        .as("/usr/bin/python3 needs the websockets library: apt-get install python3-websockets")
        .isTrue();
    Path script = tmp.resolve("python_client.py");
    try (InputStream in = getClass().getResourceAsStream("/python_client.py")) {
      Files.copy(in, script);
    }
    try (Fixture f = new Fixture(tmp)) {
      Process p =
          new ProcessBuilder(
                  PYTHON.toString(),
                  script.toString(),
                  f.server.webSocketUri().orElseThrow(),
                  f.writeToken)
              .redirectErrorStream(true)
              .start();
      boolean ended = p.waitFor(60, TimeUnit.SECONDS);
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!ended) {
        p.destroyForcibly();
      }
      assertThat(ended).as("python client ended; output:\n" + out).isTrue();
      assertThat(out).doesNotContain("fail ").doesNotContain("Traceback");
      assertThat(out.lines().filter(l -> l.startsWith("ok ")).map(l -> l.split(" ")[1]))
          .containsExactly("hello", "records", "watch", "unwatch", "set", "set-undecodable", "get");
      assertThat(p.exitValue()).as(out).isZero();
      assertThat(f.demo.lastSetpoint).isEqualTo(new Demo.Setpoint(22.5, "python"));
    }
  }

  @Test
  void tlsOnLoopbackWithAKeyStoreMadeNow() throws Exception {
    Path ks = tmp.resolve("server.p12");
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    Process kt =
        new ProcessBuilder(
                keytool.toString(),
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
    assertThat(kt.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String ktOut = new String(kt.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(kt.exitValue()).as(ktOut).isZero();

    KeyStore server = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(ks)) {
      server.load(in, "test-pass".toCharArray());
    }
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("remote", server.getCertificate("remote"));
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(null, tmf.getTrustManagers(), null);

    try (Fixture f = new Fixture(tmp, b -> b.tls(ks, "test-pass"))) {
      String uri = f.server.webSocketUri().orElseThrow();
      assertThat(uri).startsWith("wss://127.0.0.1:");
      HttpClient https =
          HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(5)).build();
      try (WsClient c = WsClient.connect(https, uri)) {
        JsonNode h = c.hello(f.readToken);
        assertThat(h.get("role").asText()).isEqualTo("read");
        c.call("watch", "{\"keys\":[\"demo.tick\"]}");
        assertThat(c.notification().get("method").asText()).isIn("watch.value", "watch.missed");
      }
      // clear text to the TLS port does not get through
      HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      String ws = uri.replace("wss://", "ws://");
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> WsClient.connect(plain, ws))
          .isInstanceOf(Exception.class);
      // a client that does not trust the certificate is refused
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> WsClient.connect(HttpClient.newHttpClient(), uri))
          .isInstanceOf(Exception.class);
    }
  }
}
