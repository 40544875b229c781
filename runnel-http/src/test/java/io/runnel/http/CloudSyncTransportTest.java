package io.runnel.http;

import static io.runnel.http.Fixture.TEMP;
import static io.runnel.http.Fixture.append;
import static io.runnel.http.Fixture.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.runnel.store.HistoryStore;
import io.runnel.store.StoreConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.HostnameVerifier;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The transport ({@code HttpSender} on {@code HttpURLConnection}): TLS with the configured context
 * and a strict host check, no POST sent twice on its own, keep-alive after error bodies, 401.
 */
@Timeout(60)
class CloudSyncTransportTest {
  private static final char[] PASSWORD = "changeit".toCharArray();

  @TempDir Path dir;
  private HistoryStore store;
  private final List<AutoCloseable> toClose = new ArrayList<>();

  @BeforeEach
  void open() throws IOException {
    store = HistoryStore.open(StoreConfig.builder(dir.resolve("store")).build());
  }

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : toClose.reversed()) {
      c.close();
    }
    store.close();
  }

  private CloudSync started(CloudSync.Builder b) throws IOException {
    CloudSync sync = b.build();
    toClose.add(sync);
    return sync.start();
  }

  /** A self-signed key pair for the given subject alternative name, made by the JDK's keytool. */
  private KeyStore keyPair(String san) throws Exception {
    Path ks = dir.resolve("server-" + san.replace(':', '-') + ".p12");
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    Process p =
        new ProcessBuilder(
                keytool.toString(),
                "-genkeypair",
                "-alias",
                "server",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=runnel-test",
                "-ext",
                "SAN=" + san,
                "-validity",
                "2",
                "-storetype",
                "PKCS12",
                "-keystore",
                ks.toString(),
                "-storepass",
                new String(PASSWORD))
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("keytool.log").toFile())
            .start();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("keytool did not finish within 30 s");
    }
    assertThat(p.exitValue()).as(Files.readString(dir.resolve("keytool.log"))).isZero();
    KeyStore k = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(ks)) {
      k.load(in, PASSWORD);
    }
    return k;
  }

  /** An HTTPS server on 127.0.0.1 with the key pair, answering 204 and counting requests. */
  private URI httpsServer(KeyStore keys, AtomicInteger received) throws Exception {
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keys, PASSWORD);
    SSLContext serverTls = SSLContext.getInstance("TLS");
    serverTls.init(kmf.getKeyManagers(), null, null);
    HttpsServer server =
        HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setHttpsConfigurator(new HttpsConfigurator(serverTls));
    server.createContext(
        "/ingest",
        exchange -> {
          try (exchange;
              InputStream in = exchange.getRequestBody()) {
            in.readAllBytes();
            received.incrementAndGet();
            exchange.sendResponseHeaders(204, -1);
          }
        });
    server.start();
    toClose.add(() -> server.stop(0));
    return URI.create("https://127.0.0.1:" + server.getAddress().getPort() + "/ingest");
  }

  /** A client context that trusts exactly the server's self-signed certificate. */
  private static SSLContext trusting(KeyStore keys) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("server", keys.getCertificate("server"));
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(null, tmf.getTrustManagers(), null);
    return tls;
  }

  @Test
  void forwardsOverTlsWithTheConfiguredContext() throws Exception {
    KeyStore keys = keyPair("ip:127.0.0.1");
    AtomicInteger received = new AtomicInteger();
    URI uri = httpsServer(keys, received);
    long last = append(store, TEMP, 30);

    CloudSync sync =
        started(
            CloudSync.builder(store, uri)
                .nodeId("gw-1")
                .maxBatchEntries(10)
                .sslContext(trusting(keys))
                .header("Authorization", "Bearer t0k3n"));

    assertThat(sync.awaitForwarded(last, Duration.ofSeconds(20))).isTrue();
    assertThat(received.get()).isEqualTo(3);
    assertThat(sync.status().lastError()).isNull();
  }

  @Test
  void aCertificateForAnotherHostIsRefusedEvenWithAPermissiveDefaultVerifier() throws Exception {
    KeyStore keys = keyPair("dns:other.invalid"); // trusted, but not for 127.0.0.1
    AtomicInteger received = new AtomicInteger();
    URI uri = httpsServer(keys, received);
    append(store, TEMP, 10);
    HostnameVerifier before = HttpsURLConnection.getDefaultHostnameVerifier();
    HttpsURLConnection.setDefaultHostnameVerifier((host, session) -> true); // some other library
    try {
      CloudSync sync =
          started(
              CloudSync.builder(store, uri)
                  .nodeId("gw-1")
                  .sslContext(trusting(keys))
                  .backoff(Duration.ofMillis(20), Duration.ofMillis(100)));

      assertThat(eventually(Duration.ofSeconds(20), () -> sync.status().retries() >= 2)).isTrue();
      assertThat(sync.status().lastError()).contains("gw-1-0").contains("127.0.0.1");
      assertThat(sync.status().connected()).isFalse();
      assertThat(received.get()).isZero();
      assertThat(sync.forwardedPosition()).isZero();
    } finally {
      HttpsURLConnection.setDefaultHostnameVerifier(before);
    }
  }

  @Test
  void aRequestWhoseConnectionClosesWithoutAnAnswerIsNotResentByTheTransport() throws Exception {
    // HttpURLConnection re-sends a POST once on its own after such a failure unless it streams
    FaultyServer server =
        new FaultyServer(i -> i == 0 ? new FaultyServer.Close() : FaultyServer.OK);
    toClose.add(server);
    append(store, TEMP, 10);
    CloudSync sync =
        started(
            CloudSync.builder(store, server.uri())
                .nodeId("gw-1")
                .backoff(Duration.ofSeconds(30), Duration.ofSeconds(60))); // no retry of ours

    assertThat(
            eventually(
                Duration.ofSeconds(10), () -> sync.status().counters().get("failedRequests") == 1L))
        .isTrue();
    assertThat(eventually(Duration.ofMillis(1500), () -> server.requests().size() > 1))
        .as("the transport sent the batch again on its own")
        .isFalse();
    assertThat(server.requests()).hasSize(1);
    assertThat(sync.status().lastError()).contains("gw-1-0");
  }

  @Test
  void aStatusWithABodyIsReadSoTheConnectionIsReused() throws Exception {
    Set<Integer> clientPorts = ConcurrentHashMap.newKeySet();
    AtomicInteger count = new AtomicInteger();
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/ingest",
        exchange -> {
          try (exchange;
              InputStream in = exchange.getRequestBody()) {
            in.readAllBytes();
            clientPorts.add(exchange.getRemoteAddress().getPort());
            if (count.getAndIncrement() < 2) {
              byte[] body = ("overloaded " + "x".repeat(5000)).getBytes(StandardCharsets.UTF_8);
              exchange.sendResponseHeaders(503, body.length);
              try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
              }
            } else {
              exchange.sendResponseHeaders(204, -1);
            }
          }
        });
    server.start();
    toClose.add(() -> server.stop(0));
    URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/ingest");
    long last = append(store, TEMP, 50);

    CloudSync sync =
        started(
            CloudSync.builder(store, uri)
                .nodeId("gw-1")
                .maxBatchEntries(10)
                .backoff(Duration.ofMillis(10), Duration.ofMillis(20)));

    assertThat(sync.awaitForwarded(last, Duration.ofSeconds(20))).isTrue();
    assertThat(count.get()).isEqualTo(2 + 5);
    assertThat(clientPorts).as("one connection for all requests").hasSize(1);
  }

  @Test
  void unauthorizedIsRejectedAndRetriedWithTheStatusInTheError() throws Exception {
    FaultyServer server =
        new FaultyServer(i -> i == 0 ? new FaultyServer.Status(401, null) : FaultyServer.OK);
    toClose.add(server);
    long last = append(store, TEMP, 10);
    CloudSync sync =
        started(
            CloudSync.builder(store, server.uri())
                .nodeId("gw-1")
                .backoff(Duration.ofMillis(10), Duration.ofMillis(100)));

    assertThat(sync.awaitForwarded(last, Duration.ofSeconds(10))).isTrue();
    assertThat(server.requests()).hasSize(2);
    assertThat(sync.status().lastError()).contains("HTTP 401 (rejected");
    assertThat(sync.status().counters()).containsEntry("rejected", 1L);
  }

  @Test
  void aHeaderTheTransportWouldDropFailsTheRequestLoudly() throws Exception {
    FaultyServer server = new FaultyServer(i -> FaultyServer.OK);
    toClose.add(server);
    append(store, TEMP, 10);
    CloudSync sync =
        started(
            CloudSync.builder(store, server.uri())
                .nodeId("gw-1")
                .header("Host", "elsewhere.example")
                .backoff(Duration.ofMillis(10), Duration.ofMillis(50)));

    assertThat(eventually(Duration.ofSeconds(10), () -> sync.status().retries() >= 2)).isTrue();
    assertThat(sync.status().lastError())
        .contains("cannot build the request")
        .contains("restricted header name: \"Host\"");
    assertThat(server.requests()).isEmpty();
  }

  @Test
  void closeDisconnectsTheBlockedExchangeSoItsThreadEnds() throws Exception {
    FaultyServer server = new FaultyServer(i -> new FaultyServer.Silent());
    toClose.add(server);
    append(store, TEMP, 10);
    CloudSync sync =
        started(
            CloudSync.builder(store, server.uri())
                .nodeId("gw-1")
                .name("stuck")
                .requestTimeout(Duration.ofSeconds(30))); // the read timeout would end it in 30 s
    assertThat(eventually(Duration.ofSeconds(10), () -> server.requests().size() == 1)).isTrue();
    assertThat(exchangeThreads("stuck")).isEqualTo(1);

    long t0 = System.nanoTime();
    sync.close();

    assertThat(eventually(Duration.ofSeconds(2), () -> exchangeThreads("stuck") == 0))
        .as("the exchange's thread still blocked in its read")
        .isTrue();
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
    assertThat(sync.status().counters()).containsEntry("timeouts", 0L);
  }

  private static long exchangeThreads(String name) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().startsWith("runnel-http-" + name + "-client-"))
        .count();
  }
}
