package io.runnel.store;

import static io.runnel.store.HistoryStoreTest.A;
import static io.runnel.store.HistoryStoreTest.B;
import static io.runnel.store.HistoryStoreTest.TEXT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.RecordKey;
import io.runnel.codec.Codec;
import io.runnel.codec.CodecException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@link HistoryReader} against a real store in a temporary directory. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HistoryReaderTest {

  static final RecordKey C = RecordKey.of("sensor.c");
  static final Duration WAIT = Duration.ofSeconds(5);

  @TempDir Path dir;

  HistoryStore open() throws IOException {
    return HistoryStore.open(StoreConfig.builder(dir).build());
  }

  /** Appends {@code values} under {@code key} and waits until they are durable. */
  static long append(HistoryStore store, RecordKey key, String... values) throws Exception {
    long last = -1;
    for (String v : values) {
      last = store.append(key, v, TEXT);
    }
    assertThat(store.awaitDurable(last, WAIT)).isTrue();
    return last;
  }

  static String[] values(String prefix, int n) {
    String[] v = new String[n];
    for (int i = 0; i < n; i++) {
      v[i] = prefix + i;
    }
    return v;
  }

  static List<String> decoded(HistoryReader.Page page) {
    List<String> out = new ArrayList<>();
    page.entries().forEach(e -> out.add(e.decode(TEXT)));
    return out;
  }

  static List<Long> sequences(HistoryReader.Page page) {
    return page.entries().stream().map(StoredEntry::sequence).toList();
  }

  @Test
  void pagesByEntriesUpToTheDurableEnd() throws Exception {
    try (HistoryStore store = open()) {
      append(store, A, values("v", 25));
      HistoryReader reader = HistoryReader.builder(store, "fwd").maxPageEntries(10).build();
      List<String> all = new ArrayList<>();
      long from = reader.position();
      List<Integer> sizes = new ArrayList<>();
      while (true) {
        HistoryReader.Page p = reader.read(from);
        if (p.isEmpty()) {
          assertThat(p.end()).isEqualTo(25);
          break;
        }
        assertThat(p.from()).isEqualTo(from);
        sizes.add(p.size());
        all.addAll(decoded(p));
        from = p.end();
      }
      assertThat(sizes).containsExactly(10, 10, 5);
      assertThat(all).containsExactly(values("v", 25));
      assertThat(reader.read(0, 3).size()).isEqualTo(3); // a smaller page per call
      assertThat(reader.read(0, 1000).size()).isEqualTo(10); // never above the configured size
    }
  }

  @Test
  void pagesByBytesAndAnOversizeEntryComesAlone() throws Exception {
    try (HistoryStore store = open()) {
      String hundred = "x".repeat(100);
      append(store, A, hundred, hundred, hundred, "y".repeat(1000), hundred);
      long oneEntry = HistoryReader.Builder.storedSize(store.query(Query.all()).getFirst());
      HistoryReader reader =
          HistoryReader.builder(store, "fwd").maxPageBytes(2 * oneEntry + 10).build();
      assertThat(sequences(reader.read(0))).containsExactly(0L, 1L);
      assertThat(sequences(reader.read(2))).containsExactly(2L);
      assertThat(sequences(reader.read(3))).containsExactly(3L); // larger than the limit: alone
      HistoryReader.Page last = reader.read(4);
      assertThat(sequences(last)).containsExactly(4L);
      assertThat(last.end()).isEqualTo(5);

      HistoryReader custom =
          HistoryReader.builder(store, "fwd2").maxPageBytes(3).entrySize(e -> 1).build();
      assertThat(custom.read(0).size()).isEqualTo(3);
    }
  }

  @Test
  void readsOnlyDurableEntries() throws Exception {
    try (HistoryStore store =
        HistoryStore.open(StoreConfig.builder(dir).durability(Durability.never()).build())) {
      HistoryReader reader = HistoryReader.builder(store, "fwd").build();
      long s0 = store.append(A, "a", TEXT);
      long s1 = store.append(A, "b", TEXT);
      // written (visible to queries) but not forced: not read
      while (store.writtenSequence() < s1) {
        Thread.sleep(1);
      }
      assertThat(store.query(Query.all())).hasSize(2);
      assertThat(store.durableSequence()).isLessThan(s0);
      HistoryReader.Page p = reader.read(0);
      assertThat(p.isEmpty()).isTrue();
      assertThat(p.end()).isZero();
      assertThatThrownBy(() -> reader.delivered(2)).isInstanceOf(IllegalArgumentException.class);

      assertThat(store.awaitDurable(store.sync(), WAIT)).isTrue();
      p = reader.read(0);
      assertThat(decoded(p)).containsExactly("a", "b");
      assertThat(p.end()).isEqualTo(2);
    }
  }

  @Test
  void aRestartResumesFromTheCommittedCursor() throws Exception {
    try (HistoryStore store = open()) {
      append(store, A, values("v", 10));
      HistoryReader reader = HistoryReader.builder(store, "fwd").maxPageEntries(4).build();
      HistoryReader.Page p = reader.read(reader.position());
      reader.delivered(p.end());
      assertThat(reader.commit()).isEqualTo(4);
      HistoryReader.Page unanswered = reader.read(p.end()); // read, never delivered
      assertThat(unanswered.size()).isEqualTo(4);
    }
    try (HistoryStore store = open()) {
      HistoryReader reader = HistoryReader.builder(store, "fwd").maxPageEntries(100).build();
      assertThat(reader.position()).isEqualTo(4);
      assertThat(decoded(reader.read(reader.position())))
          .containsExactly("v4", "v5", "v6", "v7", "v8", "v9");
    }
  }

  @Test
  void commitNeverMovesPastWhatWasNotReportedDelivered() throws Exception {
    try (HistoryStore store = open()) {
      append(store, A, values("v", 10));
      HistoryReader reader = HistoryReader.builder(store, "fwd").build();
      HistoryReader.Page p = reader.read(0);
      assertThat(reader.commit()).isZero(); // nothing delivered
      reader.delivered(p.endAfter(3)); // the first three only
      assertThat(reader.commit()).isEqualTo(3);
      assertThat(reader.commit()).isEqualTo(3);
      reader.delivered(2); // older news: ignored, never backwards
      assertThat(reader.deliveredPosition()).isEqualTo(3);
      assertThat(reader.commit()).isEqualTo(3);
      assertThatThrownBy(() -> reader.delivered(11))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("durable only up to 9");
      reader.delivered(p.end());
      assertThat(reader.commitAll()).isEqualTo(10);
      assertThat(store.cursor("fwd").position()).isEqualTo(10);
    }
  }

  @Test
  void theReplayWindowDelaysTheCommitAndRewindForgetsUncommittedDeliveries() throws Exception {
    AtomicLong now = new AtomicLong(1_000_000_000L);
    long window = Duration.ofSeconds(2).toNanos();
    try (HistoryStore store = open()) {
      append(store, A, values("v", 30));
      HistoryReader reader =
          HistoryReader.builder(store, "mqtt")
              .replayWindow(Duration.ofNanos(window))
              .nanoClock(now::get)
              .build();
      reader.delivered(10);
      assertThat(reader.commit()).isZero(); // within the window
      now.addAndGet(window - 1);
      assertThat(reader.commit()).isZero();
      reader.delivered(20); // a newer mark, younger
      now.addAndGet(1);
      assertThat(reader.commit()).isEqualTo(10); // the first mark aged, the second did not
      now.addAndGet(window);
      assertThat(reader.commit()).isEqualTo(20);

      reader.delivered(25);
      assertThat(reader.rewind()).isEqualTo(20); // the far side lost what it acknowledged
      assertThat(reader.deliveredPosition()).isEqualTo(20);
      now.addAndGet(10 * window);
      assertThat(reader.commit()).isEqualTo(20); // 25 was forgotten
      reader.delivered(30);
      assertThat(reader.commitAll()).isEqualTo(30); // closing with the far side up: all
    }
  }

  @Test
  void aSequenceReplayWindowLagsByThatManySequences() throws Exception {
    try (HistoryStore store = open()) {
      append(store, A, values("v", 30));
      HistoryReader reader = HistoryReader.builder(store, "lag").replayWindowSequences(8).build();
      reader.delivered(5);
      assertThat(reader.commit()).isZero();
      reader.delivered(30);
      assertThat(reader.commit()).isEqualTo(22);
    }
  }

  @Test
  void aSentButUnansweredPageIsRebuiltIdenticallyAfterReopen() throws Exception {
    try (HistoryStore store = open()) {
      append(store, A, values("v", 12));
      HistoryReader reader =
          HistoryReader.builder(store, "sync").maxPageEntries(8).rememberSent().build();
      HistoryReader.Page p = reader.read(0).prefix(5); // cut further by the caller's measure
      assertThat(p.end()).isEqualTo(5);
      reader.markSent(p);
      assertThat(reader.sentPosition()).isEqualTo(5);
      // sent, no answer; the process stops
    }
    try (HistoryStore store = open()) {
      append(store, A, values("w", 10)); // more history arrived meanwhile
      HistoryReader reader =
          HistoryReader.builder(store, "sync")
              .maxPageEntries(100)
              .maxPageBytes(1) // would allow one entry per page
              .rememberSent()
              .build();
      assertThat(reader.position()).isZero();
      HistoryReader.Page again = reader.read(reader.position());
      assertThat(again.rebuilt()).isTrue();
      assertThat(decoded(again)).containsExactly("v0", "v1", "v2", "v3", "v4");
      assertThat(again.end()).isEqualTo(5);
      assertThatThrownBy(() -> again.prefix(2)).isInstanceOf(IllegalStateException.class);
      // a read from inside the bounds ends at them too
      assertThat(sequences(reader.read(3))).containsExactly(3L, 4L);

      reader.discardSentBounds(); // e.g. refused as too large: build by the limits again
      HistoryReader.Page smaller = reader.read(0);
      assertThat(smaller.rebuilt()).isFalse();
      assertThat(smaller.size()).isEqualTo(1);

      reader.delivered(again.end());
      reader.commit();
      HistoryReader.Page next = reader.read(reader.position());
      assertThat(next.rebuilt()).isFalse();
      assertThat(next.firstSequence()).isEqualTo(5);
    }
  }

  @Test
  void markSentNeedsTheOption() throws Exception {
    try (HistoryStore store = open()) {
      append(store, A, "a");
      HistoryReader reader = HistoryReader.builder(store, "plain").build();
      assertThatThrownBy(() -> reader.markSent(reader.read(0)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("rememberSent");
      assertThat(reader.sentPosition()).isEqualTo(-1);
    }
  }

  /** Fails to encode "bad": the writer leaves a sequence gap. */
  static final Codec<String> PICKY =
      new Codec<>() {
        @Override
        public long id() {
          return TEXT.id();
        }

        @Override
        public String schema() {
          return TEXT.schema();
        }

        @Override
        public byte[] encode(String value) {
          if (value.equals("bad")) {
            throw new CodecException("bad value");
          }
          return value.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public String decode(byte[] bytes) {
          return TEXT.decode(bytes);
        }
      };

  @Test
  void aKeysFilterPassesOtherKeysAndGaps() throws Exception {
    try (HistoryStore store = open()) {
      // 0:A 1:B 2:C 3:gap(A) 4:C 5:C 6:A 7:B 8:C
      store.append(A, "a0", TEXT);
      store.append(B, "b1", TEXT);
      store.append(C, "c2", TEXT);
      store.append(A, "bad", PICKY);
      store.append(C, "c4", TEXT);
      store.append(C, "c5", TEXT);
      store.append(A, "a6", TEXT);
      store.append(B, "b7", TEXT);
      long last = store.append(C, "c8", TEXT);
      assertThat(store.awaitDurable(last, WAIT)).isTrue();

      HistoryReader onlyA = HistoryReader.builder(store, "a").keys(A).build();
      HistoryReader.Page p = onlyA.read(0);
      assertThat(decoded(p)).containsExactly("a0", "a6");
      assertThat(p.end()).isEqualTo(9); // passes everything up to the durable end

      HistoryReader ab = HistoryReader.builder(store, "ab").keys(A, B).maxPageEntries(2).build();
      List<String> seen = new ArrayList<>();
      long from = 0;
      List<Long> ends = new ArrayList<>();
      List<Integer> sizes = new ArrayList<>();
      for (int i = 0; i < 10 && from <= last; i++) {
        HistoryReader.Page q = ab.read(from);
        seen.addAll(decoded(q));
        ends.add(q.end());
        sizes.add(q.size());
        from = q.end();
        ab.delivered(q.end());
      }
      assertThat(seen).containsExactly("a0", "b1", "a6", "b7");
      assertThat(from).isEqualTo(9);
      assertThat(ab.commit()).isEqualTo(9);
      // the page limit counts the selected keys' entries only: [0,2): a0 b1; [2,8): c2, the gap,
      // c4 and c5 passed, a6 b7; [8,9): c8 only: empty, yet it moves the position on
      assertThat(ends).containsExactly(2L, 8L, 9L);
      assertThat(sizes).containsExactly(2, 2, 0);
    }
  }

  @Test
  void aWaitForNewEntriesIsBoundedByItsTimeout() throws Exception {
    try (HistoryStore store = open()) {
      HistoryReader reader = HistoryReader.builder(store, "fwd").build();
      long t0 = System.nanoTime();
      HistoryReader.Page p = reader.await(0, Duration.ofMillis(100));
      long took = System.nanoTime() - t0;
      assertThat(p.isEmpty()).isTrue();
      assertThat(p.end()).isZero();
      assertThat(took).isBetween(Duration.ofMillis(90).toNanos(), Duration.ofSeconds(5).toNanos());

      Thread.ofVirtual()
          .start(
              () -> {
                try {
                  Thread.sleep(50);
                  store.append(A, "late", TEXT);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              });
      p = reader.await(0, WAIT);
      assertThat(decoded(p)).containsExactly("late");
    }
  }

  @Test
  void aClosedStoreIsAClearError() throws Exception {
    HistoryStore store = open();
    append(store, A, "a");
    HistoryReader reader = HistoryReader.builder(store, "fwd").build();
    reader.delivered(1);
    store.close();
    assertThatThrownBy(() -> reader.read(0))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("history reader 'fwd' cannot read")
        .hasMessageContaining("is closed");
    assertThatThrownBy(() -> reader.await(1, WAIT))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("'fwd'");
    assertThatThrownBy(reader::commit)
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("cannot commit");
    assertThatThrownBy(() -> HistoryReader.builder(store, "other").build())
        .isInstanceOf(StoreException.class);
  }

  @Test
  void aWaiterIsWokenWhenTheStoreCloses() throws Exception {
    HistoryStore store = open();
    HistoryReader reader = HistoryReader.builder(store, "fwd").build();
    Thread.ofVirtual()
        .start(
            () -> {
              try {
                Thread.sleep(100);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              store.close();
            });
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> reader.await(0, Duration.ofSeconds(20)))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("closed");
    assertThat(System.nanoTime() - t0).isLessThan(Duration.ofSeconds(10).toNanos());
  }

  @Test
  void invalidSettingsAreRejected() throws Exception {
    try (HistoryStore store = open()) {
      assertThatThrownBy(() -> HistoryReader.builder(store, "not a name"))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> HistoryReader.builder(store, "x").maxPageEntries(0))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(
              () -> HistoryReader.builder(store, "x").replayWindow(Duration.ofSeconds(-1)))
          .isInstanceOf(IllegalArgumentException.class);
      HistoryReader r = HistoryReader.builder(store, "x").build();
      assertThatThrownBy(() -> r.read(-1)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> r.await(0, Duration.ofMillis(-1)))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }
}
