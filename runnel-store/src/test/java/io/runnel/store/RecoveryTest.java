package io.runnel.store;

import static io.runnel.store.HistoryStoreTest.A;
import static io.runnel.store.HistoryStoreTest.TEXT;
import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.store.wal.EntryFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RecoveryTest {

  @TempDir Path dir;

  StoreConfig config(Path d) {
    return StoreConfig.builder(d).segmentBytes(4096).indexInterval(8).build();
  }

  /** Writes entries "v{seq}" and closes. */
  void fill(Path d, int n) throws Exception {
    try (HistoryStore store = HistoryStore.open(config(d))) {
      long last = -1;
      for (int i = 0; i < n; i++) {
        last = store.append(A, "v" + i, TEXT);
      }
      assertThat(store.awaitDurable(last, Duration.ofSeconds(10))).isTrue();
    }
  }

  static List<Path> segments(Path d) throws IOException {
    try (Stream<Path> s = Files.list(d)) {
      return s.filter(p -> p.toString().endsWith(".wal")).sorted().toList();
    }
  }

  /** Every returned entry is intact and sequences increase. */
  static List<StoredEntry> readAllChecked(HistoryStore store) throws IOException {
    List<StoredEntry> all = store.query(Query.all());
    long prev = -1;
    for (StoredEntry e : all) {
      assertThat(e.sequence()).isGreaterThan(prev);
      assertThat(e.decode(TEXT)).isEqualTo("v" + e.sequence());
      assertThat(e.key()).isEqualTo(A.id());
      prev = e.sequence();
    }
    return all;
  }

  static void copyTree(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    try (Stream<Path> s = Files.list(from)) {
      for (Path p : s.toList()) {
        if (Files.isRegularFile(p)) {
          Files.copy(p, to.resolve(p.getFileName()));
        }
      }
    }
  }

  @Test
  void tornTailIsCutAtEveryPossibleLength() throws Exception {
    Path original = dir.resolve("original");
    fill(original, 40); // one segment
    Path seg = segments(original).get(0);
    byte[] bytes = Files.readAllBytes(seg);
    Random rnd = new Random(42);
    int previousCount = -1;
    List<Integer> cuts = new java.util.ArrayList<>();
    for (int cut = 0; cut < bytes.length; cut += 1 + rnd.nextInt(40)) {
      cuts.add(cut);
    }
    cuts.add(bytes.length);
    for (int cut : cuts) {
      Path d = dir.resolve("cut" + cut);
      copyTree(original, d);
      Path s = d.resolve(seg.getFileName());
      try (var ch = Files.newByteChannel(s, StandardOpenOption.WRITE)) {
        ch.truncate(cut);
      }
      try (HistoryStore store = HistoryStore.open(config(d))) {
        List<StoredEntry> all = readAllChecked(store);
        assertThat(all.size()).isGreaterThanOrEqualTo(Math.max(previousCount, 0));
        previousCount = all.size();
        for (int i = 0; i < all.size(); i++) {
          assertThat(all.get(i).sequence()).isEqualTo(i); // a prefix, no holes
        }
        long next = store.append(A, "v" + all.size(), TEXT);
        assertThat(next).isEqualTo(all.size());
        store.awaitDurable(next, Duration.ofSeconds(5));
      }
      try (HistoryStore store = HistoryStore.open(config(d))) {
        assertThat(readAllChecked(store)).hasSize(previousCount + 1);
        assertThat(store.stats().tornTailBytes()).isZero();
      }
    }
    assertThat(previousCount).isEqualTo(40);
  }

  @Test
  void garbageAfterTheLastEntryIsCut() throws Exception {
    fill(dir, 30);
    Path last = segments(dir).getLast();
    byte[] garbage = new byte[333];
    new Random(1).nextBytes(garbage);
    Files.write(last, garbage, StandardOpenOption.APPEND);
    try (HistoryStore store = HistoryStore.open(config(dir))) {
      assertThat(readAllChecked(store)).hasSize(30);
      assertThat(store.stats().tornTailBytes()).isEqualTo(333);
      assertThat(store.stats().damagedRegions()).isZero();
    }
  }

  @Test
  void damageInsideASealedSegmentIsReportedAndSkipped() throws Exception {
    fill(dir, 300);
    List<Path> segs = segments(dir);
    assertThat(segs.size()).isGreaterThan(2);
    Path first = segs.get(0);
    byte[] b = Files.readAllBytes(first);
    for (int i = 1000; i < 1010; i++) {
      b[i] ^= 0x5a;
    }
    Files.write(first, b);
    try (HistoryStore store = HistoryStore.open(config(dir))) {
      List<StoredEntry> all = readAllChecked(store);
      StoreStats s = store.stats();
      assertThat(s.damagedRegions()).isEqualTo(1);
      assertThat(s.damagedBytes()).isBetween(10L, 200L);
      assertThat(all.size()).isBetween(295, 299);
      assertThat(all.getLast().sequence()).isEqualTo(299);
      assertThat(all.getFirst().sequence()).isZero();
      // the latest-N and time queries work around the damage too
      assertThat(store.latest(A, 5))
          .extracting(StoredEntry::sequence)
          .containsExactly(295L, 296L, 297L, 298L, 299L);
    }
  }

  @Test
  void truncatedSealedSegmentKeepsItsPrefixAndLaterSegments() throws Exception {
    fill(dir, 300);
    List<Path> segs = segments(dir);
    Path first = segs.get(0);
    long size = Files.size(first);
    try (var ch = Files.newByteChannel(first, StandardOpenOption.WRITE)) {
      ch.truncate(size / 2);
    }
    try (HistoryStore store = HistoryStore.open(config(dir))) {
      List<StoredEntry> all = readAllChecked(store);
      long secondBase = EntryFormat.parseSegmentFileName(segs.get(1).getFileName().toString());
      assertThat(all).anyMatch(e -> e.sequence() == 0);
      assertThat(all).anyMatch(e -> e.sequence() == secondBase);
      assertThat(all).noneMatch(e -> e.sequence() == secondBase - 1);
      assertThat(all.getLast().sequence()).isEqualTo(299);
      assertThat(store.stats().damagedRegions()).isEqualTo(1);
      assertThat(Files.size(first)).isEqualTo(size / 2); // sealed files are never modified
    }
  }

  @Test
  void garbageSegmentFilesAreReportedNotFatal() throws Exception {
    fill(dir, 100);
    byte[] garbage = new byte[5000];
    new Random(7).nextBytes(garbage);
    // a sealed "segment" of pure garbage between real ones, and a torn new last segment
    Files.write(dir.resolve(EntryFormat.segmentFileName(1)), garbage);
    Files.write(dir.resolve(EntryFormat.segmentFileName(1_000_000)), new byte[] {1, 2, 3});
    try (HistoryStore store = HistoryStore.open(config(dir))) {
      assertThat(readAllChecked(store)).hasSize(100);
      assertThat(store.stats().damagedRegions()).isGreaterThanOrEqualTo(1);
      long next = store.append(A, "v1000000", TEXT);
      assertThat(next).isEqualTo(1_000_000);
      store.awaitDurable(next, Duration.ofSeconds(5));
    }
    try (HistoryStore store = HistoryStore.open(config(dir))) {
      assertThat(readAllChecked(store)).hasSize(101);
    }
  }

  /** Runs {@code action} and returns what the store logged at WARNING or above meanwhile. */
  static List<String> warnings(ThrowingRunnable action) throws Exception {
    java.util.logging.Logger log = java.util.logging.Logger.getLogger("io.runnel.store");
    List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.util.logging.Handler h =
        new java.util.logging.Handler() {
          @Override
          public void publish(java.util.logging.LogRecord r) {
            if (r.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue()) {
              seen.add(new java.util.logging.SimpleFormatter().formatMessage(r));
            }
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    log.addHandler(h);
    try {
      action.run();
    } finally {
      log.removeHandler(h);
    }
    return seen;
  }

  interface ThrowingRunnable {
    void run() throws Exception;
  }

  /** The header of a segment file with another base sequence or version (CRC fixed up). */
  static byte[] withHeader(byte[] segment, long base, short version) {
    byte[] b = segment.clone();
    java.nio.ByteBuffer h = java.nio.ByteBuffer.wrap(b);
    h.putShort(4, version).putLong(8, base);
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    crc.update(b, 0, 24);
    h.putInt(24, (int) crc.getValue());
    return b;
  }

  @Test
  void aSegmentWhoseNameDisagreesWithItsHeaderIsReportedAndNotServed() throws Exception {
    fill(dir, 300);
    Path first = segments(dir).getFirst();
    byte[] copy = Files.readAllBytes(first); // header base 0, entries 0..k
    Path misnamed = dir.resolve(EntryFormat.segmentFileName(1)); // e.g. a backup put back wrongly
    Files.write(misnamed, copy);
    List<String> logged =
        warnings(
            () -> {
              try (HistoryStore store = HistoryStore.open(config(dir))) {
                // each sequence once, in order: no duplicates
                assertThat(readAllChecked(store)).hasSize(300);
                assertThat(store.stats().damagedRegions()).isEqualTo(1);
              }
            });
    assertThat(logged)
        .anyMatch(w -> w.contains(misnamed.getFileName().toString()) && w.contains("file name"));
    assertThat(Files.readAllBytes(misnamed)).isEqualTo(copy); // not deleted, not modified
  }

  @Test
  void aSegmentFileOfAnotherVersionIsRejectedAndReportedNotServedNorTouched() throws Exception {
    fill(dir, 300);
    List<Path> segs = segments(dir);
    byte[] v2 = withHeader(Files.readAllBytes(segs.getFirst()), 1_000_000, (short) 2);
    Path future = dir.resolve(EntryFormat.segmentFileName(1_000_000)); // written by a newer build
    Files.write(future, v2);
    List<String> logged =
        warnings(
            () -> {
              try (HistoryStore store = HistoryStore.open(config(dir))) {
                assertThat(readAllChecked(store)).hasSize(300);
                assertThat(store.stats().damagedRegions()).isEqualTo(1);
                long next =
                    store.append(A, "v" + 1_000_001, TEXT); // after the rejected file's name
                assertThat(next).isEqualTo(1_000_001);
                assertThat(store.awaitDurable(next, Duration.ofSeconds(5))).isTrue();
              }
            });
    assertThat(logged)
        .anyMatch(w -> w.contains(future.getFileName().toString()) && w.contains("version 2"));
    assertThat(Files.readAllBytes(future)).isEqualTo(v2); // kept for the build that can read it
    assertThat(segments(dir).getLast().getFileName().toString())
        .isEqualTo(EntryFormat.segmentFileName(1_000_001)); // names stay in sequence order
    try (HistoryStore store = HistoryStore.open(config(dir))) {
      assertThat(readAllChecked(store)).hasSize(301);
    }
  }

  @Test
  void strayWalLikeFilesAreIgnoredWithAWarningNamingThem() throws Exception {
    fill(dir, 50);
    Files.write(dir.resolve("backup.wal"), new byte[] {1, 2, 3});
    Files.write(dir.resolve("00000000000000000000.wal.bak"), new byte[] {1, 2, 3});
    List<String> logged =
        warnings(
            () -> {
              try (HistoryStore store = HistoryStore.open(config(dir))) {
                assertThat(readAllChecked(store)).hasSize(50);
              }
            });
    assertThat(logged).anyMatch(w -> w.contains("backup.wal"));
    assertThat(logged).anyMatch(w -> w.contains("00000000000000000000.wal.bak"));
  }

  @Test
  void simulatedCrashLosesNothingDurable() throws Exception {
    HistoryStore store = HistoryStore.open(config(dir));
    long durable = -1;
    for (int i = 0; i < 200; i++) {
      long s = store.append(A, "v" + i, TEXT);
      if (i % 50 == 49) {
        store.awaitDurable(s, Duration.ofSeconds(5));
        durable = store.durableSequence();
      }
    }
    store.crashForTest();
    try (HistoryStore reopened = HistoryStore.open(config(dir))) {
      List<StoredEntry> all = readAllChecked(reopened);
      assertThat(all.getLast().sequence()).isGreaterThanOrEqualTo(durable);
    }
  }
}
