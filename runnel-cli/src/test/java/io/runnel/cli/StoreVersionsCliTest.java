package io.runnel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.runnel.RecordKey;
import io.runnel.codec.Codec;
import io.runnel.codec.RecordCodec;
import io.runnel.codec.Versions;
import io.runnel.store.HistoryStore;
import io.runnel.store.StoreConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store holding v1 (written before the type had versions), v2 and v3 entries: {@code store dump}
 * shows each value decoded by its stored schema with its version, {@code store export} puts each
 * version on its own channel with {@code runnel.version} in the channel's metadata.
 */
@Timeout(120)
class StoreVersionsCliTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  record V1(String sensor, int tenths) {}

  record V2(String sensor, double celsius) {}

  record V3(String sensor, double celsius, String unit) {}

  static final Versions<V3> AT3 =
      Versions.of(V3.class, 3)
          .from(2, V2.class, (V2 v) -> new V3(v.sensor(), v.celsius(), "C"))
          .from(1, V1.class, (V1 v) -> new V2(v.sensor(), v.tenths() / 10.0));
  static final RecordKey KEY = () -> "sensor.temp";

  @TempDir static Path root;
  static Path dir;

  @BeforeAll
  static void writeStore() throws Exception {
    dir = root.resolve("history");
    try (HistoryStore store = HistoryStore.open(StoreConfig.builder(dir).build())) {
      store.append(KEY, new V1("a", 215), RecordCodec.of(V1.class)); // before versions existed
      store.append(KEY, new V2("b", 1.5), AT3.reader(2, V2.class));
      long last = store.append(KEY, new V3("c", 2.5, "K"), Codec.versioned(AT3));
      assertThat(store.awaitDurable(last, Duration.ofSeconds(10))).isTrue();
    }
  }

  @Test
  void dumpShowsOlderVersionsDecodedByTheirStoredSchemaWithTheirVersion() throws Exception {
    CliRun r = CliRun.of("store", "dump", dir.toString(), "--key", "sensor.temp");
    assertThat(r.code()).as(r.toString()).isZero();
    List<JsonNode> lines = new ArrayList<>();
    for (String l : r.out().lines().toList()) {
      lines.add(JSON.readTree(l));
    }
    assertThat(lines).hasSize(3);
    assertThat(lines.get(0).get("version").asInt()).isEqualTo(1);
    assertThat(lines.get(0).at("/value/tenths").asInt()).isEqualTo(215);
    assertThat(lines.get(1).get("version").asInt()).isEqualTo(2);
    assertThat(lines.get(1).at("/value/celsius").asDouble()).isEqualTo(1.5);
    assertThat(lines.get(2).get("version").asInt()).isEqualTo(3);
    assertThat(lines.get(2).at("/value/unit").asText()).isEqualTo("K");
  }

  @Test
  void infoSaysTheVersionOfEachCodec() throws Exception {
    CliRun r = CliRun.of("store", "info", dir.toString(), "--json");
    assertThat(r.code()).as(r.toString()).isZero();
    List<Integer> versions = new ArrayList<>();
    for (JsonNode c : JSON.readTree(r.out()).at("/keys/0/codecs")) {
      versions.add(c.get("version").asInt());
    }
    assertThat(versions).containsExactlyInAnyOrder(1, 2, 3);
  }

  @Test
  void exportPutsEachVersionOnItsOwnChannelWithItsVersion() throws Exception {
    Path out = root.resolve("v.mcap");
    CliRun r = CliRun.of("store", "export", dir.toString(), "--out", out.toString());
    assertThat(r.code()).as(r.toString()).isZero();
    JsonNode ix = McapCheck.read(out).get("indexed");
    List<String> versions = new ArrayList<>();
    for (JsonNode c : ix.get("channels")) {
      versions.add(c.at("/metadata/runnel.version").asText());
    }
    assertThat(versions).containsExactlyInAnyOrder("1", "2", "3");
  }
}
