package io.runnel.http;

import static io.runnel.http.Fixture.TEMP;
import static io.runnel.http.Fixture.append;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.store.HistoryStore;
import io.runnel.store.StoreConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Credentials are never sent in clear text off the machine unless the builder says so.
 *
 * <p>No test here contacts a non-loopback address: a sync to one is only ever built, never started
 * (the HTTP client is created by {@code start()}), and the addresses are from the documentation
 * ranges (192.0.2.0/24, 2001:db8::/32) or the {@code .invalid} domain, which nothing answers. Only
 * loopback syncs are started.
 */
class CloudSyncPlaintextCredentialsTest {
  @TempDir Path dir;
  private HistoryStore store;
  private final List<AutoCloseable> toClose = new CopyOnWriteArrayList<>();
  private final List<LogRecord> warnings = new CopyOnWriteArrayList<>();
  private final Logger jul = Logger.getLogger(CloudSync.class.getName());
  private final Handler capture =
      new Handler() {
        @Override
        public void publish(LogRecord r) {
          if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
            warnings.add(r);
          }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };

  private static final URI OFF_LOOPBACK = URI.create("http://192.0.2.1/ingest");

  @BeforeEach
  void open() throws IOException {
    store = HistoryStore.open(StoreConfig.builder(dir).build());
    jul.addHandler(capture);
  }

  @AfterEach
  void closeAll() throws Exception {
    jul.removeHandler(capture);
    for (AutoCloseable c : toClose.reversed()) {
      c.close();
    }
    store.close();
  }

  private CloudSync.Builder sync(URI endpoint) {
    return CloudSync.builder(store, endpoint).nodeId("gw-1");
  }

  private List<String> warningTexts() {
    return warnings.stream().map(r -> new SimpleFormatter().formatMessage(r)).toList();
  }

  @Test
  void anAuthorizationHeaderOverPlainHttpOffLoopbackIsRefusedAtBuild() {
    CloudSync.Builder b = sync(OFF_LOOPBACK).header("Authorization", "Bearer s3cr3t");

    assertThatThrownBy(b::build)
        .isExactlyInstanceOf(IllegalStateException.class)
        .hasMessageContaining("cloud sync 'cloud-sync'")
        .hasMessageContaining("http://192.0.2.1/ingest")
        .hasMessageContaining("Authorization")
        .hasMessageContaining("clear text")
        .hasMessageContaining("https")
        .hasMessageContaining("allowPlaintextCredentials()")
        .hasMessageNotContaining("s3cr3t");
  }

  @Test
  void everyCredentialLikeHeaderIsRefusedOffLoopback() {
    for (String name :
        List.of(
            "Authorization",
            "proxy-authorization",
            "Cookie",
            "X-API-Key",
            "X-Auth-Token",
            "X-Client-Secret",
            "Api_Key")) {
      assertThatThrownBy(() -> sync(OFF_LOOPBACK).header(name, "v").build())
          .as(name)
          .isExactlyInstanceOf(IllegalStateException.class)
          .hasMessageContaining(name);
    }
  }

  @Test
  void namesAndOtherAddressesOffLoopbackAreRefusedWithoutResolvingThem() {
    for (String uri :
        List.of(
            "http://ingest.example.invalid/v1",
            "http://[2001:db8::1]:8080/v1",
            "http://10.0.0.7/v1",
            "HTTP://192.0.2.1/v1")) {
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> sync(URI.create(uri)).header("Authorization", "x").build())
          .as(uri)
          .isExactlyInstanceOf(IllegalStateException.class)
          .hasMessageContaining(uri);
      // a name is judged by its text, never looked up: no DNS round trip at build
      assertThat(Duration.ofNanos(System.nanoTime() - t0))
          .as(uri)
          .isLessThan(Duration.ofSeconds(1));
    }
  }

  @Test
  void aHeaderMarkedAsCredentialIsRefusedOffLoopbackWhateverItsName() {
    assertThatThrownBy(() -> sync(OFF_LOOPBACK).credentialHeader("X-Device-Pin", "1234").build())
        .isExactlyInstanceOf(IllegalStateException.class)
        .hasMessageContaining("X-Device-Pin")
        .hasMessageNotContaining("1234");
    // marked once, it stays marked when set again as a plain header (any case)
    assertThatThrownBy(
            () ->
                sync(OFF_LOOPBACK)
                    .credentialHeader("X-Device-Pin", "1")
                    .header("x-device-pin", "2")
                    .build())
        .isExactlyInstanceOf(IllegalStateException.class);
  }

  @Test
  void theOptOutBuildsPlainHttpOffLoopbackWithCredentials() {
    CloudSync s =
        sync(OFF_LOOPBACK)
            .header("Authorization", "Bearer x")
            .credentialHeader("X-Device-Pin", "1")
            .allowPlaintextCredentials()
            .build();
    assertThat(s.settings().allowPlaintextCredentials()).isTrue();
    assertThat(s.settings().plaintextCredentials())
        .containsExactly("Authorization", "X-Device-Pin");
    // never started: nothing is sent to 192.0.2.1; what start() would log says why it is allowed
    assertThat(
            PlaintextCredentials.warning(
                s.name(), OFF_LOOPBACK, s.settings().plaintextCredentials(), false))
        .contains("http://192.0.2.1/ingest")
        .contains("allowPlaintextCredentials()");
  }

  @Test
  void theOptOutDoesNotLeakIntoTheTemplate() {
    CloudSync.Builder template = sync(OFF_LOOPBACK).header("Authorization", "x");
    assertThat(template.allowPlaintextCredentials().build()).isNotNull();
    assertThatThrownBy(template::build).isExactlyInstanceOf(IllegalStateException.class);
  }

  @Test
  void otherHeadersAndNoHeadersOverPlainHttpOffLoopbackBuild() {
    assertThat(sync(OFF_LOOPBACK).build()).isNotNull();
    assertThat(sync(OFF_LOOPBACK).header("X-Device-Model", "gw-mk2").build()).isNotNull();
  }

  @Test
  void httpsOffLoopbackWithCredentialsBuilds() {
    CloudSync s =
        sync(URI.create("https://192.0.2.1/ingest")).header("Authorization", "Bearer x").build();
    assertThat(s.settings().headers()).containsKey("Authorization");
  }

  @Test
  void loopbackAddressesWithCredentialsBuild() {
    for (String uri :
        List.of(
            "http://127.0.0.1:8080/v1",
            "http://127.10.0.1/v1",
            "http://localhost:8080/v1",
            "http://LOCALHOST/v1",
            "http://[::1]:8080/v1")) {
      assertThat(sync(URI.create(uri)).header("Authorization", "x").build()).as(uri).isNotNull();
    }
  }

  @Test
  void loopbackPlainHttpWithCredentialsWarnsOnceNamingTheEndpoint() throws Exception {
    FaultyServer server = new FaultyServer(i -> FaultyServer.OK);
    toClose.add(server);
    long last = append(store, TEMP, 30);
    CloudSync s =
        sync(server.uri()).maxBatchEntries(5).header("Authorization", "Bearer s3cr3t").build();
    toClose.add(s);
    assertThat(warnings).isEmpty(); // building does not warn: starting does

    s.start();
    assertThat(s.awaitForwarded(last, Duration.ofSeconds(10))).isTrue();
    assertThat(server.received()).hasSizeGreaterThanOrEqualTo(6); // several requests, one warning

    assertThat(warningTexts())
        .filteredOn(w -> w.contains("clear text"))
        .singleElement()
        .satisfies(
            w ->
                assertThat(w)
                    .contains("cloud sync 'cloud-sync'")
                    .contains(server.uri().toString())
                    .contains("Authorization")
                    .contains("clear text")
                    .doesNotContain("s3cr3t"));
  }

  @Test
  void httpsAndCredentialFreeSyncsDoNotWarn() throws Exception {
    CloudSync tls =
        sync(URI.create("https://127.0.0.1:1/ingest")).header("Authorization", "x").build();
    CloudSync plain = sync(URI.create("http://127.0.0.1:1/ingest")).header("X-A", "a").build();
    toClose.add(tls);
    toClose.add(plain);
    tls.start();
    plain.start();
    assertThat(warningTexts()).noneMatch(w -> w.contains("clear text"));
  }
}
