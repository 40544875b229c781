package io.runnel.http;

import static io.runnel.http.Fixture.CODEC;
import static io.runnel.http.Fixture.HUMIDITY;
import static io.runnel.http.Fixture.RAW;
import static io.runnel.http.Fixture.TEMP;
import static io.runnel.http.Fixture.append;
import static io.runnel.http.Fixture.keptAfterDedup;
import static io.runnel.http.Fixture.parse;
import static io.runnel.http.Fixture.sequences;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpServer;
import io.runnel.Runnel;
import io.runnel.codec.Codec;
import io.runnel.spi.ConnectorStatus;
import io.runnel.store.Durability;
import io.runnel.store.HistoryStore;
import io.runnel.store.StoreConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Cloud sync against well-behaved servers: format, batching, filtering, restart, pipeline. */
@Timeout(60)
class CloudSyncTest {
  @TempDir Path dir;
  private HistoryStore store;
  private final List<AutoCloseable> toClose = new ArrayList<>();

  /** What a standard server (com.sun.net.httpserver) saw. */
  record Seen(String method, Headers headers, byte[] body) {}

  private final List<Seen> seen = new CopyOnWriteArrayList<>();

  @BeforeEach
  void open() throws IOException {
    store = HistoryStore.open(StoreConfig.builder(dir).build());
  }

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : toClose.reversed()) {
      c.close();
    }
    store.close();
  }

  private URI jdkServer() throws IOException {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/ingest",
        exchange -> {
          try (exchange;
              InputStream in = exchange.getRequestBody()) {
            seen.add(
                new Seen(
                    exchange.getRequestMethod(), exchange.getRequestHeaders(), in.readAllBytes()));
            exchange.sendResponseHeaders(204, -1);
          }
        });
    server.start();
    toClose.add(() -> server.stop(0));
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/ingest");
  }

  private CloudSync started(CloudSync.Builder b) throws IOException {
    CloudSync sync = b.build();
    toClose.add(sync);
    return sync.start();
  }

  @Test
  void forwardsEveryEntryInOrderAsJsonBatchesWithIdempotencyKeys() throws Exception {
    URI uri = jdkServer();
    long last = append(store, TEMP, 1234);
    CloudSync sync =
        started(
            CloudSync.builder(store, uri)
                .nodeId("gw-1")
                .codec(CODEC)
                .maxBatchEntries(100)
                .header("Authorization", "Bearer t0k3n"));

    assertThat(sync.awaitForwarded(last, Duration.ofSeconds(20))).isTrue();

    assertThat(seen).hasSize(13); // ceil(1234 / 100)
    List<Long> all = new ArrayList<>();
    for (Seen s : seen) {
      JsonNode body = parse(s.body());
      long first = body.get("firstSequence").asLong();
      assertThat(s.method()).isEqualTo("POST");
      assertThat(s.headers().getFirst("Idempotency-Key")).isEqualTo("gw-1-" + first);
      assertThat(s.headers().getFirst("Authorization")).isEqualTo("Bearer t0k3n");
      assertThat(s.headers().getFirst("Content-Type")).isEqualTo("application/json");
      assertThat(body.get("node").asText()).isEqualTo("gw-1");
      List<Long> seqs = sequences(s.body());
      assertThat(seqs).hasSizeLessThanOrEqualTo(100).hasSize(body.get("count").asInt());
      assertThat(seqs.getFirst()).isEqualTo(first);
      assertThat(seqs.getLast()).isEqualTo(body.get("lastSequence").asLong());
      for (JsonNode e : body.get("entries")) {
        long n = e.get("value").get("n").asLong();
        assertThat(e.get("key").asText()).isEqualTo(TEMP.id());
        assertThat(e.get("value").get("sensor").asText()).isEqualTo(TEMP.id());
        assertThat(e.get("value").get("celsius").asDouble()).isEqualTo(20 + n % 10);
        assertThat(Instant.parse(e.get("timestamp").asText()))
            .isBetween(Instant.now().minusSeconds(60), Instant.now());
      }
      all.addAll(seqs);
    }
    assertThat(all).containsExactlyElementsOf(LongStream.rangeClosed(0, last).boxed().toList());

    ConnectorStatus st = sync.status();
    assertThat(st.kind()).isEqualTo("http-sync");
    assertThat(st.connected()).isTrue();
    assertThat(st.lastError()).isNull();
    assertThat(st.backlog()).isZero();
    assertThat(st.retries()).isZero();
    assertThat(st.counters())
        .containsEntry("sentEntries", 1234L)
        .containsEntry("sentBatches", 13L)
        .containsEntry("cursor", last + 1);
    assertThat(st.counters().get("sentBytes"))
        .isEqualTo(seen.stream().mapToLong(s -> s.body().length).sum());
  }

  @Test
  void keepsForwardingWhatIsAppendedWhileRunning() throws Exception {
    URI uri = jdkServer();
    CloudSync sync = started(CloudSync.builder(store, uri).nodeId("gw-1").codec(CODEC));
    assertThat(sync.status().backlog()).isZero();
    long last = -1;
    for (int round = 0; round < 5; round++) {
      long t0 = System.nanoTime();
      last = append(store, TEMP, 50);
      long t1 = System.nanoTime();
      assertThat(sync.awaitForwarded(last, Duration.ofSeconds(10))).isTrue();
      System.err.printf(
          "DEBUG append %d ms, forward %d ms%n",
          (t1 - t0) / 1_000_000, (System.nanoTime() - t1) / 1_000_000);
    }
    assertThat(seen.stream().flatMap(s -> sequences(s.body()).stream()).toList())
        .containsExactlyElementsOf(LongStream.rangeClosed(0, last).boxed().toList());
  }

  @Test
  void batchesStayWithinTheByteLimitAndAnOversizeEntryIsSentAlone() throws Exception {
    URI uri = jdkServer();
    Codec<byte[]> raw = Codec.bytes(0x7);
    List<byte[]> payloads = new ArrayList<>();
    long last = -1;
    for (int i = 0; i < 60; i++) {
      byte[] p = new byte[i == 30 ? 10_000 : 100];
      p[0] = (byte) i;
      payloads.add(p);
      last = store.append(RAW, p, raw);
    }
    assertThat(store.awaitDurable(last, Duration.ofSeconds(10))).isTrue();
    CloudSync sync = started(CloudSync.builder(store, uri).nodeId("gw-1").maxBatchBytes(4096));

    assertThat(sync.awaitForwarded(last, Duration.ofSeconds(20))).isTrue();

    List<Long> all = new ArrayList<>();
    for (Seen s : seen) {
      List<Long> seqs = sequences(s.body());
      if (seqs.contains(30L)) {
        assertThat(seqs).containsExactly(30L);
      } else {
        assertThat(s.body().length).isLessThanOrEqualTo(4096);
      }
      for (JsonNode e : parse(s.body()).get("entries")) {
        assertThat(e.get("codec").asText()).isEqualTo("7");
        assertThat(Base64.getDecoder().decode(e.get("payload").asText()))
            .isEqualTo(payloads.get(e.get("sequence").asInt()));
      }
      all.addAll(seqs);
    }
    assertThat(seen.size()).isGreaterThan(3); // the byte limit, not the entry limit, cut batches
    assertThat(all).containsExactlyElementsOf(LongStream.rangeClosed(0, last).boxed().toList());
    assertThat(sync.status().counters()).containsEntry("oversizeEntries", 1L);
  }

  @Test
  void sendsOnlyTheSelectedKeysAndThePositionPassesTheOthers() throws Exception {
    URI uri = jdkServer();
    long last = -1;
    for (int i = 0; i < 300; i++) {
      var key = i % 3 == 0 ? TEMP : i % 3 == 1 ? HUMIDITY : RAW;
      last = store.append(key, new Fixture.Reading("x", i, i), CODEC);
    }
    assertThat(store.awaitDurable(last, Duration.ofSeconds(10))).isTrue();
    CloudSync one = started(CloudSync.builder(store, uri).nodeId("gw-1").name("one").keys(TEMP));
    CloudSync two =
        started(CloudSync.builder(store, uri).nodeId("gw-2").name("two").keys(TEMP, HUMIDITY));
    assertThat(one.awaitForwarded(last, Duration.ofSeconds(10))).isTrue();
    assertThat(two.awaitForwarded(last, Duration.ofSeconds(10))).isTrue();

    Map<String, List<String>> keysByNode = new java.util.TreeMap<>();
    for (Seen s : seen) {
      JsonNode body = parse(s.body());
      for (JsonNode e : body.get("entries")) {
        keysByNode
            .computeIfAbsent(body.get("node").asText(), n -> new ArrayList<>())
            .add(e.get("key").asText());
      }
    }
    assertThat(keysByNode.get("gw-1")).hasSize(100).containsOnly(TEMP.id());
    assertThat(keysByNode.get("gw-2")).hasSize(200).containsOnly(TEMP.id(), HUMIDITY.id());
    assertThat(one.status().backlog()).isZero();
    assertThat(two.status().backlog()).isZero();
  }

  @Test
  void aPrefixSelectorSendsKeysFirstWrittenAfterTheStart() throws Exception {
    URI uri = jdkServer();
    long last = -1;
    for (int i = 0; i < 30; i++) {
      last = store.append(i % 2 == 0 ? TEMP : RAW, new Fixture.Reading("x", i, i), CODEC);
    }
    assertThat(store.awaitDurable(last, Duration.ofSeconds(10))).isTrue();
    CloudSync sync =
        started(
            CloudSync.builder(store, uri)
                .nodeId("gw-1")
                .codec(CODEC)
                .keys(io.runnel.store.KeySelector.prefix("sensor.")));
    assertThat(sync.awaitForwarded(last, Duration.ofSeconds(10))).isTrue();
    var added = io.runnel.RecordKey.of("sensor.added.later"); // as a record added at run time
    for (int i = 0; i < 20; i++) {
      last = store.append(i % 2 == 0 ? added : RAW, new Fixture.Reading("y", i, i), CODEC);
    }
    assertThat(sync.awaitForwarded(last, Duration.ofSeconds(10))).isTrue();
    List<String> keys = new ArrayList<>();
    for (Seen s : seen) {
      for (JsonNode e : parse(s.body()).get("entries")) {
        keys.add(e.get("key").asText());
      }
    }
    assertThat(keys).filteredOn(TEMP.id()::equals).hasSize(15);
    assertThat(keys).filteredOn(added.id()::equals).hasSize(10);
    assertThat(keys).doesNotContain(RAW.id()).hasSize(25);
    assertThat(sync.status().backlog()).isZero();
  }

  @Test
  void aNewInstanceResumesFromTheAcknowledgedCursorWithoutLoss() throws Exception {
    try (FaultyServer server =
        new FaultyServer(i -> i < 3 ? FaultyServer.OK : new FaultyServer.Status(503, null))) {
      long last = append(store, TEMP, 1000);
      CloudSync first =
          CloudSync.builder(store, server.uri())
              .nodeId("gw-1")
              .maxBatchEntries(100)
              .backoff(Duration.ofMillis(10), Duration.ofMillis(50))
              .build()
              .start();
      assertThat(first.awaitForwarded(299, Duration.ofSeconds(10))).isTrue();
      assertThat(Fixture.eventually(Duration.ofSeconds(5), () -> server.requests().size() > 4))
          .isTrue();
      first.close();
      assertThat(first.forwardedPosition()).isEqualTo(300);
      int before = server.requests().size();

      server.script(i -> FaultyServer.OK);
      CloudSync second =
          started(CloudSync.builder(store, server.uri()).nodeId("gw-1").maxBatchEntries(100));
      assertThat(second.awaitForwarded(last, Duration.ofSeconds(10))).isTrue();

      assertThat(server.requests().get(before).idempotencyKey()).isEqualTo("gw-1-300");
      Map<Long, Integer> kept = keptAfterDedup(server.received());
      assertThat(kept.keySet())
          .containsExactlyElementsOf(LongStream.rangeClosed(0, last).boxed().toList());
      assertThat(kept.values()).containsOnly(1);
      assertThat(server.received()).hasSize(10); // nothing acknowledged was sent twice
    }
  }

  @Test
  void sendsOnlyDurableEntries() throws Exception {
    URI uri = jdkServer();
    try (HistoryStore lazy =
        HistoryStore.open(
            StoreConfig.builder(dir.resolve("lazy")).durability(Durability.never()).build())) {
      long last = -1;
      for (int i = 0; i < 20; i++) {
        last = lazy.append(TEMP, new Fixture.Reading("lazy", i, i), CODEC);
      }
      long written = last;
      assertThat(Fixture.eventually(Duration.ofSeconds(5), () -> lazy.writtenSequence() >= written))
          .isTrue();
      CloudSync sync = started(CloudSync.builder(lazy, uri).nodeId("gw-1"));
      assertThat(sync.awaitForwarded(last, Duration.ofMillis(500))).isFalse();
      assertThat(seen).isEmpty();
      assertThat(sync.status().backlog()).isEqualTo(20);

      lazy.sync(); // now they are on disk: they may leave the device
      assertThat(sync.awaitForwarded(last, Duration.ofSeconds(10))).isTrue();
      assertThat(seen).hasSize(1);
      sync.close();
    }
  }

  @Test
  void runsAsAPipelineConnectorAndShowsInInspection() throws Exception {
    URI uri = jdkServer();
    long last = append(store, TEMP, 10);
    CloudSync sync = CloudSync.builder(store, uri).nodeId("gw-1").name("cloud").build();
    Runnel runnel = Runnel.builder().connector(sync).build();
    runnel.start();
    try {
      assertThat(sync.awaitForwarded(last, Duration.ofSeconds(10))).isTrue();
      ConnectorStatus st = runnel.inspect().connector("cloud").orElseThrow();
      assertThat(st.kind()).isEqualTo("http-sync");
      assertThat(st.connected()).isTrue();
      assertThat(st.counters()).containsEntry("sentEntries", 10L);
    } finally {
      runnel.close();
    }
    assertThat(Thread.getAllStackTraces().keySet())
        .noneMatch(t -> t.getName().equals("runnel-http-cloud") && t.isAlive());
  }

  @Test
  void rejectsIncompleteConfiguration() {
    URI uri = URI.create("http://127.0.0.1:1/");
    assertThatThrownBy(() -> CloudSync.builder(store, uri).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("nodeId");
    assertThatThrownBy(() -> CloudSync.builder(store, URI.create("ftp://x/")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("http or https");
    assertThatThrownBy(() -> CloudSync.builder(store, uri).nodeId("n").name("Cloud Sync").build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("cursor name");
    assertThatThrownBy(() -> CloudSync.builder(store, uri).header("Idempotency-Key", "x"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
