package io.runnel.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.GraphException;
import io.runnel.RecordKey;
import io.runnel.Runnel;
import io.runnel.buffer.BufferSpec;
import io.runnel.buffer.Producer;
import io.runnel.buffer.Reader;
import io.runnel.codec.Codec;
import io.runnel.sim.Simulation;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** History wired into pipelines: persist on the builder, restore on start, replay. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PipelineHistoryTest {

  record Reading(String sensor, double celsius, long n) {}

  /** The same record name with another shape: its codec has another fingerprint. */
  record ReadingV2(String sensor, float celsius) {}

  static final RecordKey INDOOR = RecordKey.of("sensor.indoor");
  static final RecordKey STATE = RecordKey.of("robot.state");
  static final RecordKey REPLAYED = RecordKey.of("sensor.indoor.replayed");

  @TempDir Path dir;

  static io.runnel.Source<Reading> readings(int n) {
    return (ctx, out) -> {
      for (int i = 0; i < n; i++) {
        out.produce(new Reading("indoor", 20 + i % 10, i));
      }
    };
  }

  @Test
  void aPersistedRecordWritesEveryValueInOrderAndCountsThem() throws Exception {
    List<Reading> tapped = new CopyOnWriteArrayList<>();
    try (HistoryStore store = HistoryStore.open(StoreConfig.builder(dir).build())) {
      Persist<Reading> persist = Persist.to(store, Reading.class);
      try (Runnel runnel =
          Runnel.builder()
              .configure(
                  Reading.class,
                  INDOOR,
                  r ->
                      r.buffer(BufferSpec.ring(1 << 14))
                          .source(readings(5000))
                          .hook(persist)
                          .tap((ctx, v) -> tapped.add(v)))
              .build()
              .start()) {
        assertThat(runnel.awaitCompletion(Duration.ofSeconds(20))).isTrue();
        assertThat(runnel.inspect().record(INDOOR.id()).orElseThrow().hookCounters())
            .containsEntry("persist.appended", 5000L)
            .containsEntry("persist.rejected", 0L);
      }
      assertThat(store.awaitDurable(store.sync(), Duration.ofSeconds(10))).isTrue();
      List<StoredEntry> stored = store.query(Query.all().key(INDOOR));
      assertThat(stored).hasSize(5000);
      List<Reading> decoded = stored.stream().map(e -> e.decode(persist.codec())).toList();
      assertThat(decoded).isEqualTo(tapped);
      for (int i = 0; i < decoded.size(); i++) {
        assertThat(decoded.get(i).n()).isEqualTo(i);
      }
    }
  }

  @Test
  void theLastValueIsRestoredIntoTheBufferOnTheNextStart() throws Exception {
    try (HistoryStore store = HistoryStore.open(StoreConfig.builder(dir).build())) {
      try (Runnel runnel =
          Runnel.builder()
              .configure(
                  Reading.class,
                  STATE,
                  r ->
                      r.buffer(BufferSpec.latest())
                          .external()
                          .hook(Persist.to(store, Reading.class).restoreLast()))
              .build()
              .start()) {
        assertThat(runnel.inspect().record(STATE.id()).orElseThrow().lastValue()).isNull();
        Producer<Reading> out = runnel.producer(Reading.class, STATE);
        out.produce(new Reading("arm", 1.5, 1));
        out.produce(new Reading("arm", 2.5, 2));
      }
      assertThat(store.awaitDurable(store.sync(), Duration.ofSeconds(10))).isTrue();
    }
    // a "restart": a new store instance on the same directory, a new pipeline
    try (HistoryStore store = HistoryStore.open(StoreConfig.builder(dir).build())) {
      Runnel runnel =
          Runnel.builder()
              .configure(
                  Reading.class,
                  STATE,
                  r ->
                      r.buffer(BufferSpec.latest())
                          .external()
                          .hook(Persist.to(store, Reading.class).restoreLast()))
              .build();
      Reader<Reading> reader = runnel.subscribe(Reading.class, STATE);
      runnel.start();
      try (runnel) {
        assertThat(reader.recv(Duration.ofSeconds(5))).isEqualTo(new Reading("arm", 2.5, 2));
      }
      // restoring is not persisting: still two entries
      assertThat(store.query(Query.all().key(STATE))).hasSize(2);
    }
  }

  @Test
  void aValueWrittenByAChangedTypeIsNotRestoredAndTheRecordStartsEmpty() throws Exception {
    try (HistoryStore store = HistoryStore.open(StoreConfig.builder(dir).build())) {
      store.append(STATE, new ReadingV2("arm", 1f), Codec.forRecord(ReadingV2.class));
      assertThat(store.awaitDurable(store.sync(), Duration.ofSeconds(10))).isTrue();
      try (Runnel runnel =
          Runnel.builder()
              .configure(
                  Reading.class,
                  STATE,
                  r ->
                      r.buffer(BufferSpec.latest())
                          .external()
                          .hook(Persist.to(store, Reading.class).restoreLast()))
              .build()
              .start()) {
        assertThat(runnel.inspect().record(STATE.id()).orElseThrow().produced()).isZero();
      }
    }
  }

  @Test
  void onePersistCannotServeTwoRecords() throws Exception {
    try (HistoryStore store = HistoryStore.open(StoreConfig.builder(dir).build())) {
      Persist<Reading> shared = Persist.to(store, Reading.class);
      assertThatThrownBy(
              () ->
                  Runnel.builder()
                      .configure(Reading.class, INDOOR, r -> r.external().hook(shared))
                      .configure(Reading.class, STATE, r -> r.external().hook(shared))
                      .build())
          .isInstanceOf(GraphException.class)
          .hasMessageContaining("already attached to 'sensor.indoor'");
    }
  }

  @Test
  void aFullStoreWithTheFailPolicyReachesTheProducerAndIsCounted() throws Exception {
    HistoryStoreTest.GateCodec gate = new HistoryStoreTest.GateCodec();
    try (HistoryStore store =
        HistoryStore.open(StoreConfig.builder(dir).queueCapacity(2).build())) {
      store.append(STATE, "blocker", gate); // the writer is now stuck in encode
      assertThat(gate.entered.await(5, TimeUnit.SECONDS)).isTrue();
      AtomicInteger produced = new AtomicInteger();
      try (Runnel runnel =
          Runnel.builder()
              .configure(
                  String.class,
                  INDOOR,
                  r ->
                      r.external()
                          .hook(
                              Persist.to(store, new HistoryStoreTest.TextCodec())
                                  .overflow(OverflowPolicy.fail()))
                          .tap((ctx, v) -> produced.incrementAndGet()))
              .build()
              .start()) {
        Producer<String> out = runnel.producer(String.class, INDOOR);
        out.produce("a");
        out.produce("b");
        assertThatThrownBy(() -> out.produce("c")).isInstanceOf(StoreFullException.class);
        assertThat(runnel.inspect().record(INDOOR.id()).orElseThrow().hookCounters())
            .containsEntry("persist.appended", 2L)
            .containsEntry("persist.rejected", 1L);
        assertThat(runnel.inspect().record(INDOOR.id()).orElseThrow().produced()).isEqualTo(2);
        gate.release.countDown();
      }
      assertThat(store.stats().rejected()).isEqualTo(1);
    }
  }

  @Test
  void onADedicatedLaneAFullStoreDropsFromHistoryButNeverStallsOrFailsTheProducer()
      throws Exception {
    HistoryStoreTest.GateCodec gate = new HistoryStoreTest.GateCodec();
    try (HistoryStore store =
        HistoryStore.open(StoreConfig.builder(dir).queueCapacity(2).build())) {
      store.append(STATE, "blocker", gate); // the writer is now stuck in encode
      assertThat(gate.entered.await(5, TimeUnit.SECONDS)).isTrue();
      List<String> tapped = new CopyOnWriteArrayList<>();
      try (Runnel runnel =
          Runnel.builder()
              .lane("control", io.runnel.LaneSpec.dedicated())
              .configure(
                  String.class,
                  INDOOR,
                  r ->
                      r.lane("control")
                          .buffer(BufferSpec.ring(64))
                          .hook(Persist.to(store, new HistoryStoreTest.TextCodec()))
                          .source(
                              (ctx, out) -> {
                                for (int i = 0; i < 10; i++) {
                                  out.produce("v" + i); // no overflow policy given
                                }
                              })
                          .tap((ctx, v) -> tapped.add(v)))
              .build()
              .start()) {
        assertThat(runnel.awaitCompletion(Duration.ofSeconds(10))).isTrue();
        var counters = runnel.inspect().record(INDOOR.id()).orElseThrow().hookCounters();
        assertThat(counters).containsEntry("persist.rejected", 0L);
        assertThat(counters.get("persist.dropped")).isEqualTo(8L); // 2 fit in the queue
        assertThat(runnel.inspect().task(INDOOR.id() + "/source").orElseThrow().failures())
            .isZero();
      }
      assertThat(tapped).hasSize(10); // the pipeline lost nothing
      gate.release.countDown();
      assertThat(store.awaitDurable(store.sync(), Duration.ofSeconds(10))).isTrue();
      assertThat(store.query(Query.all().key(INDOOR))).hasSize(2);
    }
  }

  @Test
  void aClosedStoreNeitherStopsNorFailsATickerOnADedicatedLaneAndIsCounted() throws Exception {
    HistoryStore store = HistoryStore.open(StoreConfig.builder(dir).build());
    AtomicInteger tapped = new AtomicInteger();
    try (Runnel runnel =
        Runnel.builder()
            .lane("control", io.runnel.LaneSpec.dedicated())
            .configure(
                String.class,
                INDOOR,
                r ->
                    r.lane("control")
                        .buffer(BufferSpec.ring(64))
                        .hook(Persist.to(store, new HistoryStoreTest.TextCodec()))
                        .source(
                            (ctx, out) -> {
                              io.runnel.Ticker ticker = ctx.ticker(Duration.ofMillis(10));
                              for (int i = 0; ; i++) {
                                ticker.await();
                                out.produce("v" + i);
                              }
                            })
                        .tap((ctx, v) -> tapped.incrementAndGet()))
            .build()
            .start()) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (tapped.get() < 5 && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertThat(tapped.get()).isGreaterThanOrEqualTo(5);
      store.close(); // e.g. closed too early by the application, or its disk failed
      int atClose = tapped.get();
      Thread.sleep(1000);
      assertThat(tapped.get() - atClose)
          .as("values produced in the second after")
          .isGreaterThanOrEqualTo(50);
      io.runnel.inspect.TaskInfo task =
          runnel.inspect().task(INDOOR.id() + "/source").orElseThrow();
      assertThat(task.state()).isEqualTo(io.runnel.inspect.TaskInfo.State.RUNNING);
      assertThat(task.failures()).isZero();
      assertThat(
              runnel
                  .inspect()
                  .record(INDOOR.id())
                  .orElseThrow()
                  .hookCounters()
                  .get("persist.failed"))
          .isGreaterThanOrEqualTo(50L);
    }
  }

  @Test
  void aClosedStoreReachesTheProducerOnlyUnderAnExplicitFailPolicy() throws Exception {
    HistoryStore store = HistoryStore.open(StoreConfig.builder(dir).build());
    try (Runnel runnel =
        Runnel.builder()
            .configure(
                String.class,
                INDOOR,
                r ->
                    r.external()
                        .hook(
                            Persist.to(store, new HistoryStoreTest.TextCodec())
                                .overflow(OverflowPolicy.fail())))
            .configure(
                String.class,
                STATE,
                r -> r.external().hook(Persist.to(store, new HistoryStoreTest.TextCodec())))
            .build()
            .start()) {
      store.close();
      Producer<String> failing = runnel.producer(String.class, INDOOR);
      assertThatThrownBy(() -> failing.produce("a")).isInstanceOf(StoreException.class);
      Producer<String> degrading = runnel.producer(String.class, STATE);
      degrading.produce("b"); // the default waitUpTo: produced, not persisted
      assertThat(runnel.inspect().record(STATE.id()).orElseThrow().produced()).isEqualTo(1);
      assertThat(runnel.inspect().record(STATE.id()).orElseThrow().hookCounters())
          .containsEntry("persist.failed", 1L);
      assertThat(runnel.inspect().record(INDOOR.id()).orElseThrow().hookCounters())
          .containsEntry("persist.failed", 1L);
    }
  }

  @Test
  void aReplayIntoItsOwnPersistedRecordEnds() throws Exception {
    try (HistoryStore store = HistoryStore.open(StoreConfig.builder(dir).build())) {
      Codec<Reading> codec = Codec.forRecord(Reading.class);
      for (int i = 0; i < 100; i++) {
        store.append(INDOOR, new Reading("indoor", 20, i), codec);
      }
      assertThat(store.awaitDurable(store.sync(), Duration.ofSeconds(10))).isTrue();
      Replay<Reading> replay = Replay.of(store, INDOOR, codec);
      try (Runnel runnel =
          Runnel.builder()
              .configure(
                  Reading.class,
                  INDOOR,
                  r ->
                      r.buffer(BufferSpec.ring(1024)).source(replay).hook(Persist.to(store, codec)))
              .build()
              .start()) {
        assertThat(runnel.awaitCompletion(Duration.ofSeconds(20))).isTrue();
      }
      assertThat(replay.replayed()).isEqualTo(100);
    }
  }

  @Test
  void aReplayProducesATimeRangeAsFastAsPossible() throws Exception {
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    try (HistoryStore store = HistoryStore.open(StoreConfig.builder(dir).build())) {
      Codec<Reading> codec = Codec.forRecord(Reading.class);
      for (int i = 0; i < 10_000; i++) {
        long micros = Query.micros(t0.plusMillis(i));
        store
            .appender(INDOOR, codec)
            .append(
                micros,
                new Reading("indoor", 20, i),
                OverflowPolicy.waitUpTo(Duration.ofSeconds(5)));
      }
      store.append(STATE, new Reading("other", 0, -1), codec); // another key: not replayed
      assertThat(store.awaitDurable(store.sync(), Duration.ofSeconds(10))).isTrue();
      Replay<Reading> replay =
          Replay.of(store, INDOOR, Reading.class).between(t0.plusMillis(1000), t0.plusMillis(9500));
      List<Long> seen = new ArrayList<>();
      try (Runnel runnel =
          Runnel.builder()
              .configure(
                  Reading.class,
                  REPLAYED,
                  r ->
                      r.buffer(BufferSpec.ring(1 << 14))
                          .source(replay)
                          .tap((ctx, v) -> seen.add(v.n())))
              .build()
              .start()) {
        assertThat(runnel.awaitCompletion(Duration.ofSeconds(20))).isTrue();
      }
      assertThat(seen).hasSize(8500);
      assertThat(seen.get(0)).isEqualTo(1000);
      assertThat(seen.get(seen.size() - 1)).isEqualTo(9499);
      assertThat(replay.replayed()).isEqualTo(8500);
      assertThat(replay.skipped()).isZero();
    }
  }

  @Test
  void aReplayAtRecordedPaceKeepsTheRecordedSpacingInSimulatedTime() throws Exception {
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    try (HistoryStore store = HistoryStore.open(StoreConfig.builder(dir).build())) {
      Codec<Reading> codec = Codec.forRecord(Reading.class);
      // one value per simulated minute for a day, plus one that does not decode
      HistoryStore.Appender<Reading> a = store.appender(INDOOR, codec);
      for (int i = 0; i < 24 * 60; i++) {
        a.append(
            Query.micros(t0.plusSeconds(60L * i)),
            new Reading("indoor", 20, i),
            OverflowPolicy.waitUpTo(Duration.ofSeconds(5)));
        if (i == 10) {
          store.append(
              INDOOR,
              Query.micros(t0.plusSeconds(601)),
              new ReadingV2("indoor", 1f),
              Codec.forRecord(ReadingV2.class),
              OverflowPolicy.waitUpTo(Duration.ofSeconds(5)));
        }
      }
      assertThat(store.awaitDurable(store.sync(), Duration.ofSeconds(10))).isTrue();
      Replay<Reading> replay = Replay.of(store, INDOOR, Reading.class).recordedPace(2.0);
      List<Long> arrivalNanos = new CopyOnWriteArrayList<>();
      Simulation sim = Simulation.withSeed(7);
      Runnel runnel =
          sim.builder()
              .configure(
                  Reading.class,
                  REPLAYED,
                  r ->
                      r.buffer(BufferSpec.ring(1 << 12))
                          .source(replay)
                          .tap((ctx, v) -> arrivalNanos.add(ctx.nanoTime())))
              .build();
      try (runnel) {
        runnel.start();
        sim.advance(Duration.ofHours(13));
        assertThat(runnel.awaitCompletion(Duration.ofSeconds(20))).isTrue();
      }
      assertThat(arrivalNanos).hasSize(24 * 60);
      assertThat(replay.skipped()).isEqualTo(1);
      long first = arrivalNanos.get(0);
      for (int i = 1; i < arrivalNanos.size(); i++) {
        // recorded 60 s apart, replayed at double speed: exactly 30 s of (simulated) time apart
        assertThat(arrivalNanos.get(i) - first).isEqualTo(30_000_000_000L * i);
      }
    }
  }

  @Test
  void perRecordRetentionKeepsSegmentsHoldingALongLivedRecord() throws Exception {
    java.util.concurrent.atomic.AtomicReference<Instant> now =
        new java.util.concurrent.atomic.AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));
    java.time.InstantSource clock = () -> now.get();
    RecordKey shortLived = RecordKey.of("debug.trace");
    try (HistoryStore store =
        HistoryStore.open(
            StoreConfig.builder(dir)
                .clock(clock)
                .segmentBytes(4096)
                .retention(Retention.maxAge(Duration.ofHours(1)))
                .build())) {
      store.retain(STATE, Duration.ofDays(30));
      Codec<Reading> codec = Codec.forRecord(Reading.class);
      // segments 1..k hold only the short-lived key, then one segment holds STATE too
      for (int i = 0; i < 400; i++) {
        store.append(shortLived, new Reading("t", i, i), codec);
      }
      store.append(STATE, new Reading("arm", 1, 1), codec);
      for (int i = 0; i < 400; i++) {
        store.append(shortLived, new Reading("t", i, i), codec);
      }
      assertThat(store.awaitDurable(store.sync(), Duration.ofSeconds(10))).isTrue();
      int before = store.stats().segments();
      assertThat(before).isGreaterThan(3);
      now.set(now.get().plus(Duration.ofHours(2)));
      store.applyRetention();
      // every segment without STATE went; the one holding STATE stays (30 days)
      assertThat(store.query(Query.all().key(STATE))).hasSize(1);
      assertThat(store.stats().segments()).isLessThan(before);
      now.set(now.get().plus(Duration.ofDays(31)));
      store.applyRetention();
      assertThat(store.query(Query.all().key(STATE))).isEmpty();
    }
  }
}
