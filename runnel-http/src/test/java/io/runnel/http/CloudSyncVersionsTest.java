package io.runnel.http;

import static io.runnel.http.Fixture.parse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.runnel.GraphException;
import io.runnel.GraphProblem;
import io.runnel.RecordKey;
import io.runnel.Runnel;
import io.runnel.codec.Codec;
import io.runnel.codec.RecordCodec;
import io.runnel.codec.Versions;
import io.runnel.store.HistoryStore;
import io.runnel.store.StoreConfig;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A history holding v1, v2 and v3 entries is synced with the v3 codec: each entry is rendered
 * migrated to v3 and says its stored version; one whose migration throws goes as base64 with its
 * codec id and version, and the sync goes on.
 */
@Timeout(60)
class CloudSyncVersionsTest {
  public record V1(String sensor, int tenths) {}

  public record V2(String sensor, double celsius) {}

  public record V3(String sensor, double celsius, String unit) {}

  static final Versions<V3> AT3 =
      Versions.of(V3.class, 3)
          .from(2, V2.class, (V2 v) -> new V3(v.sensor(), v.celsius(), "C"))
          .from(
              1,
              V1.class,
              (V1 v) -> {
                if (v.sensor().equals("boom")) {
                  throw new IllegalArgumentException("cannot migrate boom");
                }
                return new V2(v.sensor(), v.tenths() / 10.0);
              });
  static final RecordKey KEY = RecordKey.of("sensor.temp");

  @TempDir Path dir;

  @Test
  void entriesOfEveryVersionAreRenderedMigratedWithTheirVersions() throws Exception {
    List<byte[]> bodies = new CopyOnWriteArrayList<>();
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/ingest",
        ex -> {
          try (ex;
              InputStream in = ex.getRequestBody()) {
            bodies.add(in.readAllBytes());
            ex.sendResponseHeaders(204, -1);
          }
        });
    server.start();
    try (HistoryStore store = HistoryStore.open(StoreConfig.builder(dir).build())) {
      store.append(KEY, new V1("a", 215), AT3.reader(1, V1.class));
      store.append(KEY, new V1("boom", 1), AT3.reader(1, V1.class));
      store.append(KEY, new V2("b", 1.5), AT3.reader(2, V2.class));
      long last = store.append(KEY, new V3("c", 2.5, "K"), Codec.versioned(AT3));
      URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/ingest");
      try (CloudSync sync =
          CloudSync.builder(store, uri).nodeId("gw").codec(Codec.versioned(AT3)).build()) {
        sync.start();
        assertThat(sync.awaitForwarded(last, Duration.ofSeconds(20))).isTrue();
      }
    } finally {
      server.stop(0);
    }
    List<JsonNode> entries = new ArrayList<>();
    for (byte[] b : bodies) {
      parse(b).get("entries").forEach(entries::add);
    }
    assertThat(entries).hasSize(4);
    JsonNode e0 = entries.get(0);
    assertThat(e0.get("version").asInt()).isEqualTo(3);
    assertThat(e0.get("storedVersion").asInt()).isEqualTo(1);
    assertThat(e0.get("value").get("celsius").asDouble()).isEqualTo(21.5);
    assertThat(e0.get("value").get("unit").asText()).isEqualTo("C");
    JsonNode boom = entries.get(1);
    assertThat(boom.has("value")).isFalse();
    assertThat(boom.get("codec").asText())
        .isEqualTo(Long.toHexString(RecordCodec.of(V1.class).id()));
    assertThat(boom.get("version").asInt()).isEqualTo(1);
    assertThat(boom.get("payload").asText()).isNotEmpty();
    assertThat(entries.get(2).get("storedVersion").asInt()).isEqualTo(2);
    assertThat(entries.get(3).get("version").asInt()).isEqualTo(3);
    assertThat(entries.get(3).has("storedVersion")).isFalse();
    assertThat(entries.get(3).get("value").get("unit").asText()).isEqualTo("K");
  }

  @Test
  void aBrokenChainIsListedByTheBuildWithTheGraphsOtherProblems() throws Exception {
    Versions<V3> bad = Versions.of(V3.class, 3).from(1, V1.class, (V1 v) -> v);
    try (HistoryStore store = HistoryStore.open(StoreConfig.builder(dir).build())) {
      CloudSync sync =
          CloudSync.builder(store, URI.create("http://127.0.0.1:1/"))
              .nodeId("n")
              .codec(Codec.versioned(bad))
              .build(); // nothing thrown here: the version chain is data, checked with the graph
      assertThat(sync.problems())
          .singleElement()
          .asString()
          .contains("the versions of " + V3.class.getName())
          .contains("gap: no version 2");
      GraphException e =
          org.junit.jupiter.api.Assertions.assertThrows(
              GraphException.class,
              () ->
                  Runnel.builder()
                      .connector(sync)
                      .configure(
                          String.class,
                          RecordKey.of("a"),
                          r -> r.transform(String.class, RecordKey.of("missing"), v -> v))
                      .build());
      assertThat(e.problems())
          .extracting(GraphProblem::kind)
          .contains(GraphProblem.Kind.INVALID_CONNECTOR, GraphProblem.Kind.MISSING_INPUT);
      assertThat(e.getMessage()).contains("connector 'cloud-sync'").contains("gap: no version 2");
      assertThatThrownBy(sync::start) // used without a pipeline: refused at start
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("cannot start")
          .hasMessageContaining("gap: no version 2");
    }
  }
}
