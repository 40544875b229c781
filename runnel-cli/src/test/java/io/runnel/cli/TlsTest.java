package io.runnel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code wss://} with a self-signed certificate made by keytool, trusted with {@code --trust}. */
@Timeout(90)
class TlsTest {
  @TempDir static Path dir;
  static ServedPipeline p;
  static Path cert;

  @BeforeAll
  static void start() throws Exception {
    Path keyStore = dir.resolve("server.p12");
    cert = dir.resolve("server.pem");
    String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    run(
        keytool,
        "-genkeypair",
        "-alias",
        "server",
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
        keyStore.toString(),
        "-storepass",
        "changeit");
    run(
        keytool,
        "-exportcert",
        "-rfc",
        "-alias",
        "server",
        "-keystore",
        keyStore.toString(),
        "-storepass",
        "changeit",
        "-file",
        cert.toString());
    p = new ServedPipeline(dir, b -> b.tls(keyStore, "changeit"));
  }

  private static void run(String... cmd) throws Exception {
    Process k = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    if (!k.waitFor(60, TimeUnit.SECONDS)) {
      k.destroyForcibly();
      throw new AssertionError("keytool did not finish");
    }
    assertThat(k.exitValue()).as(new String(k.getInputStream().readAllBytes())).isZero();
  }

  @AfterAll
  static void stop() {
    if (p != null) {
      p.close();
    }
  }

  @Test
  void trustedCertificate() {
    assertThat(p.url).startsWith("wss://");
    CliRun r =
        CliRun.of(
            List.of(
                "get",
                "cli.state",
                "--url",
                p.url,
                "--trust",
                cert.toString(),
                "--token-file",
                p.tokenFile.toString()));
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).contains("mode");
  }

  @Test
  void anUntrustedCertificateIsExitCode3InOneLine() {
    CliRun r =
        CliRun.of(
            List.of(
                "ls", "--url", p.url, "--token-file", p.tokenFile.toString(), "--timeout", "3s"));
    assertThat(r.code()).as(r.toString()).isEqualTo(3);
    assertThat(r.err().lines()).hasSize(1);
    assertThat(r.err()).contains("TLS");
  }
}
