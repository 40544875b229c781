package io.runnel.store;

import static io.runnel.store.HistoryReaderTest.WAIT;
import static io.runnel.store.HistoryReaderTest.decoded;
import static io.runnel.store.HistoryStoreTest.TEXT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.RecordKey;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link KeySelector} and a {@link HistoryReader} whose key set grows: keys first written after the
 * reader was built, restarts, the segment index, retention.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class GrowingKeysTest {

  static final RecordKey SITE = RecordKey.of("site.average");
  static final KeySelector STATIONS = KeySelector.prefix("station.");

  @TempDir Path dir;

  static RecordKey station(String node) {
    return RecordKey.of("station." + node);
  }

  HistoryStore open() throws Exception {
    return HistoryStore.open(StoreConfig.builder(dir).build());
  }

  /** Reads, delivers and commits everything durable from the reader's position. */
  static List<String> drain(HistoryReader reader) throws Exception {
    List<String> out = new ArrayList<>();
    long from = reader.position();
    while (true) {
      HistoryReader.Page p = reader.read(from);
      out.addAll(decoded(p));
      reader.delivered(p.end());
      if (p.end() == from) {
        break;
      }
      from = p.end();
    }
    reader.commit();
    return out;
  }

  // ------------------------------------------------------------------------------- the selector

  @Test
  void aPrefixSelectsWholeSegments() {
    assertThat(STATIONS.matches("station.s01")).isTrue();
    assertThat(STATIONS.matches("station.s01.raw")).isTrue();
    assertThat(STATIONS.matches("station")).isFalse();
    assertThat(STATIONS.matches("stationary.x")).isFalse();
    assertThat(STATIONS.matches("site.station.s01")).isFalse();
    assertThat(STATIONS).hasToString("station.*");
  }

  @Test
  void aBadPrefixOrAnEmptyKeySetIsRefusedSayingWhy() {
    assertThatThrownBy(() -> KeySelector.prefix("station"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'station' must end with '.'");
    assertThatThrownBy(() -> KeySelector.prefix("Station."))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a record key followed by '.'")
        .hasMessageContaining("uppercase 'S'");
    assertThatThrownBy(() -> KeySelector.prefix("."))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must not be empty");
    assertThatThrownBy(() -> KeySelector.of(List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("KeySelector.all()");
    assertThatThrownBy(() -> KeySelector.prefix(null)).hasMessageContaining("prefix");
  }

  @Test
  void aUnionSelectsBothAndEqualityIgnoresTheOrderOfPrefixes() {
    KeySelector s = STATIONS.or(KeySelector.of(SITE));
    assertThat(s.matches("station.s07")).isTrue();
    assertThat(s.matches("site.average")).isTrue();
    assertThat(s.matches("site.alert")).isFalse();
    assertThat(s).hasToString("site.average, station.*");
    KeySelector ab = KeySelector.prefix("a.").or(KeySelector.prefix("b."));
    assertThat(ab).isEqualTo(KeySelector.prefix("b.").or(KeySelector.prefix("a.")));
    assertThat(ab.hashCode())
        .isEqualTo(KeySelector.prefix("b.").or(KeySelector.prefix("a.")).hashCode());
    assertThat(s.or(KeySelector.all())).isSameAs(KeySelector.all());
    assertThat(KeySelector.all().matches("anything.at.all")).isTrue();
  }

  // ------------------------------------------------------------------------------- the reader

  @Test
  void keysFirstWrittenAfterTheReaderWasBuiltAreReadAndOthersAreNot() throws Exception {
    try (HistoryStore store = open()) {
      HistoryReaderTest.append(store, SITE, "avg0");
      HistoryReader reader = HistoryReader.builder(store, "kafka").keys(STATIONS).build();
      assertThat(reader.keys()).isEqualTo(STATIONS);
      HistoryReader.Page none = reader.read(0);
      assertThat(none.isEmpty()).isTrue();
      assertThat(none.end()).isEqualTo(1); // passes the other key's entry
      // two stations appear (records added at run time), interleaved with another key
      store.append(station("s01"), "s01-0", TEXT);
      store.append(SITE, "avg1", TEXT);
      store.append(station("s02"), "s02-0", TEXT);
      store.append(RecordKey.of("stationary.x"), "not-me", TEXT);
      HistoryReaderTest.append(store, station("s01"), "s01-1");
      HistoryReader.Page p = reader.read(none.end());
      assertThat(decoded(p)).containsExactly("s01-0", "s02-0", "s01-1");
      assertThat(p.end()).isEqualTo(6);
      // a third, later still
      HistoryReaderTest.append(store, station("s03"), "s03-0");
      assertThat(decoded(reader.read(p.end()))).containsExactly("s03-0");
    }
  }

  @Test
  void aRestartResumesFromTheCursorWithNewKeysToo() throws Exception {
    try (HistoryStore store = open()) {
      HistoryReaderTest.append(store, station("s01"), "a", "b");
      HistoryReader reader = HistoryReader.builder(store, "kafka").keys(STATIONS).build();
      assertThat(drain(reader)).containsExactly("a", "b");
      // read but not delivered: must come again after the restart
      HistoryReaderTest.append(store, station("s02"), "c");
      assertThat(decoded(reader.read(reader.position()))).containsExactly("c");
    }
    try (HistoryStore store = open()) {
      HistoryReaderTest.append(store, SITE, "x");
      HistoryReaderTest.append(store, station("s03"), "d");
      HistoryReader reader = HistoryReader.builder(store, "kafka").keys(STATIONS).build();
      assertThat(reader.position()).isEqualTo(2);
      assertThat(drain(reader)).containsExactly("c", "d");
      assertThat(reader.position()).isEqualTo(5);
    }
  }

  @Test
  void keysAddToTheSelectionAndAnEmptyListChangesNothing() throws Exception {
    try (HistoryStore store = open()) {
      store.append(station("s01"), "s", TEXT);
      store.append(SITE, "avg", TEXT);
      HistoryReaderTest.append(store, RecordKey.of("other.key"), "o");
      HistoryReader both =
          HistoryReader.builder(store, "both").keys(STATIONS).keys(List.of(SITE)).build();
      assertThat(drain(both)).containsExactly("s", "avg");
      HistoryReader every = HistoryReader.builder(store, "every").keys(List.of()).build();
      assertThat(every.keys().isAll()).isTrue();
      assertThat(drain(every)).containsExactly("s", "avg", "o");
    }
  }

  /**
   * The segments' key sets are the index: a page query opens no segment without a selected key, and
   * finds keys that first appear in a segment written after the reader started.
   */
  @Test
  void segmentsWithoutASelectedKeyAreNotRead() throws Exception {
    try (HistoryStore store =
        HistoryStore.open(StoreConfig.builder(dir).segmentBytes(4096).build())) {
      long last = -1;
      for (int i = 0; i < 600; i++) { // many segments of the site key only
        last = store.append(SITE, "avg-" + i, TEXT);
      }
      assertThat(store.awaitDurable(last, WAIT)).isTrue();
      assertThat(store.stats().segments()).isGreaterThan(5);
      HistoryReader reader = HistoryReader.builder(store, "kafka").keys(STATIONS).build();
      long before = store.queryEntriesScanned();
      HistoryReader.Page p = reader.read(0);
      assertThat(p.isEmpty()).isTrue();
      assertThat(p.end()).isEqualTo(600);
      // only the open segment may be scanned (its key set is the site key: not even that)
      assertThat(store.queryEntriesScanned() - before).isZero();
      HistoryReaderTest.append(store, station("s09"), "late");
      before = store.queryEntriesScanned();
      assertThat(decoded(reader.read(p.end()))).containsExactly("late");
      long scanned = store.queryEntriesScanned() - before;
      assertThat(scanned).isLessThan(200); // the open segment's entries at most, not 600
      assertThat(store.storedKeys()).containsExactly("site.average", "station.s09");
    }
  }

  /**
   * A read looks at a bounded number of entries: through a long run of another key's entries a page
   * ends where the scan stopped, empty, and the reader still reads everything selected.
   */
  @Test
  void aReadThroughManyOtherEntriesStopsAtItsScanBudget() throws Exception {
    try (HistoryStore store = open()) {
      store.append(station("s01"), "first", TEXT);
      long last = -1;
      for (int i = 0; i < 1000; i++) { // one segment: every entry is looked at
        last = store.append(SITE, "avg-" + i, TEXT);
      }
      store.append(station("s01"), "late", TEXT);
      assertThat(store.awaitDurable(last + 1, WAIT)).isTrue();
      HistoryReader reader =
          HistoryReader.builder(store, "kafka")
              .keys(STATIONS)
              .maxPageEntries(50)
              .scanBudget(100)
              .build();
      HistoryReader.Page p = reader.read(0);
      assertThat(decoded(p)).containsExactly("first");
      assertThat(p.end()).isEqualTo(100); // 100 entries looked at: 0..99
      HistoryReader.Page q = reader.read(p.end());
      assertThat(q.isEmpty()).isTrue();
      assertThat(q.end()).isEqualTo(200);
      List<String> all = new ArrayList<>();
      long from = 0;
      int reads = 0;
      while (true) {
        HistoryReader.Page page = reader.read(from);
        reads++;
        all.addAll(decoded(page));
        if (page.end() == from) {
          break;
        }
        from = page.end();
      }
      assertThat(all).containsExactly("first", "late");
      assertThat(from).isEqualTo(1002);
      assertThat(reads).isEqualTo(12); // 11 budgets of 100 (the last one short), one at the end
      // a page limit above the budget wins: a reader of every key is never cut short by it
      HistoryReader every = HistoryReader.builder(store, "every").scanBudget(10).build();
      assertThat(every.read(0, 500).size()).isEqualTo(500);
    }
  }

  /** Interleaved keys in one segment: each key id is decided once, not once per entry. */
  @Test
  void eachKeyIdIsDecidedOnceWhateverTheNumberOfEntries() throws Exception {
    try (HistoryStore store = open()) {
      long last = -1;
      for (int i = 0; i < 900; i++) {
        RecordKey k = i % 3 == 0 ? SITE : station("s0" + (i % 3));
        last = store.append(k, k.id() + "-" + i, TEXT);
      }
      assertThat(store.awaitDurable(last, WAIT)).isTrue();
      HistoryReader reader =
          HistoryReader.builder(store, "kafka").keys(STATIONS).maxPageEntries(50).build();
      assertThat(drain(reader)).hasSize(600).allMatch(v -> v.startsWith("station."));
      assertThat(reader.keysDecided()).isEqualTo(3);
      HistoryReaderTest.append(store, station("s07"), "new");
      assertThat(drain(reader)).containsExactly("new");
      assertThat(reader.keysDecided()).isEqualTo(4);
    }
  }

  // ------------------------------------------------------------------------------- retention

  final AtomicLong nowMillis = new AtomicLong(1_700_000_000_000L);

  HistoryStore openAged() throws Exception {
    return HistoryStore.open(
        StoreConfig.builder(dir)
            .segmentBytes(4096)
            .retention(Retention.maxAge(Duration.ofSeconds(100)))
            .retentionCheckInterval(Duration.ofHours(1)) // applied by hand
            .clock(() -> Instant.ofEpochMilli(nowMillis.get()))
            .build());
  }

  long fill(HistoryStore store, RecordKey key, int n) throws Exception {
    long last = -1;
    for (int i = 0; i < n; i++) {
      nowMillis.addAndGet(1000);
      last = store.append(key, key.id() + "-" + i, TEXT);
    }
    assertThat(store.awaitDurable(last, WAIT)).isTrue();
    return last;
  }

  /**
   * A growing route's cursor is a cursor like any other: behind, it holds the segments it has not
   * passed (on age); having passed only other keys' entries it holds nothing, so a route whose keys
   * never come does not stop retention.
   */
  @Test
  void retentionIsTheSameForAGrowingRoute() throws Exception {
    try (HistoryStore store = openAged()) {
      HistoryReader reader = HistoryReader.builder(store, "kafka").keys(STATIONS).build();
      fill(store, SITE, 400);
      nowMillis.addAndGet(1_000_000);
      store.applyRetention();
      assertThat(store.stats().segmentsDeleted()).as("held by the cursor at 0").isZero();
      assertThat(drain(reader)).isEmpty(); // passes the other key's entries
      assertThat(reader.position()).isEqualTo(400);
      store.applyRetention();
      assertThat(store.stats().segments()).isEqualTo(1); // only the active segment is left
      // a station appears after retention ran: read from where the cursor is
      fill(store, station("s01"), 3);
      assertThat(drain(reader)).containsExactly("station.s01-0", "station.s01-1", "station.s01-2");
    }
  }

  @Test
  void aSizeLimitThatOverrunsTheCursorLeavesTheReaderReadingWhatIsLeft() throws Exception {
    try (HistoryStore store =
        HistoryStore.open(
            StoreConfig.builder(dir)
                .segmentBytes(4096)
                .retention(Retention.maxBytes(3 * 4096))
                .build())) {
      HistoryReader reader = HistoryReader.builder(store, "kafka").keys(STATIONS).build();
      fill(store, station("s01"), 600); // more than the limit: the oldest segments go
      store.applyRetention();
      assertThat(store.stats().cursorOverruns()).isPositive();
      List<String> read = drain(reader);
      assertThat(read).isNotEmpty().endsWith("station.s01-599");
      assertThat(read.size()).isLessThan(600);
      // consecutive: the oldest that was left, up to the newest
      int first = Integer.parseInt(read.getFirst().substring("station.s01-".length()));
      for (int i = 0; i < read.size(); i++) {
        assertThat(read.get(i)).isEqualTo("station.s01-" + (first + i));
      }
    }
  }
}
