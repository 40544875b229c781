package io.runnel.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.RecordKey;
import io.runnel.store.wal.EntryFormat;
import io.runnel.store.wal.SegmentScanner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bounded-time fuzzing of the segment reader: random bytes and mutated valid segments. The reader
 * must never throw (other than I/O errors, impossible here), never hang, and never return an entry
 * that was not written.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SegmentFuzzTest {
  static final long BUDGET_MS = 4_000;

  @TempDir Path dir;

  static List<StoredEntry> scanAll(byte[] bytes) throws IOException {
    List<StoredEntry> found = new ArrayList<>();
    new SegmentScanner((dst, pos) -> readArray(bytes, dst, pos), 256)
        .scan(
            0,
            bytes.length,
            0,
            (off, len, f) ->
                found.add(
                    new StoredEntry(
                        f.sequence(), f.timestampMicros(), f.key(), f.codecId(), f.payload())));
    return found;
  }

  /** A real segment body (frames only) of entries "v{seq}" and their originals. */
  byte[] validSegment(Map<Long, StoredEntry> originals) throws Exception {
    Path d = dir.resolve("valid");
    try (HistoryStore store = HistoryStore.open(StoreConfig.builder(d).build())) {
      Random r = new Random(5);
      long last = -1;
      for (int i = 0; i < 200; i++) {
        last =
            store.append(
                RecordKey.of(i % 3 == 0 ? "k.one" : "k.two"),
                "v" + i + "x".repeat(r.nextInt(100)),
                HistoryStoreTest.TEXT);
      }
      store.awaitDurable(last, Duration.ofSeconds(5));
      for (StoredEntry e : store.query(Query.all())) {
        originals.put(e.sequence(), e);
      }
    }
    byte[] file = Files.readAllBytes(d.resolve(EntryFormat.segmentFileName(0)));
    return java.util.Arrays.copyOfRange(file, EntryFormat.FILE_HEADER_BYTES, file.length);
  }

  @Test
  void randomBytesNeverYieldEntries() throws Exception {
    Random rnd = new Random(1);
    long end = System.currentTimeMillis() + BUDGET_MS / 2;
    int runs = 0;
    while (System.currentTimeMillis() < end) {
      byte[] b = new byte[rnd.nextInt(4096)];
      rnd.nextBytes(b);
      if (rnd.nextBoolean() && b.length > 12) { // plant sync markers to exercise resync
        for (int k = 0; k < 5; k++) {
          int at = rnd.nextInt(b.length - 8);
          java.nio.ByteBuffer.wrap(b)
              .putInt(at, EntryFormat.SYNC_MARKER)
              .putInt(at + 4, rnd.nextInt(200));
        }
      }
      assertThat(scanAll(b)).isEmpty();
      runs++;
    }
    assertThat(runs).isGreaterThan(10);
  }

  @Test
  void mutatedSegmentsReturnOnlyOriginalEntries() throws Exception {
    Map<Long, StoredEntry> originals = new HashMap<>();
    byte[] valid = validSegment(originals);
    assertThat(scanAll(valid)).hasSize(200);
    Random rnd = new Random(2);
    long end = System.currentTimeMillis() + BUDGET_MS;
    int runs = 0;
    while (System.currentTimeMillis() < end) {
      byte[] b = valid.clone();
      switch (rnd.nextInt(4)) {
        case 0 -> { // flip bytes
          for (int k = rnd.nextInt(10) + 1; k > 0; k--) {
            b[rnd.nextInt(b.length)] ^= (byte) (1 + rnd.nextInt(255));
          }
        }
        case 1 -> b = java.util.Arrays.copyOf(b, rnd.nextInt(b.length)); // truncate
        case 2 -> { // overwrite a range with zeros (a hole)
          int at = rnd.nextInt(b.length);
          java.util.Arrays.fill(b, at, Math.min(b.length, at + rnd.nextInt(3000)), (byte) 0);
        }
        default -> { // duplicate a range (misdirected write)
          int from = rnd.nextInt(b.length);
          int to = rnd.nextInt(b.length);
          int n = Math.min(rnd.nextInt(2000), Math.min(b.length - from, b.length - to));
          System.arraycopy(valid, from, b, to, n);
        }
      }
      long prev = -1;
      for (StoredEntry e : scanAll(b)) {
        StoredEntry o = originals.get(e.sequence());
        assertThat(o).as("entry %s was never written", e).isNotNull();
        assertThat(e.sequence()).isGreaterThan(prev);
        prev = e.sequence();
        assertThat(e.key()).isEqualTo(o.key());
        assertThat(e.timestampMicros()).isEqualTo(o.timestampMicros());
        assertThat(e.payload()).isEqualTo(o.payload());
      }
      runs++;
    }
    assertThat(runs).isGreaterThan(10);
  }

  @Test
  void storeOpensOnFuzzedFiles() throws Exception {
    Map<Long, StoredEntry> originals = new HashMap<>();
    byte[] valid = validSegment(originals);
    Random rnd = new Random(3);
    for (int i = 0; i < 12; i++) {
      Path d = dir.resolve("fuzz" + i);
      Files.createDirectories(d);
      byte[] body = valid.clone();
      for (int k = rnd.nextInt(20); k > 0; k--) {
        body[rnd.nextInt(body.length)] = (byte) rnd.nextInt();
      }
      byte[] header = new byte[EntryFormat.FILE_HEADER_BYTES];
      java.nio.ByteBuffer h = java.nio.ByteBuffer.wrap(header);
      EntryFormat.writeFileHeader(h, 0, 0);
      if (rnd.nextInt(4) == 0) {
        header[rnd.nextInt(header.length)] ^= 1;
      }
      byte[] file = new byte[header.length + body.length];
      System.arraycopy(header, 0, file, 0, header.length);
      System.arraycopy(body, 0, file, header.length, body.length);
      Files.write(d.resolve(EntryFormat.segmentFileName(0)), file);
      Files.write(d.resolve(EntryFormat.segmentFileName(5_000)), new byte[0]); // torn new segment
      try (HistoryStore store = HistoryStore.open(StoreConfig.builder(d).build())) {
        for (StoredEntry e : store.query(Query.all())) {
          assertThat(e.payload()).isEqualTo(originals.get(e.sequence()).payload());
        }
        long s = store.append(RecordKey.of("k.one"), "after", HistoryStoreTest.TEXT);
        assertThat(s).isEqualTo(5_000);
        assertThat(store.awaitDurable(s, Duration.ofSeconds(5))).isTrue();
      }
    }
  }

  static int readArray(byte[] src, java.nio.ByteBuffer dst, long pos) {
    if (pos >= src.length) {
      return -1;
    }
    int n = (int) Math.min(dst.remaining(), src.length - pos);
    dst.put(src, (int) pos, n);
    return n;
  }
}
