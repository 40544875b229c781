package io.runnel.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.RecordKey;
import io.runnel.codec.Codec;
import io.runnel.store.HistoryStoreTest.GateCodec;
import io.runnel.store.wal.HandoffQueue;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hand-off queue is bounded in bytes as well as in entries: a producer of large values (camera
 * frames, blobs) cannot make the store hold entries x size bytes before the overflow policy acts.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HandoffByteBoundTest {

  static final RecordKey GATE = RecordKey.of("gate");
  static final RecordKey FRAMES = RecordKey.of("camera.frames");
  static final Codec<byte[]> BLOB = Codec.bytes(0xB10BL);
  static final byte[] FRAME = new byte[1 << 20]; // one 1 MiB frame, appended many times

  @TempDir Path dir;

  @Test
  void theDefaultStoreHoldsAtMost64MiBOfQueuedFrames() throws Exception {
    GateCodec gate = new GateCodec();
    try (HistoryStore store =
        HistoryStore.open(StoreConfig.builder(dir).queueCapacity(256).build())) {
      store.append(GATE, "blocker", gate); // the writer stalls inside encode
      assertThat(gate.entered.await(5, TimeUnit.SECONDS)).isTrue();
      int accepted = 0;
      try {
        for (int i = 0; i < 256; i++) {
          store.append(FRAMES, FRAME, BLOB, OverflowPolicy.fail());
          accepted++;
        }
      } catch (StoreFullException expected) {
        // the bound acted
      }
      // 256 entries fit the count bound; 64 MiB of 1 MiB frames is 64 of them
      assertThat(accepted).as("1 MiB frames accepted into the queue").isLessThanOrEqualTo(64);
      gate.release.countDown();
    }
  }

  /** A store whose writer is stalled inside the encode of a first value (release it with gate). */
  private HistoryStore stalled(GateCodec gate, StoreConfig.Builder config) throws Exception {
    HistoryStore store = HistoryStore.open(config.build());
    store.append(GATE, "blocker", gate);
    assertThat(gate.entered.await(5, TimeUnit.SECONDS)).isTrue();
    return store;
  }

  private static final long FRAME_ENTRY = FRAME.length + HandoffQueue.ENTRY_OVERHEAD_BYTES;

  @Test
  void everyPolicyActsOnTheByteBoundAndCountsItApart() throws Exception {
    GateCodec gate = new GateCodec();
    // room for 4 frames (and the blocker, taken by the writer already); 1024 entries
    long bound = 4 * FRAME_ENTRY + 100;
    try (HistoryStore store =
        stalled(
            gate,
            StoreConfig.builder(dir)
                .queueCapacity(1024)
                .queueBytes(bound)
                .overflow(OverflowPolicy.waitUpTo(Duration.ofMillis(30))))) {
      for (int i = 0; i < 4; i++) {
        store.append(FRAMES, FRAME, BLOB, OverflowPolicy.fail());
      }
      assertThat(store.stats().queuedBytes()).isEqualTo(4 * FRAME_ENTRY);
      assertThatThrownBy(() -> store.append(FRAMES, FRAME, BLOB, OverflowPolicy.fail()))
          .isInstanceOf(StoreFullException.class)
          .hasMessageContaining("bytes")
          .matches(e -> ((StoreFullException) e).overBytes());
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> store.append(FRAMES, FRAME, BLOB))
          .isInstanceOf(StoreFullException.class)
          .matches(e -> ((StoreFullException) e).overBytes());
      assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(25_000_000L);
      // nothing queued is droppable: the new frame goes
      assertThat(store.append(FRAMES, FRAME, BLOB, OverflowPolicy.dropOldest())).isEqualTo(-1);
      // small values still fit in the bytes left
      store.append(GATE, "small", HistoryStoreTest.TEXT, OverflowPolicy.fail());
      StoreStats s = store.stats();
      assertThat(s.rejected()).isEqualTo(1);
      assertThat(s.rejectedOverBytes()).isEqualTo(1);
      assertThat(s.waited()).isEqualTo(1);
      assertThat(s.waitedOverBytes()).isEqualTo(1);
      assertThat(s.waitTimeouts()).isEqualTo(1);
      assertThat(s.waitTimeoutsOverBytes()).isEqualTo(1);
      assertThat(s.droppedOldest()).isEqualTo(1);
      assertThat(s.droppedOverBytes()).isEqualTo(1);
      assertThat(store.droppedOverBytesFor(FRAMES)).isEqualTo(1);
      assertThat(s.queued()).isEqualTo(5);
      gate.release.countDown();
      assertThat(store.awaitDurable(store.sync(), Duration.ofSeconds(10))).isTrue();
      assertThat(store.stats().queuedBytes()).isZero();
      assertThat(store.query(Query.all().key(FRAMES))).hasSize(4);
    }
  }

  @Test
  void theEntryBoundStillActsAndIsNotCountedAsBytes() throws Exception {
    GateCodec gate = new GateCodec();
    try (HistoryStore store = stalled(gate, StoreConfig.builder(dir).queueCapacity(4))) {
      for (int i = 0; i < 4; i++) {
        store.append(GATE, "q" + i, HistoryStoreTest.TEXT, OverflowPolicy.fail());
      }
      assertThatThrownBy(
              () -> store.append(GATE, "f", HistoryStoreTest.TEXT, OverflowPolicy.fail()))
          .isInstanceOf(StoreFullException.class)
          .hasMessageContaining("entries")
          .matches(e -> !((StoreFullException) e).overBytes());
      StoreStats s = store.stats();
      assertThat(s.rejected()).isEqualTo(1);
      assertThat(s.rejectedOverBytes()).isZero();
      gate.release.countDown();
    }
  }

  @Test
  void dropOldestEvictsAsManyOldValuesAsTheNewOneNeedsAndKeepsOrder() throws Exception {
    GateCodec gate = new GateCodec();
    byte[] small = new byte[128 << 10];
    long bound = 4 * FRAME_ENTRY + 4096;
    OverflowPolicy drop = OverflowPolicy.dropOldest();
    try (HistoryStore store =
        stalled(gate, StoreConfig.builder(dir).queueCapacity(1024).queueBytes(bound))) {
      store.append(GATE, "alarm", HistoryStoreTest.TEXT); // waitUpTo: never evicted
      for (int i = 0; i < 10; i++) {
        store.append(FRAMES, small, BLOB, drop); // 1.25 MiB in all
      }
      store.append(FRAMES, FRAME, BLOB, drop);
      store.append(FRAMES, FRAME, BLOB, drop); // 3.25 MiB queued: fits
      long third = store.append(FRAMES, FRAME, BLOB, drop); // 4.25 MiB: two small ones must go
      assertThat(third).isNotNegative();
      StoreStats s = store.stats();
      assertThat(s.droppedOverBytes()).isEqualTo(2);
      assertThat(s.droppedOldest()).isEqualTo(2);
      assertThat(store.droppedOverBytesFor(FRAMES)).isEqualTo(2);
      assertThat(s.queuedBytes()).isLessThanOrEqualTo(bound);
      assertThat(s.queued()).isEqualTo(1 + 8 + 3);
      gate.release.countDown();
      assertThat(store.awaitDurable(store.sync(), Duration.ofSeconds(10))).isTrue();
      List<StoredEntry> all = store.query(Query.all());
      assertThat(all.stream().map(StoredEntry::sequence).toList())
          .containsExactly(0L, 1L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L, 12L, 13L, 14L);
      assertThat(all.get(1).key()).isEqualTo(GATE.id()); // the alarm, in its place
      assertThat(all.subList(2, 10)).allMatch(e -> e.payload().length == small.length);
      assertThat(all.subList(10, 13)).allMatch(e -> e.payload().length == FRAME.length);
    }
  }

  @Test
  void onAQueueFullOfEntriesAFrameReplacesASmallValueOnlyIfTheBytesAllow() throws Exception {
    GateCodec gate = new GateCodec();
    OverflowPolicy drop = OverflowPolicy.dropOldest();
    byte[] small = new byte[1000];
    try (HistoryStore store =
        stalled(
            gate, StoreConfig.builder(dir).queueCapacity(4).queueBytes(FRAME_ENTRY + 8 * 1064L))) {
      for (int i = 0; i < 4; i++) {
        store.append(FRAMES, small, BLOB, drop); // full of entries, few bytes
      }
      long first = store.append(FRAMES, FRAME, BLOB, drop); // replaces the oldest small one
      assertThat(first).isNotNegative();
      assertThat(store.stats().droppedOverBytes()).isZero();
      // now a second frame would replace a small one too, but the bytes cannot take it
      assertThat(store.append(FRAMES, FRAME, BLOB, drop)).isEqualTo(-1);
      StoreStats s = store.stats();
      assertThat(s.droppedOldest()).isEqualTo(2);
      assertThat(s.droppedOverBytes()).isEqualTo(1);
      assertThat(s.queuedBytes()).isEqualTo(FRAME_ENTRY + 3 * (small.length + 64L));
      gate.release.countDown();
      assertThat(store.awaitDurable(store.sync(), Duration.ofSeconds(10))).isTrue();
      assertThat(store.stats().queuedBytes()).isZero();
      assertThat(store.query(Query.all().key(FRAMES))).hasSize(4);
    }
  }

  @Test
  void aValueLargerThanTheWholeBoundIsRefusedAtOnceUnderEveryPolicy() throws Exception {
    try (HistoryStore store =
        HistoryStore.open(StoreConfig.builder(dir).queueBytes(FRAME.length / 2).build())) {
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> store.append(FRAMES, FRAME, BLOB))
          .isInstanceOf(StoreFullException.class)
          .hasMessageContaining("whole byte bound")
          .hasMessageContaining("queueBytes");
      assertThat(System.nanoTime() - t0).isLessThan(50_000_000L); // no wait for a hopeless value
      assertThat(store.append(FRAMES, FRAME, BLOB, OverflowPolicy.dropOldest())).isEqualTo(-1);
      StoreStats s = store.stats();
      assertThat(s.rejectedOverBytes()).isEqualTo(1);
      assertThat(s.droppedOverBytes()).isEqualTo(1);
      assertThat(s.queuedBytes()).isZero();
    }
  }

  @Test
  void aWaitingProducerGoesOnOnceTheWriterFreesBytes() throws Exception {
    GateCodec gate = new GateCodec();
    try (HistoryStore store =
        stalled(
            gate,
            StoreConfig.builder(dir)
                .queueCapacity(1024)
                .queueBytes(2 * FRAME_ENTRY)
                .overflow(OverflowPolicy.waitUpTo(Duration.ofSeconds(10))))) {
      store.append(FRAMES, FRAME, BLOB);
      store.append(FRAMES, FRAME, BLOB);
      Thread releaser =
          Thread.ofPlatform()
              .start(
                  () -> {
                    try {
                      Thread.sleep(100); // the producer below is waiting by then (not asserted)
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    }
                    gate.release.countDown();
                  });
      long seq = store.append(FRAMES, FRAME, BLOB); // waits for the writer, then goes in
      releaser.join();
      assertThat(seq).isEqualTo(3);
      assertThat(store.awaitDurable(store.sync(), Duration.ofSeconds(10))).isTrue();
      assertThat(store.stats().waitTimeouts()).isZero();
      assertThat(store.query(Query.all().key(FRAMES))).hasSize(3);
    }
  }

  @Test
  void queueBytesDefaultsTo64MiBAndIsCheckedLikeEveryOption() {
    StoreConfig.Builder template = StoreConfig.builder(dir);
    assertThat(template.build().queueBytes()).isEqualTo(64L << 20);
    StoreConfig.Builder changed = template.queueBytes(1L << 30);
    assertThat(changed).isNotSameAs(template);
    assertThat(changed.build().queueBytes()).isEqualTo(1L << 30);
    assertThat(template.build().queueBytes()).isEqualTo(64L << 20); // the receiver is unchanged
    assertThatThrownBy(() -> template.queueBytes(1000))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("queueBytes");
  }

  @Test
  void persistCountsWhatTheByteBoundRejectedAndDroppedApart() throws Exception {
    GateCodec gate = new GateCodec();
    try (HistoryStore store =
        stalled(
            gate, StoreConfig.builder(dir).queueCapacity(1024).queueBytes(2 * FRAME_ENTRY + 100))) {
      Persist<byte[]> failing = Persist.to(store, BLOB).overflow(OverflowPolicy.fail());
      failing.attach(FRAMES, byte[].class, io.runnel.LaneSpec.virtual());
      // a dedicated lane's record defaults to drop-oldest
      Persist<byte[]> dropping = Persist.to(store, BLOB);
      RecordKey other = RecordKey.of("camera.other");
      dropping.attach(other, byte[].class, io.runnel.LaneSpec.dedicated());
      failing.produced(FRAME);
      dropping.produced(FRAME);
      assertThatThrownBy(() -> failing.produced(FRAME)).isInstanceOf(StoreFullException.class);
      dropping.produced(FRAME); // full by bytes: its own older frame is evicted for it
      assertThat(failing.counters())
          .containsEntry("rejected", 1L)
          .containsEntry("rejectedOverBytes", 1L)
          .containsEntry("dropped", 0L);
      assertThat(dropping.counters())
          .containsEntry("dropped", 1L)
          .containsEntry("droppedOverBytes", 1L)
          .containsEntry("rejected", 0L);
      gate.release.countDown();
    }
  }

  @Test
  void aCodecWhoseEstimateFailsCountsAsUnknownAndNeverFailsTheProducer() throws Exception {
    Codec<String> broken =
        new HistoryStoreTest.TextCodec() {
          @Override
          public long sizeHint(String value) {
            throw new IllegalStateException("estimate bug");
          }
        };
    try (HistoryStore store = HistoryStore.open(StoreConfig.builder(dir).build())) {
      long seq = store.append(GATE, "still stored", broken);
      assertThat(store.awaitDurable(seq, Duration.ofSeconds(5))).isTrue();
      assertThat(store.query(Query.all())).hasSize(1);
    }
  }

  @Test
  void manyProducersNeverHoldMoreThanTheBound() throws Exception {
    // Four producers of mixed sizes, under every policy, against the real writer: the queue's
    // bytes never pass the bound, and every value is stored, or counted as dropped or refused.
    long bound = 256 << 10;
    try (HistoryStore store =
        HistoryStore.open(
            StoreConfig.builder(dir)
                .queueCapacity(4096)
                .queueBytes(bound)
                .durability(Durability.everyBatch())
                .build())) {
      OverflowPolicy[] policies = {
        OverflowPolicy.dropOldest(),
        OverflowPolicy.fail(),
        OverflowPolicy.waitUpTo(Duration.ofMillis(5)),
        OverflowPolicy.dropOldest()
      };
      int perProducer = 3000;
      long[] accepted = new long[policies.length];
      long[] droppedNew = new long[policies.length];
      long[] refused = new long[policies.length];
      long[] maxSeen = new long[policies.length];
      Thread[] ts = new Thread[policies.length];
      for (int p = 0; p < policies.length; p++) {
        int me = p;
        ts[p] =
            Thread.ofPlatform()
                .start(
                    () -> {
                      java.util.Random r = new java.util.Random(me);
                      for (int i = 0; i < perProducer; i++) {
                        byte[] v = new byte[r.nextInt(8) == 0 ? 60_000 : r.nextInt(2000)];
                        try {
                          if (store.append(FRAMES, v, BLOB, policies[me]) >= 0) {
                            accepted[me]++;
                          } else {
                            droppedNew[me]++;
                          }
                        } catch (StoreFullException e) {
                          refused[me]++;
                        }
                        maxSeen[me] = Math.max(maxSeen[me], store.stats().queuedBytes());
                      }
                    });
      }
      long in = 0;
      long arrivals = 0;
      long refusals = 0;
      for (int p = 0; p < policies.length; p++) {
        ts[p].join();
        assertThat(maxSeen[p]).isLessThanOrEqualTo(bound);
        in += accepted[p];
        arrivals += droppedNew[p];
        refusals += refused[p];
      }
      assertThat(store.awaitDurable(store.sync(), Duration.ofSeconds(20))).isTrue();
      StoreStats s = store.stats();
      assertThat(s.queuedBytes()).isZero();
      assertThat(s.rejected() + s.waitTimeouts()).isEqualTo(refusals);
      long droppedQueued = s.droppedOldest() - arrivals;
      assertThat(s.written()).isEqualTo(in - droppedQueued);
      assertThat(store.query(Query.all().key(FRAMES).limit(Query.MAX_LIMIT)))
          .hasSize((int) s.written());
      System.out.printf(
          "4 producers x %d mixed values, bound %d bytes: accepted %d, dropped %d (%d on bytes),"
              + " refused %d (%d on bytes), max queued bytes seen %d%n",
          perProducer,
          bound,
          in,
          s.droppedOldest(),
          s.droppedOverBytes(),
          refusals,
          s.rejectedOverBytes() + s.waitTimeoutsOverBytes(),
          java.util.Arrays.stream(maxSeen).max().orElse(0));
    }
  }
}
