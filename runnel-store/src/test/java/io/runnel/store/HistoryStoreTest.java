package io.runnel.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.RecordKey;
import io.runnel.codec.Codec;
import io.runnel.codec.CodecException;
import io.runnel.store.wal.EntryFormat;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HistoryStoreTest {

  static final RecordKey A = RecordKey.of("sensor.a");
  static final RecordKey B = RecordKey.of("sensor.b");
  static final Codec<String> TEXT = new TextCodec();

  @TempDir Path dir;

  /** UTF-8 strings; the simplest codec. */
  static class TextCodec implements Codec<String> {
    @Override
    public long id() {
      return 0x7e57L;
    }

    @Override
    public String schema() {
      return "text";
    }

    @Override
    public byte[] encode(String value) {
      return value.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String decode(byte[] bytes) {
      return new String(bytes, StandardCharsets.UTF_8);
    }
  }

  /** A codec whose encode blocks until released: stalls the writer thread. */
  static final class GateCodec implements Codec<String> {
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);

    @Override
    public long id() {
      return TEXT.id(); // same bytes as TEXT
    }

    @Override
    public String schema() {
      return "text";
    }

    @Override
    public byte[] encode(String value) {
      entered.countDown();
      try {
        release.await(20, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return TEXT.encode(value);
    }

    @Override
    public String decode(byte[] bytes) {
      return TEXT.decode(bytes);
    }
  }

  StoreConfig.Builder config() {
    return StoreConfig.builder(dir);
  }

  static List<String> values(List<StoredEntry> entries) {
    return entries.stream().map(e -> e.decode(TEXT)).toList();
  }

  @Test
  void appendAwaitDurableAndReadBackAfterReopen() throws Exception {
    long last;
    try (HistoryStore store = HistoryStore.open(config().build())) {
      assertThat(store.durableSequence()).isEqualTo(-1);
      long first = store.append(A, "one", TEXT);
      store.append(B, "two", TEXT);
      last = store.append(A, "three", TEXT);
      assertThat(first).isZero();
      assertThat(last).isEqualTo(2);
      assertThat(store.awaitDurable(last, Duration.ofSeconds(5))).isTrue();
      assertThat(store.durableSequence()).isGreaterThanOrEqualTo(last);
      assertThat(values(store.query(Query.all()))).containsExactly("one", "two", "three");
    }
    try (HistoryStore store = HistoryStore.open(config().build())) {
      assertThat(store.durableSequence()).isEqualTo(last);
      assertThat(values(store.query(Query.all().key(A)))).containsExactly("one", "three");
      assertThat(store.append(A, "four", TEXT)).isEqualTo(3);
    }
  }

  @Test
  void groupCommitCoversManyAppendsPerFsync() throws Exception {
    try (HistoryStore store = HistoryStore.open(config().build())) {
      List<Thread> threads = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int id = t;
        threads.add(
            Thread.ofPlatform()
                .start(
                    () -> {
                      for (int i = 0; i < 2000; i++) {
                        store.append(A, id + ":" + i, TEXT);
                      }
                    }));
      }
      for (Thread t : threads) {
        t.join();
      }
      long last = store.sync();
      assertThat(store.awaitDurable(last, Duration.ofSeconds(10))).isTrue();
      StoreStats s = store.stats();
      assertThat(s.written()).isEqualTo(8000);
      assertThat(s.fsyncs()).isLessThan(8000);
      assertThat(store.query(Query.all())).hasSize(8000);
    }
  }

  @Test
  void neverPolicyIsDurableOnlyAfterSyncOrClose() throws Exception {
    try (HistoryStore store = HistoryStore.open(config().durability(Durability.never()).build())) {
      long seq = store.append(A, "x", TEXT);
      assertThat(store.awaitDurable(seq, Duration.ofMillis(100))).isFalse();
      assertThat(store.query(Query.all())).hasSize(1); // written, visible, not durable
      store.sync();
      assertThat(store.awaitDurable(seq, Duration.ofSeconds(5))).isTrue();
      long last = -1;
      for (int i = 0; i < 10_000; i++) { // more than one writer batch
        last = store.append(A, "y" + i, TEXT, OverflowPolicy.waitUpTo(Duration.ofSeconds(10)));
      }
      assertThat(store.sync()).isEqualTo(last);
      assertThat(store.awaitDurable(last, Duration.ofSeconds(10))).isTrue();
    }
  }

  @Test
  void queriesAndRetentionRunConcurrentlyWithWrites() throws Exception {
    try (HistoryStore store =
        HistoryStore.open(
            config()
                .segmentBytes(8192)
                .indexInterval(4)
                .retention(Retention.maxBytes(64 * 1024))
                .overflow(OverflowPolicy.waitUpTo(Duration.ofSeconds(10)))
                .build())) {
      java.util.concurrent.atomic.AtomicBoolean done =
          new java.util.concurrent.atomic.AtomicBoolean();
      java.util.concurrent.atomic.AtomicReference<Throwable> error =
          new java.util.concurrent.atomic.AtomicReference<>();
      List<Thread> readers = new ArrayList<>();
      for (int r = 0; r < 2; r++) {
        readers.add(
            Thread.ofPlatform()
                .start(
                    () -> {
                      try {
                        while (!done.get()) {
                          long prev = -1;
                          for (StoredEntry e : store.query(Query.all().key(A))) {
                            assertThat(e.sequence()).isGreaterThan(prev);
                            assertThat(e.decode(TEXT)).isEqualTo("v" + e.sequence());
                            prev = e.sequence();
                          }
                          for (StoredEntry e : store.latest(A, 7)) {
                            assertThat(e.decode(TEXT)).isEqualTo("v" + e.sequence());
                          }
                          store.applyRetention();
                        }
                      } catch (Throwable t) {
                        error.compareAndSet(null, t);
                      }
                    }));
      }
      long deadline = System.nanoTime() + 1_500_000_000L;
      long seq = 0;
      while (System.nanoTime() < deadline) {
        long s = store.append(A, "v" + seq, TEXT);
        assertThat(s).isEqualTo(seq);
        seq++;
      }
      done.set(true);
      for (Thread t : readers) {
        t.join(10_000);
      }
      assertThat(error.get()).isNull();
      assertThat(store.stats().segmentsDeleted()).isGreaterThan(0);
    }
  }

  @Test
  void intervalPolicyBecomesDurableWithinTheInterval() throws Exception {
    try (HistoryStore store =
        HistoryStore.open(config().durability(Durability.every(Duration.ofMillis(50))).build())) {
      long seq = 0;
      for (int i = 0; i < 100; i++) {
        seq = store.append(A, "v" + i, TEXT);
      }
      assertThat(store.awaitDurable(seq, Duration.ofSeconds(5))).isTrue();
      assertThat(store.stats().fsyncs()).isLessThan(100);
    }
  }

  @Test
  void overflowPoliciesAreCounted() throws Exception {
    GateCodec gate = new GateCodec();
    try (HistoryStore store =
        HistoryStore.open(
            config()
                .queueCapacity(4)
                .overflow(OverflowPolicy.waitUpTo(Duration.ofMillis(30)))
                .build())) {
      store.append(A, "blocker", gate);
      assertThat(gate.entered.await(5, TimeUnit.SECONDS)).isTrue();
      for (int i = 0; i < 4; i++) {
        store.append(A, "q" + i, TEXT);
      }
      assertThatThrownBy(() -> store.append(A, "f", TEXT, OverflowPolicy.fail()))
          .isInstanceOf(StoreFullException.class)
          .hasMessageContaining("queue full");
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> store.append(A, "w", TEXT)).isInstanceOf(StoreFullException.class);
      assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(25_000_000L);
      // nothing queued was appended under drop-oldest, so the new value is the one dropped
      assertThat(store.append(A, "d", TEXT, OverflowPolicy.dropOldest())).isEqualTo(-1);
      long kept = store.sync();
      StoreStats s = store.stats();
      assertThat(s.rejected()).isEqualTo(1);
      assertThat(s.waited()).isEqualTo(1);
      assertThat(s.waitTimeouts()).isEqualTo(1);
      assertThat(s.droppedOldest()).isEqualTo(1);
      gate.release.countDown();
      assertThat(store.awaitDurable(kept, Duration.ofSeconds(5))).isTrue();
      assertThat(values(store.query(Query.all())))
          .containsExactly("blocker", "q0", "q1", "q2", "q3");
      assertThat(store.droppedFor(A)).isEqualTo(1);
    }
  }

  @Test
  void dropOldestOnlyEvictsValuesThatWereThemselvesDroppableAndCountsThemPerKey() throws Exception {
    GateCodec gate = new GateCodec();
    try (HistoryStore store = HistoryStore.open(config().queueCapacity(4).build())) {
      store.append(A, "blocker", gate);
      assertThat(gate.entered.await(5, TimeUnit.SECONDS)).isTrue();
      store.append(A, "alarm", TEXT); // waitUpTo: must never be evicted by another record's flood
      OverflowPolicy drop = OverflowPolicy.dropOldest();
      store.append(B, "b0", TEXT, drop);
      store.append(B, "b1", TEXT, drop);
      store.append(B, "b2", TEXT, drop);
      long t0 = System.nanoTime();
      store.append(B, "b3", TEXT, drop); // full: b0 goes
      store.append(B, "b4", TEXT, drop); // full: b1 goes
      assertThat(System.nanoTime() - t0).isLessThan(500_000_000L); // never waits for the writer
      assertThat(store.droppedFor(B)).isEqualTo(2);
      assertThat(store.droppedFor(A)).isZero();
      assertThat(store.stats().droppedOldest()).isEqualTo(2);
      gate.release.countDown();
      assertThat(store.awaitDurable(store.sync(), Duration.ofSeconds(5))).isTrue();
      assertThat(values(store.query(Query.all())))
          .containsExactly("blocker", "alarm", "b2", "b3", "b4");
      List<Long> seqs = store.query(Query.all()).stream().map(StoredEntry::sequence).toList();
      assertThat(seqs).containsExactly(0L, 1L, 4L, 5L, 6L); // the dropped ones are gaps
    }
  }

  @Test
  void encodeFailureIsCountedAndLeavesAGap() throws Exception {
    Codec<String> failing =
        new TextCodec() {
          @Override
          public byte[] encode(String value) {
            throw new CodecException("boom");
          }
        };
    try (HistoryStore store = HistoryStore.open(config().build())) {
      store.append(A, "a", TEXT);
      store.append(A, "b", failing);
      long c = store.append(A, "c", TEXT);
      assertThat(store.awaitDurable(c, Duration.ofSeconds(5))).isTrue();
      assertThat(store.stats().encodeFailures()).isEqualTo(1);
      assertThat(store.query(Query.all()).stream().map(StoredEntry::sequence))
          .containsExactly(0L, 2L);
    }
  }

  @Test
  void appendChecksTheKeyAsAppenderDoes() throws Exception {
    io.runnel.RecordKey bad = () -> "Sensor A"; // an enum key can carry any id
    try (HistoryStore store = HistoryStore.open(config().build())) {
      assertThatThrownBy(() -> store.appender(bad, TEXT))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("uppercase 'S'");
      assertThatThrownBy(() -> store.append(bad, "v", TEXT))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("uppercase 'S'");
      assertThat(store.stats().appended()).isZero();
      assertThat(store.append(A, "v", TEXT)).isEqualTo(0); // no sequence was used up
    }
  }

  @Test
  void aDirectoryIsOpenedByOneStoreAtATime() throws Exception {
    try (HistoryStore store = HistoryStore.open(config().build())) {
      assertThatThrownBy(() -> HistoryStore.open(config().build()))
          .isInstanceOf(java.io.IOException.class)
          .hasMessageContaining("already open")
          .hasMessageContaining(store.directory().toString());
    }
    HistoryStore.open(config().build()).close(); // released on close
  }

  @Test
  void writeFailureStopsTheStoreLoudly() throws Exception {
    try (HistoryStore store = HistoryStore.open(config().segmentBytes(4096).build())) {
      long s = store.append(A, "before", TEXT);
      assertThat(store.awaitDurable(s, Duration.ofSeconds(5))).isTrue();
      // the storage disappears (e.g. an SD card pulled): the next segment cannot be created
      try (Stream<Path> files = Files.walk(dir)) {
        for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
      long last = -1;
      Throwable refused = null;
      for (int i = 0; i < 10_000 && refused == null; i++) {
        try {
          last = store.append(A, "x".repeat(100), TEXT);
        } catch (StoreException e) {
          refused = e;
        }
        if (i % 100 == 0 && refused == null) {
          Thread.sleep(5); // let the writer reach the segment roll
        }
      }
      assertThat(refused).isNotNull().hasMessageContaining("failed");
      long lastAppended = last;
      assertThatThrownBy(() -> store.awaitDurable(lastAppended, Duration.ofSeconds(5)))
          .isInstanceOf(StoreException.class)
          .hasMessageContaining("failed before sequence");
    }
  }

  @Test
  void closeNeverUnlocksTheDirectoryWhileTheWriterStillRuns() throws Exception {
    GateCodec gate = new GateCodec();
    HistoryStore store = HistoryStore.open(StoreConfig.builder(dir).build());
    try {
      store.append(A, "blocker", gate); // the writer is now stuck, as on a hung disk
      assertThat(gate.entered.await(5, TimeUnit.SECONDS)).isTrue();
      assertThatThrownBy(() -> store.close(Duration.ofMillis(100)))
          .isInstanceOf(StoreException.class)
          .hasMessageContaining("failed to close")
          .hasMessageContaining("still running");
      assertThatThrownBy(() -> HistoryStore.open(StoreConfig.builder(dir).build()))
          .hasMessageContaining("already open");
    } finally {
      gate.release.countDown();
    }
    store.close(); // the writer ends now: the lock goes with it
    try (HistoryStore again = HistoryStore.open(StoreConfig.builder(dir).build())) {
      assertThat(again.query(Query.all())).hasSize(1);
    }
  }

  @Test
  void appendAfterCloseFailsClearly() throws Exception {
    HistoryStore store = HistoryStore.open(config().build());
    store.close();
    store.close();
    assertThatThrownBy(() -> store.append(A, "x", TEXT))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("closed");
  }

  @Test
  void rollsSegmentsNamedByBaseSequence() throws Exception {
    try (HistoryStore store =
        HistoryStore.open(config().segmentBytes(4096).indexInterval(4).build())) {
      long last = 0;
      for (int i = 0; i < 500; i++) {
        last = store.append(i % 2 == 0 ? A : B, "value-" + i, TEXT);
      }
      store.awaitDurable(last, Duration.ofSeconds(5));
      assertThat(store.stats().segments()).isGreaterThan(3);
    }
    List<String> names;
    try (Stream<Path> files = Files.list(dir)) {
      names =
          files
              .map(p -> p.getFileName().toString())
              .filter(n -> n.endsWith(".wal"))
              .sorted()
              .toList();
    }
    assertThat(names.get(0)).isEqualTo("00000000000000000000.wal");
    try (HistoryStore store = HistoryStore.open(config().segmentBytes(4096).build())) {
      List<StoredEntry> all = store.query(Query.all());
      assertThat(all).hasSize(500);
      for (int i = 0; i < 500; i++) {
        assertThat(all.get(i).sequence()).isEqualTo(i);
        assertThat(all.get(i).decode(TEXT)).isEqualTo("value-" + i);
      }
      for (String n : names) {
        long base = EntryFormat.parseSegmentFileName(n);
        assertThat(all.stream().anyMatch(e -> e.sequence() == base)).as(n).isTrue();
      }
    }
  }

  @Test
  void largeValuesBiggerThanTheWriteBuffer() throws Exception {
    String big = "x".repeat(3 << 20);
    try (HistoryStore store = HistoryStore.open(config().build())) {
      store.append(A, "small", TEXT);
      long s = store.append(A, big, TEXT);
      store.append(A, "after", TEXT);
      store.awaitDurable(s + 1, Duration.ofSeconds(10));
    }
    try (HistoryStore store = HistoryStore.open(config().build())) {
      assertThat(values(store.query(Query.all()))).containsExactly("small", big, "after");
    }
  }
}
