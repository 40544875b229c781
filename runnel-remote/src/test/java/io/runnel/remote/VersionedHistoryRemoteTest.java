package io.runnel.remote;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.runnel.RecordKey;
import io.runnel.Runnel;
import io.runnel.codec.Codec;
import io.runnel.codec.RecordCodec;
import io.runnel.codec.Versions;
import io.runnel.store.HistoryStore;
import io.runnel.store.Persist;
import io.runnel.store.StoreConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A history written with v1 of a type is read over the remote protocol after the application moved
 * to v2: {@code query} returns every entry migrated, each saying the version it was written in, and
 * {@code records} says which version the server reads into.
 */
@Timeout(60)
class VersionedHistoryRemoteTest {
  public record V1(String sensor, int tenths) {}

  public record V2(String sensor, double celsius) {}

  static final RecordKey KEY = RecordKey.of("sensor.temp");

  static final Versions<V2> AT2 =
      Versions.of(V2.class, 2).from(1, V1.class, (V1 v) -> new V2(v.sensor(), v.tenths() / 10.0));

  @Test
  void queryMigratesOldEntriesAndSaysTheirVersion(@TempDir Path dir) throws Exception {
    Path storeDir = Files.createDirectories(dir.resolve("store"));
    try (HistoryStore store = HistoryStore.open(StoreConfig.builder(storeDir).build())) {
      Codec<V1> plain = RecordCodec.of(V1.class); // the application before it had versions
      store.append(KEY, new V1("a", 201), plain);
      store.append(KEY, new V1("b", 202), plain);
      assertThat(store.awaitDurable(store.sync(), Duration.ofSeconds(10))).isTrue();
    }
    Codec<V2> v2 = Codec.versioned(AT2);
    try (HistoryStore store = HistoryStore.open(StoreConfig.builder(storeDir).build());
        Runnel runnel =
            Runnel.builder()
                .configure(V2.class, KEY, r -> r.external().hook(Persist.to(store, v2)))
                .build()
                .start();
        RemoteServer server =
            RemoteServer.builder(runnel)
                .port(0)
                .webSocket(false)
                .unixSocket(dir.resolve("r.sock"))
                .generatedTokenFile(dir.resolve("tokens"))
                .history(store)
                .codec(KEY, v2)
                .build()
                .start()) {
      runnel.producer(V2.class, KEY).produce(new V2("c", 20.3));
      assertThat(store.awaitDurable(store.sync(), Duration.ofSeconds(10))).isTrue();
      String token =
          Files.readAllLines(server.tokenFile().orElseThrow()).stream()
              .filter(l -> !l.startsWith("#"))
              .map(l -> l.split(" "))
              .filter(f -> f[1].equals("read"))
              .map(f -> f[2])
              .findFirst()
              .orElseThrow();
      try (RpcClient c = UnixClient.connect(dir.resolve("r.sock"))) {
        c.hello(token);
        JsonNode records = c.call("records", null).get("result").get("records");
        assertThat(ProtocolTest.find(records, KEY.id()).get("version").asInt()).isEqualTo(2);
        JsonNode entries =
            c.call("query", "{\"key\":\"" + KEY.id() + "\"}").get("result").get("entries");
        List<String> seen = new ArrayList<>();
        for (JsonNode e : entries) {
          seen.add(
              e.get("version").asInt()
                  + ":"
                  + e.get("value").get("sensor").asText()
                  + "="
                  + e.get("value").get("celsius").asDouble());
        }
        assertThat(seen).containsExactly("1:a=20.1", "1:b=20.2", "2:c=20.3");
      }
    }
  }
}
