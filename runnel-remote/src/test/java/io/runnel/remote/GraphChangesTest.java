package io.runnel.remote;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.runnel.RecordKey;
import io.runnel.remote.Fixture.Kind;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Records added to and removed from the running pipeline, seen through a real server: the {@code
 * $graph} watch tells of each change, {@code records} and {@code graph} show it at once, a watch of
 * the new record gets its values, and a watch of a removed record ends with {@code removed}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class GraphChangesTest {
  @TempDir static Path tmp;
  Fixture f;

  /** A station's reading. */
  public record Reading(String station, double celsius) {}

  @BeforeAll
  void start() throws Exception {
    f = new Fixture(tmp);
  }

  @AfterAll
  void stop() {
    f.close();
  }

  private static JsonNode find(RpcClient c, String method, String key) throws Exception {
    return c.notification(
        m ->
            m.path("method").asText().equals(method)
                && m.path("params").path("key").asText().equals(key));
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void aWatcherLearnsOfAnAddedRecordReadsItAndSeesItsEnd(Kind kind) throws Exception {
    RecordKey station = RecordKey.of("demo.station." + kind.name().toLowerCase());
    try (RpcClient c = f.connect(kind)) {
      JsonNode hello = c.hello(f.readToken);
      assertThat(texts(hello.get("capabilities"))).contains("graph.changes");
      long v0 = c.call("graph", "{}").get("result").get("version").asLong();
      StringBuilder transcript = new StringBuilder();
      c.transcript = transcript;
      c.call("watch", "{\"keys\":[\"$graph\"]}");

      f.demo.runnel.add(Reading.class, station, r -> r.external());
      JsonNode added = find(c, "watch.value", "$graph").get("params").get("value");
      assertThat(added.get("version").asLong()).isGreaterThan(v0);
      assertThat(texts(added.get("added"))).containsExactly(station.id());
      assertThat(texts(added.get("removed"))).isEmpty();

      JsonNode records = c.call("records", "{}").get("result").get("records");
      assertThat(records.findValuesAsText("key")).contains(station.id());
      JsonNode graph = c.call("graph", "{}").get("result");
      assertThat(graph.get("nodes").findValuesAsText("id")).contains("record:" + station.id());
      assertThat(graph.get("version").asLong()).isEqualTo(added.get("version").asLong());

      long sub =
          c.call("watch", "{\"keys\":[\"" + station.id() + "\"]}")
              .get("result")
              .get("sub")
              .asLong();
      f.demo.runnel.producer(Reading.class, station).produce(new Reading("s1", 21.5));
      JsonNode value = find(c, "watch.value", station.id()).get("params");
      assertThat(value.get("sub").asLong()).isEqualTo(sub);
      assertThat(value.get("value").get("celsius").asDouble()).isEqualTo(21.5);

      f.demo.runnel.remove(station);
      JsonNode end = find(c, "watch.end", station.id()).get("params");
      assertThat(end.get("reason").asText()).isEqualTo("removed");
      JsonNode removed = find(c, "watch.value", "$graph").get("params").get("value");
      assertThat(texts(removed.get("removed"))).containsExactly(station.id());
      c.transcript = null;
      if (kind == Kind.WEBSOCKET) { // for docs/REMOTE.md
        synchronized (transcript) {
          java.nio.file.Files.writeString(
              Path.of("target/graph-transcript.txt"),
              transcript
                  .toString()
                  .lines()
                  .filter(l -> !l.contains("\"records\"") && !l.contains("\"nodes\""))
                  .collect(java.util.stream.Collectors.joining("\n")));
        }
      }
      JsonNode after = c.call("records", "{}").get("result").get("records");
      assertThat(after.findValuesAsText("key")).doesNotContain(station.id());
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void theGraphTopicTakesNoHistoryOrRate(Kind kind) throws Exception {
    try (RpcClient c = f.connect(kind)) {
      c.hello(f.readToken);
      JsonNode e = c.call("watch", "{\"keys\":[\"$graph\"],\"maxRate\":5}").get("error");
      assertThat(e.get("data").get("reason").asText()).isEqualTo("invalid_params");
    }
  }
}
