package io.runnel.store;

import static io.runnel.store.HistoryStoreTest.A;
import static io.runnel.store.HistoryStoreTest.B;
import static io.runnel.store.HistoryStoreTest.TEXT;
import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.RecordKey;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class QueryTest {

  static final RecordKey RARE = RecordKey.of("event.rare");

  @TempDir Path dir;

  final AtomicLong nowMillis = new AtomicLong(1_700_000_000_000L);

  StoreConfig config() {
    return StoreConfig.builder(dir)
        .segmentBytes(64 * 1024)
        .indexInterval(16)
        .overflow(OverflowPolicy.waitUpTo(Duration.ofSeconds(10)))
        .clock(() -> Instant.ofEpochMilli(nowMillis.get()))
        .build();
  }

  /** 20 000 entries, one per millisecond, alternating A and B; RARE at 100 and 19 000. */
  long fill(HistoryStore store) throws Exception {
    long last = -1;
    for (int i = 0; i < 20_000; i++) {
      nowMillis.incrementAndGet();
      last = store.append(i == 100 || i == 19_000 ? RARE : i % 2 == 0 ? A : B, "v" + i, TEXT);
    }
    assertThat(store.awaitDurable(last, Duration.ofSeconds(20))).isTrue();
    return last;
  }

  @Test
  void narrowTimeRangeReadsOnlyMatchingIndexBlocks() throws Exception {
    try (HistoryStore store = HistoryStore.open(config())) {
      long t0 = nowMillis.get();
      fill(store);
      Instant from = Instant.ofEpochMilli(t0 + 10_001);
      Instant to = Instant.ofEpochMilli(t0 + 10_011);
      long before = store.queryEntriesScanned();
      List<StoredEntry> r = store.query(Query.all().key(A).between(from, to));
      long scanned = store.queryEntriesScanned() - before;
      assertThat(r)
          .extracting(e -> e.decode(TEXT))
          .containsExactly("v10000", "v10002", "v10004", "v10006", "v10008");
      assertThat(store.stats().segments()).isGreaterThan(5);
      assertThat(scanned).isLessThanOrEqualTo(3 * 16);
    }
  }

  @Test
  void latestNPerKeyReadsFromTheEnd() throws Exception {
    try (HistoryStore store = HistoryStore.open(config())) {
      fill(store);
      long before = store.queryEntriesScanned();
      assertThat(store.latest(B, 3))
          .extracting(e -> e.decode(TEXT))
          .containsExactly("v19995", "v19997", "v19999");
      assertThat(store.queryEntriesScanned() - before).isLessThanOrEqualTo(32);
      assertThat(store.latest(RARE, 5))
          .extracting(e -> e.decode(TEXT))
          .containsExactly("v100", "v19000");
    }
    try (HistoryStore store = HistoryStore.open(config())) { // index rebuilt on open
      assertThat(store.latest(A, 2))
          .extracting(StoredEntry::sequence)
          .containsExactly(19_996L, 19_998L);
    }
  }

  @Test
  void pagingFromASequenceVisitsEverythingOnce() throws Exception {
    try (HistoryStore store = HistoryStore.open(config())) {
      fill(store);
      long next = 12_345;
      List<Long> seen = new ArrayList<>();
      while (true) {
        List<StoredEntry> page = store.query(Query.all().fromSequence(next).limit(999));
        if (page.isEmpty()) {
          break;
        }
        page.forEach(e -> seen.add(e.sequence()));
        next = page.getLast().sequence() + 1;
      }
      assertThat(seen).hasSize(20_000 - 12_345);
      assertThat(seen.getFirst()).isEqualTo(12_345);
      assertThat(seen.getLast()).isEqualTo(19_999);
      long before = store.queryEntriesScanned();
      store.query(Query.all().fromSequence(19_990));
      assertThat(store.queryEntriesScanned() - before).isLessThanOrEqualTo(32);
    }
  }

  @Test
  void unorderedTimestampsMatchABruteForceScan() throws Exception {
    Random rnd = new Random(3);
    List<long[]> written = new ArrayList<>(); // seq, ts, key
    try (HistoryStore store = HistoryStore.open(config())) {
      long last = -1;
      for (int i = 0; i < 3000; i++) {
        long ts = rnd.nextInt(100_000);
        int k = rnd.nextInt(2);
        last =
            store.append(
                k == 0 ? A : B, ts, "v" + i, TEXT, OverflowPolicy.waitUpTo(Duration.ofSeconds(10)));
        written.add(new long[] {last, ts, k});
      }
      store.awaitDurable(last, Duration.ofSeconds(10));
      for (int q = 0; q < 50; q++) {
        long from = rnd.nextInt(100_000);
        long to = from + rnd.nextInt(5_000);
        List<Long> expected =
            written.stream()
                .filter(w -> w[2] == 0 && w[1] >= from && w[1] < to)
                .map(w -> w[0])
                .toList();
        assertThat(store.query(Query.all().key(A).betweenMicros(from, to)))
            .extracting(StoredEntry::sequence)
            .containsExactlyElementsOf(expected);
      }
    }
  }
}
