package io.runnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.buffer.BufferSpec;
import io.runnel.buffer.Producer;
import io.runnel.buffer.Reader;
import io.runnel.inspect.GraphSnapshot;
import io.runnel.inspect.RecordInfo;
import io.runnel.spi.Connector;
import io.runnel.spi.ConnectorStatus;
import io.runnel.spi.RecordHook;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The extension points used by runnel-store and the connectors: record hooks and connectors. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ExtensionTest {

  static final RecordKey NUMBERS = RecordKey.of("test.numbers");
  static final RecordKey STATE = RecordKey.of("test.state");
  static final RecordKey OUTSIDE = RecordKey.of("test.outside");

  /** Records what it sees, in order, and what happens to it. */
  static final class Recorder<T> implements RecordHook<T> {
    final List<Object> seen = new CopyOnWriteArrayList<>();
    final List<String> events = new CopyOnWriteArrayList<>();
    T restore;
    RecordKey attachedTo;

    @Override
    public String name() {
      return "rec";
    }

    @Override
    public void attach(RecordKey key, Class<?> type, LaneSpec writerLane) {
      if (attachedTo != null) {
        throw new IllegalStateException("already attached to " + attachedTo.id());
      }
      attachedTo = key;
      events.add("attach " + key.id() + " " + type.getSimpleName() + " on " + writerLane);
    }

    @Override
    public T restore() {
      events.add("restore");
      return restore;
    }

    @Override
    public void produced(T value) {
      seen.add(value);
    }

    @Override
    public void close() {
      events.add("close");
    }

    @Override
    public Map<String, Long> counters() {
      return Map.of("seen", (long) seen.size());
    }
  }

  @Test
  void aHookSeesEveryProducedValueInOrderAndShowsItsCounters() throws Exception {
    Recorder<Integer> hook = new Recorder<>();
    List<Integer> tapped = new CopyOnWriteArrayList<>();
    Runnel runnel =
        Runnel.builder()
            .configure(
                Integer.class,
                NUMBERS,
                r ->
                    r.buffer(BufferSpec.ring(1 << 12))
                        .hook(hook)
                        .source(
                            (ctx, out) -> {
                              for (int i = 0; i < 1000; i++) {
                                out.produce(i);
                              }
                            })
                        .tap((ctx, v) -> tapped.add(v)))
            .build();
    assertThat(hook.events).containsExactly("attach test.numbers Integer on virtual");
    runnel.start();
    assertThat(runnel.awaitCompletion(Duration.ofSeconds(20))).isTrue();
    RecordInfo info = runnel.inspect().record("test.numbers").orElseThrow();
    assertThat(info.hookCounters()).containsEntry("rec.seen", 1000L);
    assertThat(runnel.inspect().toJson()).contains("\"hookCounters\": {\"rec.seen\": 1000}");
    assertThat(runnel.inspect().toTable()).contains("test.numbers: rec.seen=1000");
    runnel.close();
    List<Integer> expected = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      expected.add(i);
    }
    assertThat(hook.seen).isEqualTo(expected);
    assertThat(tapped).isEqualTo(expected);
    assertThat(hook.events)
        .containsExactly("attach test.numbers Integer on virtual", "restore", "close");
  }

  @Test
  void aThrowingHookStopsTheValueAndTheProducerSeesTheError() throws Exception {
    List<Integer> tapped = new CopyOnWriteArrayList<>();
    AtomicInteger failures = new AtomicInteger();
    RecordHook<Integer> rejectOdd =
        new RecordHook<>() {
          @Override
          public String name() {
            return "reject-odd";
          }

          @Override
          public void produced(Integer value) {
            if (value % 2 != 0) {
              throw new IllegalStateException("odd " + value);
            }
          }
        };
    try (Runnel runnel =
        Runnel.builder()
            .configure(
                Integer.class,
                NUMBERS,
                r ->
                    r.hook(rejectOdd)
                        .source(
                            (ctx, out) -> {
                              for (int i = 0; i < 10; i++) {
                                try {
                                  out.produce(i);
                                } catch (IllegalStateException e) {
                                  failures.incrementAndGet();
                                }
                              }
                            })
                        .tap((ctx, v) -> tapped.add(v)))
            .build()
            .start()) {
      assertThat(runnel.awaitCompletion(Duration.ofSeconds(20))).isTrue();
    }
    assertThat(tapped).containsExactly(0, 2, 4, 6, 8);
    assertThat(failures).hasValue(5);
  }

  @Test
  void aRestoredValueIsTheFirstValueReadersSeeAndIsNotPassedBackToTheHook() throws Exception {
    Recorder<String> hook = new Recorder<>();
    hook.restore = "restored";
    try (Runnel runnel =
        Runnel.builder()
            .configure(
                String.class, STATE, r -> r.buffer(BufferSpec.latest()).hook(hook).external())
            .build()) {
      Reader<String> early = runnel.subscribe(String.class, STATE);
      runnel.start();
      assertThat(early.recv(Duration.ofSeconds(5))).isEqualTo("restored");
      assertThat(runnel.inspect().record("test.state").orElseThrow().lastValue())
          .isEqualTo("restored");
      Producer<String> out = runnel.producer(String.class, STATE);
      out.produce("live");
      assertThat(early.recv(Duration.ofSeconds(5))).isEqualTo("live");
      assertThat(hook.seen).containsExactly("live"); // outside producers go through hooks too
    }
  }

  @Test
  void aFailingRestoreIsAWarningAndTheRecordStartsEmpty() throws Exception {
    RecordHook<String> broken =
        new RecordHook<>() {
          @Override
          public String name() {
            return "broken";
          }

          @Override
          public String restore() throws Exception {
            throw new java.io.IOException("disk says no");
          }

          @Override
          public void produced(String value) {}
        };
    try (Runnel runnel =
        Runnel.builder()
            .configure(
                String.class, STATE, r -> r.buffer(BufferSpec.latest()).hook(broken).external())
            .build()
            .start()) {
      assertThat(runnel.inspect().record("test.state").orElseThrow().lastValue()).isNull();
      assertThat(runnel.inspect().record("test.state").orElseThrow().produced()).isZero();
    }
  }

  @Test
  void aHookAttachedTwiceOrNullIsReportedByBuild() {
    Recorder<Integer> shared = new Recorder<>();
    assertThatThrownBy(
            () ->
                Runnel.builder()
                    .configure(Integer.class, NUMBERS, r -> r.hook(shared).external())
                    .configure(Integer.class, OUTSIDE, r -> r.hook(shared).external())
                    .build())
        .isInstanceOf(GraphException.class)
        .hasMessageContaining("record 'test.outside': hook 'rec' cannot be attached")
        .hasMessageContaining("already attached to test.numbers");
    assertThatThrownBy(
            () ->
                Runnel.builder()
                    .configure(Integer.class, STATE, r -> r.hook(null).external())
                    .build())
        .isInstanceOf(GraphException.class)
        .hasMessageContaining("record 'test.state': hook must not be null");
  }

  @Test
  void aHookIsAttachedAtBuildWithItsWritersLaneAndOnlyIfTheGraphIsValid() {
    Recorder<Integer> hook = new Recorder<>();
    Runnel.builder()
        .lane("rt", LaneSpec.dedicated())
        .configure(Integer.class, NUMBERS, r -> r.hook(hook).lane("rt").source((ctx, out) -> {}))
        .build()
        .close();
    assertThat(hook.events)
        .containsExactly("attach test.numbers Integer on dedicated(spin_then_park)", "close");
    Recorder<Integer> notAttached = new Recorder<>();
    assertThatThrownBy(
            () ->
                Runnel.builder()
                    .configure(
                        Integer.class, NUMBERS, r -> r.hook(notAttached).source((c, o) -> {}))
                    .configure(Integer.class, NUMBERS, r -> r.external())
                    .build())
        .isInstanceOf(GraphException.class);
    assertThat(notAttached.events).isEmpty(); // a failed build has no side effects on hooks
  }

  @Test
  void aValueProducedIntoAClosedRecordNeverReachesItsHooks() throws Exception {
    Recorder<String> hook = new Recorder<>();
    Runnel runnel =
        Runnel.builder()
            .configure(String.class, STATE, r -> r.hook(hook).external())
            .build()
            .start();
    Producer<String> out = runnel.producer(String.class, STATE);
    out.produce("before");
    runnel.close();
    assertThatThrownBy(() -> out.produce("after"))
        .isInstanceOf(io.runnel.buffer.BufferClosedException.class);
    assertThat(hook.seen).containsExactly("before");
  }

  /** A connector that records its lifecycle against the pipeline's. */
  static final class FakeLink implements Connector {
    final String name;
    final List<String> events;
    final AtomicLong sent = new AtomicLong();
    volatile boolean connected;
    volatile Producer<String> out;
    Exception failStart;
    List<String> problems = List.of();
    RuntimeException failProblems;

    FakeLink(String name, List<String> events) {
      this.name = name;
      this.events = events;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public void start(Runnel runnel) throws Exception {
      events.add(name + " start, pipeline " + runnel.state());
      if (failStart != null) {
        throw failStart;
      }
      out = runnel.producer(String.class, OUTSIDE);
      connected = true;
    }

    @Override
    public void close() {
      events.add(name + " close");
      connected = false;
    }

    @Override
    public List<String> problems() {
      if (failProblems != null) {
        throw failProblems;
      }
      return problems;
    }

    @Override
    public ConnectorStatus status() {
      return new ConnectorStatus(
          name, "fake", connected, null, 3, 1, 0, Map.of("sent", sent.get()));
    }
  }

  @Test
  void aConnectorsProblemsAreListedByBuildWithTheGraphsAndNothingStarts() {
    List<String> events = new CopyOnWriteArrayList<>();
    FakeLink a = new FakeLink("a", events);
    a.problems = List.of("route 'x': gap: no version 2", "route 'y': no codec for version 1");
    FakeLink b = new FakeLink("b", events);
    b.failProblems = new IllegalStateException("boom");
    FakeLink fine = new FakeLink("fine", events);
    Recorder<Integer> hook = new Recorder<>();
    GraphException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            GraphException.class,
            () ->
                Runnel.builder()
                    .connector(a)
                    .connector(b)
                    .connector(fine)
                    .configure(
                        Integer.class,
                        NUMBERS,
                        r ->
                            r.hook(hook)
                                .transform(Integer.class, RecordKey.of("test.missing"), v -> v))
                    .build());
    assertThat(e.problems())
        .extracting(GraphProblem::kind, GraphProblem::message)
        .contains(
            org.assertj.core.groups.Tuple.tuple(
                GraphProblem.Kind.INVALID_CONNECTOR, "connector 'a': route 'x': gap: no version 2"),
            org.assertj.core.groups.Tuple.tuple(
                GraphProblem.Kind.INVALID_CONNECTOR,
                "connector 'a': route 'y': no codec for version 1"),
            org.assertj.core.groups.Tuple.tuple(
                GraphProblem.Kind.INVALID_CONNECTOR,
                "connector 'b': problems() threw java.lang.IllegalStateException: boom"));
    assertThat(e.problems())
        .extracting(GraphProblem::kind)
        .contains(GraphProblem.Kind.MISSING_INPUT);
    assertThat(e.problems())
        .filteredOn(p -> p.message().contains("'fine'"))
        .as("a connector without problems adds none")
        .isEmpty();
    assertThat(events).as("nothing started").isEmpty();
    assertThat(hook.events).as("no hook attached").isEmpty();
  }

  @Test
  void connectorsStartBeforeTasksCloseAfterThemAndShowInInspection() throws Exception {
    List<String> events = new CopyOnWriteArrayList<>();
    FakeLink link = new FakeLink("link", events);
    Runnel runnel =
        Runnel.builder()
            .connector(link)
            .configure(String.class, OUTSIDE, r -> r.external().tap((ctx, v) -> events.add(v)))
            .configure(
                Integer.class,
                NUMBERS,
                r ->
                    r.source(
                        (ctx, out) -> {
                          events.add("task ran");
                          ctx.sleep(Duration.ofDays(1));
                        }))
            .build();
    runnel.start();
    link.out.produce("from outside");
    GraphSnapshot s = runnel.inspect();
    ConnectorStatus status = s.connector("link").orElseThrow();
    assertThat(status.connected()).isTrue();
    assertThat(status.counters()).containsEntry("sent", 0L);
    assertThat(s.toJson()).contains("\"connectors\": [").contains("\"name\": \"link\"");
    assertThat(s.toTable()).contains("connector link (fake): connected backlog=3");
    runnel.close();
    assertThat(events.get(0)).isEqualTo("link start, pipeline BUILT");
    assertThat(events).contains("task ran", "from outside");
    assertThat(events.get(events.size() - 1)).isEqualTo("link close");
  }

  @Test
  void aConnectorThatFailsToStartFailsTheStartAndClosesTheOnesStarted() {
    List<String> events = new CopyOnWriteArrayList<>();
    FakeLink good = new FakeLink("good", events);
    FakeLink bad = new FakeLink("bad", events);
    bad.failStart = new IllegalArgumentException("no such certificate file");
    Runnel runnel =
        Runnel.builder()
            .connector(good)
            .connector(bad)
            .configure(String.class, OUTSIDE, r -> r.external())
            .build();
    assertThatThrownBy(runnel::start)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("connector 'bad' failed")
        .hasMessageContaining("no such certificate file");
    assertThat(events)
        .containsExactly("good start, pipeline BUILT", "bad start, pipeline BUILT", "good close");
    runnel.close();
  }

  @Test
  void twoConnectorsWithOneNameAreReportedByBuild() {
    List<String> events = new ArrayList<>();
    assertThatThrownBy(
            () ->
                Runnel.builder()
                    .connector(new FakeLink("link", events))
                    .connector(new FakeLink("link", events))
                    .build())
        .isInstanceOf(GraphException.class)
        .hasMessageContaining("two connectors are named 'link'");
  }
}
