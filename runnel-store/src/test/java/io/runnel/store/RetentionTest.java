package io.runnel.store;

import static io.runnel.store.HistoryStoreTest.A;
import static io.runnel.store.HistoryStoreTest.TEXT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.store.wal.EntryFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RetentionTest {

  @TempDir Path dir;
  final AtomicLong nowMillis = new AtomicLong(1_700_000_000_000L);

  StoreConfig config(Retention retention) {
    return StoreConfig.builder(dir)
        .segmentBytes(4096)
        .retention(retention)
        .retentionCheckInterval(Duration.ofHours(1)) // tests call applyRetention() themselves
        .clock(() -> Instant.ofEpochMilli(nowMillis.get()))
        .build();
  }

  long fill(HistoryStore store, int n) throws Exception {
    long last = -1;
    for (int i = 0; i < n; i++) {
      nowMillis.addAndGet(1000);
      last = store.append(A, "value-" + i, TEXT);
    }
    store.awaitDurable(last, Duration.ofSeconds(10));
    return last;
  }

  @Test
  void aLongRetainedKeyInTheOldestSegmentKeepsOnlyTheSegmentsItAppearsIn() throws Exception {
    io.runnel.RecordKey state = io.runnel.RecordKey.of("robot.state");
    try (HistoryStore store =
        HistoryStore.open(config(Retention.maxAge(Duration.ofSeconds(100))))) {
      store.retain(state, Duration.ofDays(30));
      store.append(state, "arm up", TEXT); // in the oldest segment, kept 30 days
      fill(store, 400); // many newer segments holding only A (kept 100 s)
      nowMillis.addAndGet(1_000_000);
      store.applyRetention();
      assertThat(store.query(Query.all().key(state))).hasSize(1);
      // the segment holding the state and the active one; none of A's old segments
      assertThat(store.stats().segments()).isEqualTo(2);
      assertThat(store.query(Query.all().key(A)).getLast().sequence()).isEqualTo(400);
    }
  }

  @Test
  void deletesWholeSegmentsOlderThanMaxAge() throws Exception {
    try (HistoryStore store =
        HistoryStore.open(config(Retention.maxAge(Duration.ofSeconds(100))))) {
      fill(store, 400); // the writer applies retention at every segment roll
      store.applyRetention();
      List<StoredEntry> left = store.query(Query.all());
      // everything younger than 100 s is kept; deleted entries are a prefix
      assertThat(left.getLast().sequence()).isEqualTo(399);
      assertThat(left.getFirst().sequence()).isLessThanOrEqualTo(300);
      assertThat(left.getFirst().sequence()).isGreaterThan(0);
      assertThat(store.stats().segmentsDeleted()).isGreaterThan(0);
      assertThat(dir.resolve(EntryFormat.segmentFileName(0))).doesNotExist();
      nowMillis.addAndGet(1_000_000);
      store.applyRetention();
      assertThat(store.stats().segments()).isEqualTo(1); // the active segment is never deleted
    }
  }

  @Test
  void cursorHoldsBackAgeRetentionUntilItPasses() throws Exception {
    try (HistoryStore store = HistoryStore.open(config(Retention.maxAge(Duration.ofSeconds(10))))) {
      StoreCursor cursor = store.cursor("mqtt.out");
      fill(store, 300);
      nowMillis.addAndGet(1_000_000);
      assertThat(store.applyRetention()).isZero();
      cursor.advanceTo(150);
      assertThat(store.applyRetention()).isGreaterThan(0);
      assertThat(store.query(Query.all()).getFirst().sequence()).isLessThanOrEqualTo(150);
      assertThat(store.stats().cursorOverruns()).isZero();
    }
  }

  @Test
  void sizeLimitOverridesACursorAndCountsIt() throws Exception {
    try (HistoryStore store = HistoryStore.open(config(Retention.maxBytes(12_000)))) {
      store.cursor("slow.consumer"); // at 0: has passed nothing
      fill(store, 500);
      store.applyRetention();
      StoreStats s = store.stats();
      assertThat(s.totalBytes()).isLessThanOrEqualTo(12_000);
      assertThat(s.cursorOverruns()).isGreaterThan(0);
      assertThat(s.cursorOverruns()).isEqualTo(s.segmentsDeleted());
    }
  }

  @Test
  void cursorsAreListedByNameWithWhatLiesBehindThem() throws Exception {
    try (HistoryStore store = HistoryStore.open(config(Retention.keepAll()))) {
      assertThat(store.cursors()).isEmpty();
      long last = fill(store, 10); // sequences 0..9, durable
      store.cursor("forward.mqtt").advanceTo(4);
      store.cursor("forward.cloud").advanceTo(last + 1);
      assertThat(store.cursors())
          .containsExactly(
              new HistoryStore.CursorPosition("forward.cloud", last + 1, 0),
              new HistoryStore.CursorPosition("forward.mqtt", 4, last + 1 - 4));
      store.deleteCursor("forward.mqtt");
      assertThat(store.cursors())
          .extracting(HistoryStore.CursorPosition::name)
          .containsExactly("forward.cloud");
    }
  }

  @Test
  void cursorsPersistAtomically() throws Exception {
    try (HistoryStore store = HistoryStore.open(config(Retention.keepAll()))) {
      StoreCursor c = store.cursor("forward.cloud");
      assertThat(c.position()).isZero();
      c.advanceTo(42);
      assertThatThrownBy(() -> c.advanceTo(41))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("forward.cloud");
      assertThatThrownBy(() -> store.cursor("Bad Name"))
          .isInstanceOf(IllegalArgumentException.class);
    }
    Path cursors = dir.resolve("cursors");
    Files.write(
        cursors.resolve("forward.cloud.cursor.tmp"), new byte[] {1, 2}); // interrupted advance
    Files.write(cursors.resolve("broken.cursor"), new byte[] {1, 2, 3});
    try (HistoryStore store = HistoryStore.open(config(Retention.keepAll()))) {
      assertThat(store.cursor("forward.cloud").position()).isEqualTo(42);
      assertThat(store.cursor("broken").position()).isZero();
      assertThat(cursors.resolve("forward.cloud.cursor.tmp")).doesNotExist();
      store.deleteCursor("broken");
      assertThat(cursors.resolve("broken.cursor")).doesNotExist();
    }
  }
}
