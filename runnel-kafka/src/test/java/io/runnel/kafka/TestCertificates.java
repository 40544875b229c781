package io.runnel.kafka;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Test certificates made with the JDK's keytool. */
final class TestCertificates {
  private TestCertificates() {}

  /** A self-signed certificate (PEM) for 127.0.0.1 that signed nothing the broker presents. */
  static Path otherCertificate(Path dir) throws IOException, InterruptedException {
    String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    Path ks = dir.resolve("other.p12");
    Path pem = dir.resolve("other-cert.pem");
    for (String[] cmd :
        new String[][] {
          {
            keytool,
            "-genkeypair",
            "-alias",
            "other",
            "-keyalg",
            "EC",
            "-groupname",
            "secp256r1",
            "-dname",
            "CN=127.0.0.1",
            "-ext",
            "SAN=IP:127.0.0.1",
            "-validity",
            "2",
            "-keystore",
            ks.toString(),
            "-storetype",
            "PKCS12",
            "-storepass",
            "changeit",
            "-keypass",
            "changeit"
          },
          {
            keytool,
            "-exportcert",
            "-rfc",
            "-alias",
            "other",
            "-keystore",
            ks.toString(),
            "-storepass",
            "changeit",
            "-file",
            pem.toString()
          }
        }) {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IOException("keytool failed: " + out);
      }
    }
    return Files.exists(pem) ? pem : null;
  }
}
