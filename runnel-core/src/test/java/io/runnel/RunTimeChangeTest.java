package io.runnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.buffer.BufferSpec;
import io.runnel.buffer.EndOfStreamException;
import io.runnel.buffer.Producer;
import io.runnel.buffer.Reader;
import io.runnel.inspect.GraphChange;
import io.runnel.inspect.GraphSnapshot;
import io.runnel.inspect.TaskInfo;
import io.runnel.spi.RecordHook;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Records added to and removed from a running pipeline (issue 14 part 4, decision 021). */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RunTimeChangeTest {
  static final RecordKey IN = RecordKey.of("rt.in");
  static final RecordKey DOUBLED = RecordKey.of("rt.doubled");
  static final RecordKey ADDED = RecordKey.of("rt.added");
  static final RecordKey TICK = RecordKey.of("rt.tick");

  Runnel runnel;

  @AfterEach
  void close() {
    if (runnel != null) {
      runnel.close();
    }
  }

  static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      Thread.sleep(2);
    }
  }

  /** Counts what the runtime does to a hook. */
  static final class CountingHook implements RecordHook<Object> {
    final AtomicInteger attached = new AtomicInteger();
    final AtomicInteger closed = new AtomicInteger();
    final AtomicInteger restored = new AtomicInteger();
    final AtomicInteger produced = new AtomicInteger();
    final Object restoreValue;
    final RuntimeException attachFailure;

    CountingHook(Object restoreValue, RuntimeException attachFailure) {
      this.restoreValue = restoreValue;
      this.attachFailure = attachFailure;
    }

    @Override
    public String name() {
      return "counting";
    }

    @Override
    public void attach(RecordKey key, Class<?> type, LaneSpec writerLane) {
      attached.incrementAndGet();
      if (attachFailure != null) {
        throw attachFailure;
      }
    }

    @Override
    public Object restore() {
      restored.incrementAndGet();
      return restoreValue;
    }

    @Override
    public void produced(Object value) {
      produced.incrementAndGet();
    }

    @Override
    public void close() {
      closed.incrementAndGet();
    }

    @Override
    public Map<String, Long> counters() {
      return Map.of();
    }
  }

  private Runnel started() {
    runnel =
        Runnel.builder()
            .name("rt")
            .configure(Integer.class, IN, r -> r.external())
            .configure(Integer.class, DOUBLED, r -> r.transform(Integer.class, IN, v -> v * 2))
            .build()
            .start();
    return runnel;
  }

  @Test
  void anAddedTransformRunsAndShowsInInspectionAndExports() throws Exception {
    started();
    Reader<GraphChange> changes = runnel.graphChanges();
    CountingHook hook = new CountingHook(41, null);
    GraphChange change =
        runnel.add(
            Integer.class,
            ADDED,
            r ->
                r.hook(hook)
                    .buffer(BufferSpec.latest())
                    .transform(Integer.class, DOUBLED, v -> v + 1)
                    .tap("t", (c, v) -> {}));
    assertThat(change.version()).isEqualTo(1);
    assertThat(change.added()).containsExactly("rt.added");
    assertThat(runnel.graphVersion()).isEqualTo(1);
    assertThat(changes.recv(Duration.ofSeconds(5))).isEqualTo(change);
    assertThat(hook.attached).hasValue(1);
    assertThat(hook.restored).hasValue(1);

    Reader<Integer> out = runnel.subscribe(Integer.class, ADDED);
    assertThat(out.recv(Duration.ofSeconds(5))).isEqualTo(41); // restored before it started
    runnel.producer(Integer.class, IN).produce(5);
    assertThat(out.recv(Duration.ofSeconds(5))).isEqualTo(11);
    assertThat(hook.produced).hasValue(1);

    GraphSnapshot s = runnel.inspect();
    assertThat(s.topologicalOrder()).containsExactly("rt.in", "rt.doubled", "rt.added");
    assertThat(s.task("rt.added/transform").orElseThrow().state())
        .isEqualTo(TaskInfo.State.RUNNING);
    assertThat(s.record("rt.doubled").orElseThrow().consumers()).isEqualTo(1);
    assertThat(s.toDot()).contains("rt.added");
    assertThat(s.toMermaid()).contains("rt.added");
    assertThat(s.toJson()).contains("\"rt.added\"");
    assertThat(runnel.recordType("rt.added")).contains(Integer.class);
  }

  @Test
  void aBadChangeReportsEveryProblemAndChangesNothing() throws Exception {
    started();
    Reader<Integer> doubled = runnel.subscribe(Integer.class, DOUBLED);
    Producer<Integer> in = runnel.producer(Integer.class, IN);
    in.produce(1);
    assertThat(doubled.recv(Duration.ofSeconds(5))).isEqualTo(2);
    GraphSnapshot before = runnel.inspect();
    Reader<GraphChange> changes = runnel.graphChanges();
    CountingHook good = new CountingHook(null, null);
    CountingHook bad = new CountingHook(null, new IllegalStateException("disk full"));

    // graph problems: a missing input, a remove of a record still read, a duplicate key
    assertThatThrownBy(
            () ->
                runnel
                    .change()
                    .configure(Integer.class, ADDED, r -> r.hook(good).external())
                    .configure(
                        String.class,
                        RecordKey.of("rt.bad"),
                        r -> r.transform(String.class, RecordKey.of("rt.nothing"), v -> v))
                    .configure(Integer.class, DOUBLED, r -> r.external())
                    .remove(IN)
                    .commit())
        .isInstanceOfSatisfying(
            GraphException.class,
            e ->
                assertThat(e.problems())
                    .extracting(GraphProblem::kind)
                    .contains(
                        GraphProblem.Kind.MISSING_INPUT,
                        GraphProblem.Kind.RECORD_IN_USE,
                        GraphProblem.Kind.DUPLICATE_KEY))
        .hasMessageContaining("'rt.in' cannot be removed: 'rt.doubled' reads it");
    assertThat(good.attached).hasValue(0); // hooks attach only once the graph checked out

    // a hook that cannot attach: the others attached in the change are closed again
    assertThatThrownBy(
            () ->
                runnel
                    .change()
                    .configure(Integer.class, ADDED, r -> r.hook(good).external())
                    .configure(Integer.class, TICK, r -> r.hook(bad).external())
                    .commit())
        .isInstanceOf(GraphException.class)
        .hasMessageContaining("hook 'counting' cannot be attached: disk full");
    assertThat(good.attached).hasValue(1);
    assertThat(good.closed).hasValue(1);
    assertThat(good.restored).hasValue(0);

    assertThatThrownBy(() -> runnel.remove(RecordKey.of("rt.unknown")))
        .isInstanceOf(GraphException.class)
        .hasMessageContaining("'rt.unknown' cannot be removed: pipeline 'rt' has no such record");

    GraphSnapshot after = runnel.inspect();
    assertThat(GraphShape.of(after)).isEqualTo(GraphShape.of(before));
    assertThat(runnel.graphVersion()).isZero();
    assertThat(changes.tryRecv()).isNull();
    in.produce(2); // every record untouched: still flowing
    assertThat(doubled.recv(Duration.ofSeconds(5))).isEqualTo(4);
  }

  @Test
  void readersOfARemovedRecordSeeEndOfStreamAndItsHooksClose() throws Exception {
    started();
    CountingHook hook = new CountingHook(null, null);
    List<Integer> tapped = new CopyOnWriteArrayList<>();
    runnel.add(
        Integer.class,
        ADDED,
        r ->
            r.hook(hook)
                .transform(Integer.class, DOUBLED, v -> v + 1)
                .tap("t", (c, v) -> tapped.add(v)));
    Reader<Integer> outside = runnel.subscribe(Integer.class, ADDED);
    runnel.producer(Integer.class, IN).produce(1);
    assertThat(outside.recv(Duration.ofSeconds(5))).isEqualTo(3);

    // DOUBLED is read by ADDED: removing it alone is refused, with ADDED it is fine
    assertThatThrownBy(() -> runnel.remove(DOUBLED)).isInstanceOf(GraphException.class);
    GraphChange change = runnel.change().remove(DOUBLED).remove(ADDED).commit();
    assertThat(change.removed()).containsExactlyInAnyOrder("rt.doubled", "rt.added");

    assertThatThrownBy(() -> outside.recv(Duration.ofSeconds(5)))
        .isInstanceOf(EndOfStreamException.class);
    assertThat(hook.closed).hasValue(1);
    assertThat(tapped).containsExactly(3);
    GraphSnapshot s = runnel.inspect();
    assertThat(s.records()).extracting(r -> r.key()).containsExactly("rt.in");
    assertThat(s.tasks()).isEmpty();
    assertThat(s.record("rt.in").orElseThrow().consumers()).isZero();
    assertThatThrownBy(() -> runnel.subscribe(Integer.class, ADDED))
        .isInstanceOf(IllegalArgumentException.class);
    // the key may be added again, fresh
    runnel.add(Integer.class, ADDED, r -> r.transform(Integer.class, IN, v -> -v));
    Reader<Integer> again = runnel.subscribe(Integer.class, ADDED);
    runnel.producer(Integer.class, IN).produce(7);
    assertThat(again.recv(Duration.ofSeconds(5))).isEqualTo(-7);
  }

  @Test
  void aTaskMayRemoveItsOwnRecordAndAddOthers() throws Exception {
    started();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    runnel.add(
        Integer.class,
        ADDED,
        r ->
            r.source(
                (ctx, out) -> {
                  try {
                    runnel.add(Integer.class, TICK, t -> t.external());
                    runnel.remove(ADDED);
                  } catch (Throwable e) {
                    failure.set(e);
                  }
                  ctx.sleep(Duration.ofDays(1)); // interrupted: its record was removed
                }));
    await(() -> runnel.recordType("rt.tick").isPresent(), "the task added rt.tick");
    await(() -> runnel.recordType("rt.added").isEmpty(), "the task removed its own record");
    assertThat(failure.get()).isNull();
    assertThat(runnel.graphVersion()).isEqualTo(3);
  }

  @Test
  void aNewLaneRunsTheAddedTaskAndItsThreadEndsWithIt() throws Exception {
    started();
    runnel
        .change()
        .lane("fast", LaneSpec.dedicated())
        .configure(
            Long.class,
            TICK,
            r ->
                r.lane("fast")
                    .source(
                        (ctx, out) -> {
                          Ticker t = ctx.ticker(Duration.ofMillis(1));
                          for (long i = 0; ; i++) {
                            t.await();
                            out.produce(i);
                          }
                        }))
        .commit();
    await(
        () -> runnel.inspect().lane("fast").orElseThrow().liveThreads() == 1,
        "the dedicated lane runs its thread");
    Reader<Long> r = runnel.subscribe(Long.class, TICK);
    assertThat(r.recv(Duration.ofSeconds(5))).isNotNull();
    assertThatThrownBy(() -> runnel.change().lane("fast", LaneSpec.virtual()).commit())
        .hasMessageContaining("lane 'fast' exists already");
    runnel.remove(TICK);
    assertThat(runnel.inspect().lane("fast").orElseThrow().liveThreads()).isZero();
  }

  @Test
  void changesBeforeStartAreStartedWithThePipeline() throws Exception {
    CountingHook hook = new CountingHook(null, null);
    runnel = Runnel.builder().configure(Integer.class, IN, r -> r.external()).build();
    runnel.add(Integer.class, DOUBLED, r -> r.hook(hook).transform(Integer.class, IN, v -> v * 2));
    runnel.add(Integer.class, ADDED, r -> r.transform(Integer.class, IN, v -> v));
    runnel.remove(ADDED);
    assertThat(runnel.inspect().record("rt.in").orElseThrow().consumers()).isEqualTo(1);
    assertThat(hook.restored).hasValue(0);
    runnel.start();
    assertThat(hook.restored).hasValue(1);
    Reader<Integer> out = runnel.subscribe(Integer.class, DOUBLED);
    runnel.producer(Integer.class, IN).produce(4);
    assertThat(out.recv(Duration.ofSeconds(5))).isEqualTo(8);
    runnel.close();
    assertThat(hook.closed).hasValue(1);
    assertThatThrownBy(() -> runnel.remove(IN)).isInstanceOf(IllegalStateException.class);
  }

  /**
   * A 1 kHz source on a dedicated lane keeps its period while records are added and removed in a
   * loop, each change holding the change lock for 200 ms (a hook that attaches slowly): a change
   * that stopped the world would show as a tick at least that late. (200 ms, not less, so that a
   * loaded 2-core CI machine's own scheduling delays cannot be mistaken for it.)
   */
  @Test
  void aOneKilohertzRecordKeepsTickingWhileRecordsComeAndGo() throws Exception {
    runnel =
        Runnel.builder()
            .lane("control", LaneSpec.dedicated())
            .configure(
                Long.class,
                TICK,
                r ->
                    r.lane("control")
                        .source(
                            (ctx, out) -> {
                              Ticker t = ctx.ticker(Duration.ofMillis(1));
                              for (long i = 0; ; i++) {
                                t.await();
                                out.produce(i);
                              }
                            })
                        .tap("sink", (c, v) -> {}))
            .build()
            .start();
    RecordHook<Object> slowAttach =
        new RecordHook<>() {
          @Override
          public String name() {
            return "slow-attach";
          }

          @Override
          public void attach(RecordKey key, Class<?> type, LaneSpec writerLane) {
            try {
              Thread.sleep(200);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }

          @Override
          public void produced(Object value) {}
        };
    Thread.sleep(300); // warm up
    long changes = 0;
    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1800);
    for (int i = 0; System.nanoTime() < end; i++) {
      RecordKey k = RecordKey.of("rt.station" + i);
      runnel.add(
          Long.class,
          k,
          r -> r.hook(slowAttach).transform(Long.class, TICK, v -> v).tap("t", (c, v) -> {}));
      runnel.remove(k);
      changes += 2;
    }
    TaskInfo.Lateness late = runnel.inspect().task("rt.tick/source").orElseThrow().lateness();
    assertThat(changes).isGreaterThanOrEqualTo(10);
    assertThat(late.ticks() + late.missedTicks())
        .as("the ticker ran throughout")
        .isGreaterThan(1000);
    // a tick delayed by a change holding its lock would be at least 200 ms late
    assertThat(late.maxNanos())
        .as(
            "max lateness of the 1 kHz source (p99 %d us, %d ticks, %d missed)",
            late.p99Nanos() / 1000, late.ticks(), late.missedTicks())
        .isLessThan(TimeUnit.MILLISECONDS.toNanos(150));
  }

  @Test
  void graphChangeReadersThatFallBehindAreToldHowManyTheyMissed() throws Exception {
    started();
    Reader<GraphChange> slow = runnel.graphChanges();
    for (int i = 0; i < 300; i++) {
      runnel.add(Integer.class, ADDED, r -> r.external());
      runnel.remove(ADDED);
    }
    assertThatThrownBy(slow::tryRecv).isInstanceOf(io.runnel.buffer.LaggedException.class);
    assertThat(slow.missed()).isEqualTo(600 - 256);
    GraphChange next = slow.tryRecv();
    assertThat(next.version()).isEqualTo(600 - 256 + 1);
    runnel.close();
    assertThatThrownBy(
            () -> {
              while (slow.tryRecv() != null) {} // drains what is held, then the end
            })
        .isInstanceOf(EndOfStreamException.class);
  }

  @Test
  void aConnectorMayAddRecordsFromItsStartAndItsOwnThreads() throws Exception {
    CountingHook hook = new CountingHook(99, null);
    AtomicReference<Thread> discoverer = new AtomicReference<>();
    io.runnel.spi.Connector connector =
        new io.runnel.spi.Connector() {
          @Override
          public String name() {
            return "discovery";
          }

          @Override
          public void start(Runnel r) {
            // at start: before the tasks run, so the record starts with them (and is restored)
            r.add(
                Integer.class, ADDED, reg -> reg.hook(hook).buffer(BufferSpec.latest()).external());
            // later, from the connector's own thread (a newly discovered station, say)
            Thread t =
                Thread.ofPlatform()
                    .name("discovery")
                    .start(() -> r.add(Integer.class, TICK, reg -> reg.external()));
            discoverer.set(t);
          }

          @Override
          public io.runnel.spi.ConnectorStatus status() {
            return new io.runnel.spi.ConnectorStatus(
                "discovery", "test", true, null, 0, 0, 0, Map.of());
          }
        };
    runnel =
        Runnel.builder()
            .configure(Integer.class, IN, r -> r.external())
            .connector(connector)
            .build()
            .start();
    discoverer.get().join(5000);
    assertThat(runnel.recordType("rt.tick")).contains(Integer.class);
    assertThat(hook.restored).hasValue(1);
    assertThat(runnel.subscribe(Integer.class, ADDED).recv(Duration.ofSeconds(5))).isEqualTo(99);
    assertThat(runnel.graphVersion()).isEqualTo(2);
  }

  @Test
  void underASimulationChangesTakeEffectAsTheSimulationRuns() throws Exception {
    try (io.runnel.sim.Simulation sim = io.runnel.sim.Simulation.withSeed(3)) {
      CountingHook hook = new CountingHook(null, null);
      Runnel r = sim.builder().configure(Integer.class, IN, reg -> reg.external()).build().start();
      r.add(
          Long.class,
          TICK,
          reg ->
              reg.hook(hook)
                  .source(
                      (ctx, out) -> {
                        Ticker t = ctx.ticker(Duration.ofSeconds(1));
                        for (long i = 0; ; i++) {
                          t.await();
                          out.produce(i);
                        }
                      }));
      Reader<Long> ticks = r.subscribe(Long.class, TICK);
      sim.advance(Duration.ofSeconds(10).plusMillis(500));
      assertThat(countHeld(ticks)).as("ticks at 0 s to 10 s").isEqualTo(11);
      r.remove(TICK);
      sim.advance(Duration.ofSeconds(1));
      await(() -> hook.closed.get() == 1, "the removed record's hook closed");
      assertThat(r.inspect().tasks()).isEmpty();
    }
  }

  @Test
  void aTaskOnACooperativeLaneRemovesARecordWhoseTapsShareItsSlot() throws Exception {
    CountingHook hook = new CountingHook(null, null);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    AtomicInteger removedAt = new AtomicInteger(-1);
    java.util.concurrent.atomic.AtomicLong removeMillis =
        new java.util.concurrent.atomic.AtomicLong();
    runnel =
        Runnel.builder()
            .lane("coop", LaneSpec.cooperative(8))
            .configure(
                Integer.class,
                ADDED,
                r -> r.hook(hook).external().lane("coop").tap("slow", (c, v) -> {}))
            .configure(
                Integer.class,
                TICK,
                r ->
                    r.lane("coop")
                        .source(
                            (ctx, out) -> {
                              for (int i = 0; ; i++) {
                                ctx.sleep(Duration.ofMillis(2));
                                out.produce(i);
                                if (i == 5) {
                                  try {
                                    long t0 = System.nanoTime();
                                    runnel.remove(ADDED); // the tap needs this lane's one slot
                                    removeMillis.set((System.nanoTime() - t0) / 1_000_000);
                                    removedAt.set(i);
                                  } catch (Throwable e) {
                                    failure.set(e);
                                  }
                                }
                              }
                            }))
            .build()
            .start();
    await(() -> hook.closed.get() == 1, "the removed record's hook closed");
    assertThat(failure.get()).isNull();
    assertThat(removedAt).hasValue(5);
    // not held up until the shutdown timeout (5 s) waiting for a tap that needs the caller's slot
    assertThat(removeMillis.get()).isLessThan(1000);
    assertThat(hook.closed).hasValue(1);
    Reader<Integer> ticks = runnel.subscribe(Integer.class, TICK);
    assertThat(ticks.recv(Duration.ofSeconds(5))).as("the remover goes on").isGreaterThan(5);
  }

  /**
   * Four threads add and remove records (a transform and its tap each) concurrently while another
   * inspects: every snapshot is one graph, never a mix (every task's record and every edge's ends
   * are in it, every consumer count matches its readers), and the end state is exact.
   */
  @Test
  void concurrentChangesAreEachAtomicToInspection() throws Exception {
    started();
    int threads = 4;
    int rounds = 40;
    AtomicReference<Throwable> failure = new AtomicReference<>();
    java.util.concurrent.atomic.AtomicBoolean done =
        new java.util.concurrent.atomic.AtomicBoolean();
    AtomicInteger snapshots = new AtomicInteger();
    Thread inspector =
        Thread.ofPlatform()
            .start(
                () -> {
                  while (!done.get() && failure.get() == null) {
                    try {
                      GraphSnapshot s = runnel.inspect();
                      java.util.Set<String> nodes = new java.util.HashSet<>();
                      s.records().forEach(r -> nodes.add("record:" + r.key()));
                      s.tasks().forEach(t -> nodes.add("task:" + t.id()));
                      for (TaskInfo t : s.tasks()) {
                        assertThat(nodes).contains("record:" + t.key());
                        t.inputs().forEach(in -> assertThat(nodes).contains("record:" + in));
                      }
                      s.edges().forEach(e -> assertThat(nodes).contains(e.from(), e.to()));
                      long readersOfIn =
                          s.tasks().stream().filter(t -> t.inputs().contains("rt.in")).count();
                      assertThat(s.record("rt.in").orElseThrow().consumers())
                          .isEqualTo((int) readersOfIn);
                      snapshots.incrementAndGet();
                    } catch (Throwable e) {
                      failure.compareAndSet(null, e);
                    }
                  }
                });
    List<Thread> changers = new java.util.ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int id = t;
      changers.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    try {
                      for (int i = 0; i < rounds; i++) {
                        RecordKey k = RecordKey.of("rt.c" + id + "x" + i);
                        runnel.add(
                            Integer.class,
                            k,
                            r -> r.transform(Integer.class, IN, v -> v).tap("t", (c, v) -> {}));
                        if (i % 2 == 0) {
                          runnel.remove(k);
                        }
                      }
                    } catch (Throwable e) {
                      failure.compareAndSet(null, e);
                    }
                  }));
    }
    for (Thread c : changers) {
      c.join(20_000);
    }
    done.set(true);
    inspector.join(5_000);
    assertThat(failure.get()).isNull();
    assertThat(snapshots.get()).isPositive();
    GraphSnapshot end = runnel.inspect();
    // rt.in, rt.doubled, and the half of the added records that were kept
    assertThat(end.records()).hasSize(2 + threads * rounds / 2);
    assertThat(runnel.graphVersion()).isEqualTo(threads * rounds * 3 / 2);
    assertThat(end.record("rt.in").orElseThrow().consumers()).isEqualTo(1 + threads * rounds / 2);
  }

  private static long countHeld(Reader<Long> r) {
    long n = 0;
    while (r.tryRecv() != null) {
      n++;
    }
    return n;
  }
}
