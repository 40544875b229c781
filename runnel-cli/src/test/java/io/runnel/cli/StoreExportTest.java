package io.runnel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.runnel.RecordKey;
import io.runnel.codec.Codec;
import io.runnel.store.HistoryStore;
import io.runnel.store.OverflowPolicy;
import io.runnel.store.StoreConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code runnel store export}: a real store written by the test, exported to MCAP, and the file
 * read back by the independent reader {@code @mcap/core} (npm), indexed and streamed.
 */
@Timeout(120)
class StoreExportTest {
  enum Mode {
    IDLE,
    HEATING
  }

  record Pose(double x, double y) {}

  record Reading(
      String sensor,
      double celsius,
      long n,
      Instant at,
      Mode mode,
      List<Integer> s,
      Pose pose,
      Long opt) {}

  record Note(String text, int level) {}

  static final RecordKey TEMP = () -> "robot.temp";
  static final RecordKey ODOM = () -> "robot.odom";
  static final RecordKey NOTE = () -> "robot.note";
  static final RecordKey BLOB = () -> "robot.blob";
  static final Instant T0 = Instant.parse("2026-12-01T10:00:00.000001Z");
  static final int N = 3000;

  @TempDir static Path root;
  static Path dir;

  @BeforeAll
  static void writeStore() throws Exception {
    dir = root.resolve("history");
    try (HistoryStore store = HistoryStore.open(StoreConfig.builder(dir).build())) {
      Codec<Reading> rc = Codec.forRecord(Reading.class);
      Codec<Pose> pc = Codec.forRecord(Pose.class);
      Codec<Note> json = Codec.json(Note.class);
      Codec<byte[]> bytes = Codec.bytes(0x77L);
      long last = 0;
      for (int i = 0; i < N; i++) {
        long t = micros(T0) + i * 1000L; // 1 kHz
        Reading r =
            new Reading(
                "s1",
                20 + i / 100.0,
                i,
                T0.plusMillis(i),
                i % 2 == 0 ? Mode.IDLE : Mode.HEATING,
                List.of(i, -i),
                new Pose(i, -i),
                i % 5 == 0 ? null : (long) i);
        last = store.append(TEMP, t, r, rc, policy());
        if (i % 2 == 0) {
          store.append(ODOM, t, new Pose(i * 0.5, 1), pc, policy());
        }
      }
      store.append(NOTE, micros(T0), new Note("start", 1), json, policy());
      last = store.append(BLOB, micros(T0), new byte[] {1, 2, 3}, bytes, policy());
      assertThat(store.awaitDurable(last, Duration.ofSeconds(10))).isTrue();
    }
  }

  static OverflowPolicy policy() {
    return OverflowPolicy.waitUpTo(Duration.ofSeconds(5));
  }

  static long micros(Instant t) {
    return t.getEpochSecond() * 1_000_000L + t.getNano() / 1000;
  }

  static long nanos(Instant t) {
    return t.getEpochSecond() * 1_000_000_000L + t.getNano();
  }

  @Test
  void everyKeyToMcapReadBackByAnIndependentReader() throws Exception {
    Path out = root.resolve("all.mcap");
    CliRun r = CliRun.of("store", "export", dir.toString(), "--out", out.toString());
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out())
        .startsWith("exported " + (N + N / 2 + 2) + " entries of 4 key(s) on 4 channel(s)");
    assertThat(r.err()).contains("key robot.blob: codec 77 has no derivable schema");

    long from = nanos(T0) + 1000L * 1_000_000; // 1 s in: entries 1000..1999 of TEMP
    long to = nanos(T0) + 1999L * 1_000_000;
    JsonNode m = McapCheck.read(out, from, to);
    JsonNode ix = m.get("indexed");
    assertThat(ix.at("/header/library").asText()).startsWith("runnel ");
    // schemas: JSON Schemas derived from the stored record schemas
    JsonNode reading = schema(ix, "io.runnel.cli.StoreExportTest$Reading");
    assertThat(reading.get("encoding").asText()).isEqualTo("jsonschema");
    JsonNode props = reading.at("/schema/properties");
    assertThat(props.at("/celsius/type").asText()).isEqualTo("number");
    assertThat(props.at("/n/type").asText()).isEqualTo("integer");
    assertThat(props.at("/at/format").asText()).isEqualTo("date-time");
    assertThat(props.at("/mode/enum").toString()).isEqualTo("[\"IDLE\",\"HEATING\"]");
    assertThat(props.at("/mode/type").asText()).isEqualTo("string");
    assertThat(props.at("/opt/type").asText()).isEqualTo("integer");
    // every schema is one that Foxglove and Lichtblick turn into fields (one type per field)
    for (JsonNode sc : ix.get("schemas")) {
      assertThat(sc.get("foxgloveProblem").isNull()).as(sc.toString()).isTrue();
    }
    assertThat(props.at("/s/items/type").asText()).isEqualTo("integer");
    assertThat(props.at("/pose/properties/x/type").asText()).isEqualTo("number");
    assertThat(schema(ix, "io.runnel.cli.StoreExportTest$Note").at("/schema/type").asText())
        .isEqualTo("object");
    assertThat(schema(ix, "runnel.RawPayload")).isNotNull();
    // channels: one per key, JSON messages
    List<String> topics = new ArrayList<>();
    for (JsonNode c : ix.get("channels")) {
      topics.add(c.get("topic").asText());
      assertThat(c.get("messageEncoding").asText()).isEqualTo("json");
      assertThat(c.at("/metadata/runnel.codec").asText()).isNotEmpty();
    }
    assertThat(topics)
        .containsExactlyInAnyOrder("robot.temp", "robot.odom", "robot.note", "robot.blob");
    // statistics and indexes, so that a viewer can seek
    JsonNode st = ix.get("statistics");
    assertThat(st.get("messageCount").asLong()).isEqualTo(N + N / 2 + 2);
    assertThat(st.get("channelCount").asInt()).isEqualTo(4);
    assertThat(st.get("messageStartTime").asLong()).isEqualTo(nanos(T0));
    assertThat(st.get("messageEndTime").asLong()).isEqualTo(nanos(T0) + (N - 1) * 1_000_000L);
    assertThat(st.get("chunkCount").asInt()).isEqualTo(ix.get("chunkIndexes").asInt()).isPositive();
    assertThat(ix.get("chunksWithMessageIndexes").asInt())
        .isEqualTo(ix.get("chunkIndexes").asInt());
    assertThat(ix.get("summaryOffsets").toString()).contains("3", "4", "11", "8");
    assertThat(ix.get("dataSectionCrcOk").asBoolean()).isTrue();
    assertThat(ix.get("messages").asLong()).isEqualTo(N + N / 2 + 2);
    // values and times as written
    JsonNode temp = ix.at("/topics/robot.temp");
    assertThat(temp.get("count").asInt()).isEqualTo(N);
    assertThat(temp.get("ordered").asBoolean()).isTrue();
    assertThat(temp.at("/first/logTime").asLong()).isEqualTo(nanos(T0));
    assertThat(temp.at("/first/value").toString())
        .isEqualTo(
            // as JavaScript prints it back: 20.0 is 20
            "{\"sensor\":\"s1\",\"celsius\":20,\"n\":0,\"at\":\"2026-12-01T10:00:00.000001Z\","
                + "\"mode\":\"IDLE\",\"s\":[0,0],\"pose\":{\"x\":0,\"y\":0},\"opt\":null}");
    assertThat(temp.at("/last/logTime").asLong()).isEqualTo(nanos(T0) + (N - 1) * 1_000_000L);
    assertThat(temp.at("/last/value/n").asLong()).isEqualTo(N - 1);
    assertThat(temp.at("/last/value/opt").asLong()).isEqualTo(N - 1);
    assertThat(temp.at("/last/value/mode").asText()).isEqualTo("HEATING");
    assertThat(ix.at("/topics/robot.odom/count").asInt()).isEqualTo(N / 2);
    assertThat(ix.at("/topics/robot.odom/last/value/x").asDouble()).isEqualTo((N - 2) * 0.5);
    assertThat(ix.at("/topics/robot.note/first/value/text").asText()).isEqualTo("start");
    assertThat(ix.at("/topics/robot.blob/first/value/payload").asText()).isEqualTo("AQID");
    // a seek by time reads only that range: TEMP 1000..1999 and ODOM's even ones (inclusive end)
    assertThat(ix.at("/range/count").asInt()).isEqualTo(1000 + 500);
    assertThat(ix.at("/range/inRange").asBoolean()).isTrue();
    // the stream reader agrees, record by record, with every chunk's CRC checked
    JsonNode s = m.get("stream");
    assertThat(s.get("done").asBoolean()).isTrue();
    assertThat(s.get("messages").asLong()).isEqualTo(N + N / 2 + 2);
    assertThat(s.at("/records/Footer").asInt()).isEqualTo(1);
    assertThat(s.at("/records/DataEnd").asInt()).isEqualTo(1);
    assertThat(s.at("/topics/robot.temp/last/value")).isEqualTo(temp.at("/last/value"));
  }

  private static JsonNode schema(JsonNode ix, String name) {
    for (JsonNode s : ix.get("schemas")) {
      if (s.get("name").asText().equals(name)) {
        return s;
      }
    }
    throw new AssertionError("no schema " + name + " in " + ix.get("schemas"));
  }

  @Test
  void aKeyAndATimeRange() throws Exception {
    Path out = root.resolve("range.mcap");
    Instant from = T0.plusMillis(100);
    Instant to = T0.plusMillis(200);
    CliRun r =
        CliRun.of(
            "store",
            "export",
            dir.toString(),
            "-o",
            out.toString(),
            "--key",
            "robot.odom",
            "--key",
            "robot.temp",
            "--from",
            from.toString(),
            "--to",
            to.toString());
    assertThat(r.code()).as(r.toString()).isZero();
    JsonNode ix = McapCheck.read(out).get("indexed");
    assertThat(ix.get("messages").asInt()).isEqualTo(100 + 50);
    assertThat(ix.at("/topics/robot.temp/first/value/n").asInt()).isEqualTo(100);
    assertThat(ix.at("/topics/robot.temp/last/value/n").asInt()).isEqualTo(199);
    assertThat(ix.at("/topics/robot.temp/first/logTime").asLong()).isEqualTo(nanos(from));
    assertThat(ix.get("channels")).hasSize(2);

    // an existing file is not replaced without --force
    CliRun again = CliRun.of("store", "export", dir.toString(), "-o", out.toString());
    assertThat(again.code()).isEqualTo(1);
    assertThat(again.err()).contains("exists: pass --force");
    CliRun forced =
        CliRun.of(
            "store",
            "export",
            dir.toString(),
            "-o",
            out.toString(),
            "--force",
            "--key",
            "robot.note");
    assertThat(forced.code()).as(forced.toString()).isZero();
    assertThat(McapCheck.read(out).at("/indexed/messages").asInt()).isEqualTo(1);
  }

  @Test
  void clearErrors() throws Exception {
    Path out = root.resolve("err.mcap");
    assertError(
        1,
        "is not a directory",
        "store",
        "export",
        root.resolve("nope").toString(),
        "-o",
        out.toString());
    Path notStore = Files.createDirectories(root.resolve("empty"));
    assertError(
        1,
        "is not a Runnel history store",
        "store",
        "export",
        notStore.toString(),
        "-o",
        out.toString());
    assertError(
        1,
        "no key 'robot.nope'",
        "store",
        "export",
        dir.toString(),
        "-o",
        out.toString(),
        "--key",
        "robot.nope");
    assertError(
        1,
        "no entries of robot.temp in " + dir + " in that range: nothing exported",
        "store",
        "export",
        dir.toString(),
        "-o",
        out.toString(),
        "--key",
        "robot.temp",
        "--from",
        "2030-01-01T00:00:00Z");
    assertError(
        2,
        "--from",
        "store",
        "export",
        dir.toString(),
        "-o",
        out.toString(),
        "--from",
        "yesterday");
    assertError(
        2,
        "is not before --to",
        "store",
        "export",
        dir.toString(),
        "-o",
        out.toString(),
        "--from",
        "2026-12-02T00:00:00Z",
        "--to",
        "2026-12-01T00:00:00Z");
    assertError(2, "--out", "store", "export", dir.toString());
    assertThat(out).doesNotExist();
    try (var files = Files.list(root)) {
      assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".part"));
    }
  }

  private static void assertError(int code, String message, String... args) {
    CliRun r = CliRun.of(args);
    assertThat(r.code()).as(r.toString()).isEqualTo(code);
    assertThat(r.err()).as(r.toString()).contains(message);
    if (code == 1) {
      assertThat(r.err().strip().lines().count()).as("one line: " + r.err()).isEqualTo(1);
    }
  }
}
