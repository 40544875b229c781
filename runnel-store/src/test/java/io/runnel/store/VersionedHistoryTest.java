package io.runnel.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.GraphException;
import io.runnel.RecordKey;
import io.runnel.Runnel;
import io.runnel.buffer.BufferSpec;
import io.runnel.buffer.Reader;
import io.runnel.codec.Codec;
import io.runnel.codec.MigrationException;
import io.runnel.codec.RecordCodec;
import io.runnel.codec.SchemaMismatchException;
import io.runnel.codec.Versions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A history written with v1 (and v2) is read after the application moved to v3. */
@Timeout(60)
class VersionedHistoryTest {
  public record V1(String sensor, int tenths) {}

  public record V2(String sensor, double celsius) {}

  public record V3(String sensor, double celsius, String unit) {}

  public record V4(String sensor, double kelvin) {}

  static final RecordKey KEY = RecordKey.of("sensor.temp");
  static final RecordKey OUT = RecordKey.of("sensor.replayed");

  static final Versions<V2> AT2 =
      Versions.of(V2.class, 2).from(1, V1.class, (V1 v) -> new V2(v.sensor(), v.tenths() / 10.0));
  static final Versions<V3> AT3 =
      Versions.of(V3.class, 3)
          .from(2, V2.class, (V2 v) -> new V3(v.sensor(), v.celsius(), "C"))
          .from(1, V1.class, (V1 v) -> new V2(v.sensor(), v.tenths() / 10.0));

  Path dir;

  @BeforeEach
  void dir() throws Exception {
    dir = Files.createTempDirectory("versioned");
  }

  /** Writes 3 v1 entries with a plain (pre-versions) codec, then 2 v2 entries with the chain. */
  void writeOldHistory() throws Exception {
    try (HistoryStore store = HistoryStore.open(StoreConfig.builder(dir).build())) {
      Codec<V1> plain = RecordCodec.of(V1.class);
      for (int i = 0; i < 3; i++) {
        store.append(KEY, new V1("s" + i, 200 + i), plain);
      }
      Codec<V2> v2 = Codec.versioned(AT2);
      store.append(KEY, new V2("s3", 20.3), v2);
      store.append(KEY, new V2("s4", 20.4), v2);
      assertThat(store.awaitDurable(store.sync(), Duration.ofSeconds(10))).isTrue();
    }
  }

  @Test
  void queryReadsEveryOldVersionMigratedAndSaysWhichVersionEachWas() throws Exception {
    writeOldHistory();
    try (HistoryStore store = HistoryStore.open(StoreConfig.builder(dir).build())) {
      Codec<V3> v3 = Codec.versioned(AT3);
      store.append(KEY, new V3("s5", 20.5, "C"), v3);
      assertThat(store.awaitDurable(store.sync(), Duration.ofSeconds(10))).isTrue();
      List<StoredEntry> all = store.query(Query.all().key(KEY));
      List<V3> values = new ArrayList<>();
      List<Integer> versions = new ArrayList<>();
      for (StoredEntry e : all) {
        values.add(e.decode(v3));
        versions.add(e.writtenVersion());
      }
      assertThat(values)
          .containsExactly(
              new V3("s0", 20.0, "C"),
              new V3("s1", 20.1, "C"),
              new V3("s2", 20.2, "C"),
              new V3("s3", 20.3, "C"),
              new V3("s4", 20.4, "C"),
              new V3("s5", 20.5, "C"));
      // v1 entries were written before versions existed; the v2 chain recorded their version
      assertThat(versions).containsExactly(1, 1, 1, 2, 2, 3);
      // an unversioned reader still refuses what is not its own schema
      assertThatThrownBy(() -> all.get(0).decode(RecordCodec.of(V3.class)))
          .isInstanceOf(SchemaMismatchException.class);
    }
    assertThat(Files.readString(dir.resolve("schemas.txt"))).contains("version\t");
  }

  @Test
  void restoreAndReplayReadOldVersionsAfterTheMoveToV3() throws Exception {
    writeOldHistory();
    try (HistoryStore store = HistoryStore.open(StoreConfig.builder(dir).build())) {
      Codec<V3> v3 = Codec.versioned(AT3);
      Replay<V3> replay = Replay.of(store, KEY, v3);
      List<V3> replayed = java.util.Collections.synchronizedList(new ArrayList<>());
      Runnel runnel =
          Runnel.builder()
              .configure(
                  V3.class,
                  KEY,
                  r ->
                      r.buffer(BufferSpec.latest())
                          .external()
                          .hook(Persist.to(store, v3).restoreLast()))
              .configure(
                  V3.class,
                  OUT,
                  r -> r.buffer(BufferSpec.ring(64)).source(replay).tap((c, v) -> replayed.add(v)))
              .build();
      Reader<V3> reader = runnel.subscribe(V3.class, KEY);
      runnel.start();
      try (runnel) {
        assertThat(reader.recv(Duration.ofSeconds(5))).isEqualTo(new V3("s4", 20.4, "C"));
        assertThat(runnel.awaitCompletion(Duration.ofSeconds(10))).isTrue(); // the replay ends
      }
      assertThat(replay.replayed()).isEqualTo(5);
      assertThat(replay.skipped()).isZero();
      assertThat(replayed).hasSize(5).startsWith(new V3("s0", 20.0, "C"));
    }
  }

  @Test
  void aThrowingMigrationIsCountedAndSkippedAndTheReplayGoesOn() throws Exception {
    writeOldHistory();
    Versions<V3> flaky =
        Versions.of(V3.class, 3)
            .from(2, V2.class, (V2 v) -> new V3(v.sensor(), v.celsius(), "C"))
            .from(
                1,
                V1.class,
                (V1 v) -> {
                  if (v.sensor().equals("s1")) {
                    throw new IllegalStateException("bad s1");
                  }
                  return new V2(v.sensor(), v.tenths() / 10.0);
                });
    try (HistoryStore store = HistoryStore.open(StoreConfig.builder(dir).build())) {
      List<StoredEntry> all = store.query(Query.all().key(KEY));
      Codec<V3> codec = Codec.versioned(flaky);
      assertThatThrownBy(() -> all.get(1).decode(codec))
          .isInstanceOf(MigrationException.class)
          .hasMessageContaining("entry 1 of key 'sensor.temp': the migration from version 1 to 2")
          .hasMessageContaining("bad s1");
      Replay<V3> replay = Replay.of(store, KEY, codec);
      try (Runnel runnel =
          Runnel.builder()
              .configure(V3.class, OUT, r -> r.buffer(BufferSpec.ring(64)).source(replay))
              .build()
              .start()) {
        assertThat(runnel.awaitCompletion(Duration.ofSeconds(10))).isTrue();
      }
      assertThat(replay.replayed()).isEqualTo(4);
      assertThat(replay.skipped()).isEqualTo(1);
    }
  }

  @Test
  void aFutureVersionInTheStoreIsRefusedNamingBothVersions() throws Exception {
    Versions<V4> at4 =
        Versions.of(V4.class, 4)
            .from(3, V3.class, (V3 v) -> new V4(v.sensor(), v.celsius() + 273.15))
            .from(2, V2.class, (V2 v) -> new V3(v.sensor(), v.celsius(), "C"))
            .from(1, V1.class, (V1 v) -> new V2(v.sensor(), v.tenths() / 10.0));
    try (HistoryStore store = HistoryStore.open(StoreConfig.builder(dir).build())) {
      store.append(KEY, new V4("s", 300), Codec.versioned(at4));
      assertThat(store.awaitDurable(store.sync(), Duration.ofSeconds(10))).isTrue();
    }
    try (HistoryStore store = HistoryStore.open(StoreConfig.builder(dir).build())) {
      StoredEntry e = store.query(Query.all()).getFirst();
      assertThat(e.writtenVersion()).isEqualTo(4);
      assertThatThrownBy(() -> e.decode(Codec.versioned(AT3)))
          .isInstanceOf(SchemaMismatchException.class)
          .hasMessageContaining("entry 0 of key 'sensor.temp' is version 4")
          .hasMessageContaining("knows versions 1..3")
          .hasMessageContaining("deploy a reader whose chain declares version 4");
    }
  }

  @Test
  void cursorsAndRetentionAreUnaffectedByVersions() throws Exception {
    writeOldHistory();
    try (HistoryStore store = HistoryStore.open(StoreConfig.builder(dir).build())) {
      StoreCursor c = store.cursor("sync");
      c.advanceTo(3); // past the v1 entries
      List<StoredEntry> rest = store.query(Query.all().key(KEY).fromSequence(c.position()));
      assertThat(rest).extracting(StoredEntry::writtenVersion).containsExactly(2, 2);
    }
    try (HistoryStore store = HistoryStore.open(StoreConfig.builder(dir).build())) {
      assertThat(store.cursor("sync").position()).isEqualTo(3);
    }
  }

  @Test
  void aBrokenChainIsABuildProblemOfTheRecordItIsAttachedTo() throws Exception {
    Versions<V3> gap = Versions.of(V3.class, 3).from(1, V1.class, (V1 v) -> v);
    // V2 declared twice: one fingerprint for versions 1 and 2
    Versions<V3> collision =
        Versions.of(V3.class, 3)
            .from(2, V2.class, (V2 v) -> new V3(v.sensor(), v.celsius(), "C"))
            .from(1, V2.class, (V2 v) -> v);
    try (HistoryStore store = HistoryStore.open(StoreConfig.builder(dir).build())) {
      assertThatThrownBy(
              () ->
                  Runnel.builder()
                      .configure(
                          V3.class,
                          KEY,
                          r -> r.external().hook(Persist.to(store, Codec.versioned(gap))))
                      .configure(
                          V3.class,
                          OUT,
                          r -> r.external().hook(Persist.to(store, Codec.versioned(collision))))
                      .build())
          .isInstanceOf(GraphException.class)
          .hasMessageContaining("record 'sensor.temp'")
          .hasMessageContaining("record 'sensor.replayed'")
          .hasMessageContaining("gap: no version 2 between 1 and 3")
          .hasMessageContaining("matches two versions, 2 and 1");
    }
  }
}
