package io.runnel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.runnel.RecordKey;
import io.runnel.codec.Codec;
import io.runnel.store.HistoryStore;
import io.runnel.store.StoreConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The offline store commands against a real store written by the test. */
@Timeout(60)
class StoreCommandsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  enum Mode {
    IDLE,
    HEATING
  }

  record Inner(int a, String b) {}

  record Reading(
      String sensor,
      double celsius,
      Instant at,
      Mode mode,
      List<Integer> samples,
      Inner inner,
      Long optional,
      byte[] raw,
      boolean ok,
      char grade,
      float ratio) {}

  record Note(String text, int level) {}

  static final RecordKey INDOOR = () -> "sensor.temp.indoor";
  static final RecordKey BLOB = () -> "blob.raw";
  static final RecordKey NOTE = () -> "note.json";
  static final Instant T0 = Instant.parse("2026-12-01T10:00:00.123456Z");

  @TempDir static Path root;
  static Path dir;

  @BeforeAll
  static void writeStore() throws Exception {
    dir = root.resolve("history");
    try (HistoryStore store = HistoryStore.open(StoreConfig.builder(dir).build())) {
      Codec<Reading> codec = Codec.forRecord(Reading.class);
      Codec<Note> json = Codec.json(Note.class);
      Codec<byte[]> bytes = Codec.bytes(0x1234L);
      long last = 0;
      for (int i = 0; i < 10; i++) {
        Reading r =
            new Reading(
                "indoor",
                20.5 + i,
                T0.plusSeconds(i),
                i % 2 == 0 ? Mode.IDLE : Mode.HEATING,
                List.of(i, i + 1),
                i == 3 ? null : new Inner(-i, "b,\"" + i),
                i % 3 == 0 ? null : (long) i * 1_000_000_000L,
                new byte[] {1, 2, (byte) i},
                i % 2 == 0,
                'A',
                0.25f);
        last = store.append(INDOOR, micros(T0.plusSeconds(i)), r, codec, policy());
        store.append(
            BLOB, micros(T0.plusSeconds(i)), new byte[] {(byte) 0xCA, (byte) i}, bytes, policy());
      }
      last = store.append(NOTE, micros(T0), new Note("hello", 2), json, policy());
      assertThat(store.awaitDurable(last, Duration.ofSeconds(10))).isTrue();
    }
  }

  private static io.runnel.store.OverflowPolicy policy() {
    return io.runnel.store.OverflowPolicy.waitUpTo(Duration.ofSeconds(5));
  }

  private static long micros(Instant t) {
    return t.getEpochSecond() * 1_000_000L + t.getNano() / 1000;
  }

  private static List<JsonNode> jsonLines(String out) throws Exception {
    List<JsonNode> l = new ArrayList<>();
    for (String line : out.lines().toList()) {
      l.add(JSON.readTree(line));
    }
    return l;
  }

  @Test
  void infoSummarisesKeysAndSchemas() throws Exception {
    CliRun r = CliRun.of("store", "info", dir.toString(), "--json");
    assertThat(r.code()).as(r.toString()).isZero();
    JsonNode info = JSON.readTree(r.out());
    assertThat(info.get("entries").asLong()).isEqualTo(21);
    assertThat(info.get("damagedRegions").asLong()).isZero();
    JsonNode keys = info.get("keys");
    assertThat(keys).hasSize(3);
    JsonNode indoor = find(keys, "sensor.temp.indoor");
    assertThat(indoor.get("entries").asLong()).isEqualTo(10);
    assertThat(indoor.get("first").asText()).isEqualTo("2026-12-01T10:00:00.123456Z");
    assertThat(indoor.get("codecs").get(0).get("schema").asText())
        .startsWith("io.runnel.cli.StoreCommandsTest$Reading(sensor:String,celsius:double");
    assertThat(indoor.get("codecs").get(0).get("decodable").asBoolean()).isTrue();
    JsonNode blob = find(keys, "blob.raw");
    assertThat(blob.get("codecs").get(0).get("decodable").asBoolean()).isFalse();

    CliRun human = CliRun.of("store", "info", dir.toString());
    assertThat(human.code()).as(human.toString()).isZero();
    assertThat(human.out()).contains("entries    21").contains("damage     none found");
    assertThat(human.out()).containsPattern("sensor\\.temp\\.indoor\\s+10");
  }

  private static JsonNode find(JsonNode keys, String key) {
    for (JsonNode k : keys) {
      if (k.get("key").asText().equals(key)) {
        return k;
      }
    }
    throw new AssertionError("no key " + key + " in " + keys);
  }

  @Test
  void dumpDecodesRecordCodecValuesFromTheStoredSchema() throws Exception {
    CliRun r = CliRun.of("store", "dump", dir.toString(), "--key", "sensor.temp.indoor");
    assertThat(r.code()).as(r.toString()).isZero();
    List<JsonNode> entries = jsonLines(r.out());
    assertThat(entries).hasSize(10);
    JsonNode v3 = entries.get(3).get("value");
    assertThat(v3.get("sensor").asText()).isEqualTo("indoor");
    assertThat(v3.get("celsius").asDouble()).isEqualTo(23.5);
    assertThat(v3.get("at").asText()).isEqualTo(T0.plusSeconds(3).toString());
    assertThat(v3.get("mode").asText()).isEqualTo("HEATING");
    assertThat(v3.get("samples").toString()).isEqualTo("[3,4]");
    assertThat(v3.get("inner").isNull()).isTrue();
    assertThat(v3.get("optional").isNull()).isTrue();
    assertThat(v3.get("raw").asText())
        .isEqualTo(Base64.getEncoder().encodeToString(new byte[] {1, 2, 3}));
    assertThat(v3.get("ok").asBoolean()).isFalse();
    assertThat(v3.get("grade").asText()).isEqualTo("A");
    assertThat(v3.get("ratio").asDouble()).isEqualTo(0.25);
    JsonNode v4 = entries.get(4).get("value");
    assertThat(v4.get("inner").get("a").asInt()).isEqualTo(-4);
    assertThat(v4.get("inner").get("b").asText()).isEqualTo("b,\"4");
    assertThat(v4.get("optional").asLong()).isEqualTo(4_000_000_000L);
    assertThat(entries.get(0).get("time").asText()).isEqualTo("2026-12-01T10:00:00.123456Z");
  }

  @Test
  void dumpDecodesJsonCodecValuesAndShowsOtherPayloadsRaw() throws Exception {
    CliRun note = CliRun.of("store", "dump", dir.toString(), "--key", "note.json");
    assertThat(note.code()).as(note.toString()).isZero();
    assertThat(jsonLines(note.out()).get(0).get("value").toString())
        .isEqualTo("{\"text\":\"hello\",\"level\":2}");

    CliRun blob = CliRun.of("store", "dump", dir.toString(), "--key", "blob.raw", "--limit", "2");
    assertThat(blob.code()).as(blob.toString()).isZero();
    List<JsonNode> b = jsonLines(blob.out());
    assertThat(b).hasSize(2);
    assertThat(b.get(1).get("codec").asText()).isEqualTo("1234");
    assertThat(b.get(1).get("schema").asText()).isEqualTo("bytes#1234");
    assertThat(Base64.getDecoder().decode(b.get(1).get("payload").asText()))
        .containsExactly(0xCA, 1);

    CliRun csv = CliRun.of("store", "dump", dir.toString(), "--key", "blob.raw", "--format", "csv");
    assertThat(csv.lines().get(0)).isEqualTo("seq,time,codec,payload_hex");
    assertThat(csv.lines().get(2)).endsWith(",1234,ca01");
  }

  @Test
  void dumpCsvHasTheValuesFieldsAsColumns() {
    CliRun r =
        CliRun.of(
            "store",
            "dump",
            dir.toString(),
            "--key",
            "sensor.temp.indoor",
            "--format",
            "csv",
            "--since",
            "2026-12-01T10:00:04Z",
            "--until",
            "2026-12-01T10:00:06Z");
    assertThat(r.code()).as(r.toString()).isZero();
    List<String> lines = r.lines();
    assertThat(lines.get(0))
        .isEqualTo(
            "seq,time,sensor,celsius,at,mode,samples,inner.a,inner.b,optional,raw,ok,grade,ratio");
    assertThat(lines).hasSize(3); // header, 10:00:04.123456 and 10:00:05.123456
    assertThat(lines.get(1))
        .contains(",indoor,24.5,2026-12-01T10:00:04.123456Z,IDLE,\"[4,5]\",-4," + "\"b,\"\"4\",");
  }

  @Test
  void dumpOfAnUnknownKeyFailsWithOneLine() {
    CliRun r = CliRun.of("store", "dump", dir.toString(), "--key", "no.such.key");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.out()).isEmpty();
    assertThat(r.err().lines()).hasSize(1);
    assertThat(r.err()).contains("no entries of no.such.key");
  }

  @Test
  void aStoreHeldOpenByAnotherOwnerIsReportedInOneLine() throws Exception {
    try (HistoryStore held = HistoryStore.open(StoreConfig.builder(dir).build())) {
      CliRun r = CliRun.of("store", "info", dir.toString());
      assertThat(r.code()).isEqualTo(1);
      assertThat(r.err().lines()).hasSize(1);
      assertThat(r.err()).contains("is in use").doesNotContain("Exception");
    }
  }

  @Test
  void aDirectoryThatIsNoStoreIsRefusedAndLeftUntouched() throws Exception {
    Path empty = Files.createDirectories(root.resolve("empty"));
    CliRun r = CliRun.of("store", "info", empty.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("is not a Runnel history store");
    try (Stream<Path> s = Files.list(empty)) {
      assertThat(s).isEmpty();
    }
    CliRun missing = CliRun.of("store", "dump", root.resolve("nope").toString(), "--key", "a.b");
    assertThat(missing.code()).isEqualTo(1);
    assertThat(missing.err()).contains("is not a directory");
    assertThat(Files.exists(root.resolve("nope"))).isFalse();
  }

  @Test
  void badOptionsAreUsageErrors() {
    CliRun r = CliRun.of("store", "dump", dir.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err().lines()).hasSize(1);
    assertThat(r.err()).contains("--key");
    CliRun since =
        CliRun.of("store", "dump", dir.toString(), "--key", "a.b", "--since", "yesterday");
    assertThat(since.code()).isEqualTo(2);
    assertThat(since.err()).contains("not a duration");
    assertThat(new String(new byte[0], StandardCharsets.UTF_8)).isEmpty();
  }
}
