package io.runnel.inspect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.runnel.JoinInput;
import io.runnel.RecordKey;
import io.runnel.Runnel;
import io.runnel.buffer.BufferSpec;
import io.runnel.buffer.LaggedException;
import io.runnel.buffer.Producer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class InspectTest {

  static final RecordKey IN = RecordKey.of("demo.in");
  static final RecordKey OUT = RecordKey.of("demo.out");
  static final RecordKey HALF = RecordKey.of("demo.half");
  static final RecordKey BOTH = RecordKey.of("demo.both");
  static final RecordKey CMD = RecordKey.of("demo.cmd");

  Runnel runnel;

  @BeforeEach
  void build() {
    runnel =
        Runnel.builder()
            .configure(
                Integer.class,
                IN,
                r -> r.name("input \"quoted\"").external().buffer(BufferSpec.ring(5)))
            .configure(
                Integer.class,
                OUT,
                r -> r.transform(Integer.class, IN, v -> v + 1).tap("log", (ctx, v) -> {}))
            .configure(
                Integer.class,
                HALF,
                r -> r.buffer(BufferSpec.latest()).transform(Integer.class, IN, v -> v / 2))
            .configure(
                String.class,
                BOTH,
                r ->
                    r.join(
                        j -> {
                          JoinInput<Integer> a = j.input(Integer.class, OUT);
                          JoinInput<Integer> b = j.input(Integer.class, HALF);
                          j.onLatest(l -> l.get(a) + "/" + l.get(b));
                        }))
            .configure(String.class, CMD, r -> r.buffer(BufferSpec.mailbox()).external())
            .build()
            .start();
  }

  @AfterEach
  void close() {
    runnel.close();
  }

  @Test
  void metadataCountersAndLastValues() throws Exception {
    var reader = runnel.subscribe(String.class, BOTH);
    Producer<Integer> in = runnel.producer(Integer.class, IN);
    for (int i = 1; i <= 10; i++) {
      in.produce(i);
    }
    Producer<String> cmd = runnel.producer(String.class, CMD);
    cmd.produce("first");
    cmd.produce("second");
    // wait until the join has seen the newest values
    String last = null;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!"11/5".equals(last) && System.nanoTime() < deadline) {
      String v = reader.recv(Duration.ofMillis(100));
      if (v != null) {
        last = v;
      }
    }
    assertThat(last).isEqualTo("11/5");
    GraphSnapshot s = runnel.inspect();
    assertThat(s.state()).isEqualTo("RUNNING");
    RecordInfo in0 = s.record("demo.in").orElseThrow();
    assertThat(in0.name()).isEqualTo("input \"quoted\"");
    assertThat(in0.type()).isEqualTo("java.lang.Integer");
    assertThat(in0.origin()).isEqualTo(RecordInfo.Origin.EXTERNAL);
    assertThat(in0.buffer()).isEqualTo("ring");
    assertThat(in0.capacity()).isEqualTo(8);
    assertThat(in0.producers()).isEqualTo(1);
    assertThat(in0.consumers()).isEqualTo(2);
    assertThat(in0.produced()).isEqualTo(10);
    assertThat(in0.lastValue()).isEqualTo(10);
    RecordInfo out = s.record("demo.out").orElseThrow();
    assertThat(out.origin()).isEqualTo(RecordInfo.Origin.TRANSFORM);
    assertThat(out.consumers()).isEqualTo(2); // the tap and the join
    assertThat(out.lastValue()).isEqualTo(11);
    assertThat(s.record("demo.half").orElseThrow().buffer()).isEqualTo("latest");
    RecordInfo both = s.record("demo.both").orElseThrow();
    assertThat(both.origin()).isEqualTo(RecordInfo.Origin.JOIN);
    assertThat(both.consumers()).isEqualTo(1); // our outside reader
    RecordInfo c = s.record("demo.cmd").orElseThrow();
    assertThat(c.buffer()).isEqualTo("mailbox");
    assertThat(c.produced()).isEqualTo(2);
    assertThat(c.dropped()).isEqualTo(1);
  }

  @Test
  void graphNodesEdgesAndOrder() {
    GraphSnapshot s = runnel.inspect();
    assertThat(s.topologicalOrder())
        .containsExactly("demo.in", "demo.out", "demo.half", "demo.both", "demo.cmd");
    assertThat(s.tasks())
        .extracting(TaskInfo::id)
        .containsExactlyInAnyOrder(
            "demo.out/transform", "demo.out/tap:log", "demo.half/transform", "demo.both/join");
    assertThat(s.task("demo.both/join").orElseThrow().inputs())
        .containsExactly("demo.out", "demo.half");
    assertThat(s.edges())
        .contains(
            new Edge("record:demo.in", "task:demo.out/transform"),
            new Edge("task:demo.out/transform", "record:demo.out"),
            new Edge("record:demo.out", "task:demo.out/tap:log"),
            new Edge("record:demo.out", "task:demo.both/join"),
            new Edge("record:demo.half", "task:demo.both/join"),
            new Edge("task:demo.both/join", "record:demo.both"));
  }

  @Test
  void exportsToDotMermaidAndValidJson() throws Exception {
    runnel.producer(Integer.class, IN).produce(3);
    GraphSnapshot s = runnel.inspect();
    String dot = s.toDot();
    assertThat(dot)
        .startsWith("digraph runnel {")
        .contains("\"record:demo.in\" -> \"task:demo.out/transform\";")
        .endsWith("}\n");
    String mermaid = s.toMermaid();
    assertThat(mermaid).startsWith("flowchart LR").contains("-->").contains("demo.both");
    JsonNode json = new ObjectMapper().readTree(s.toJson());
    assertThat(json.get("records")).hasSize(5);
    assertThat(json.get("tasks")).hasSize(4);
    assertThat(json.get("records").get(0).get("name").asText()).isEqualTo("input \"quoted\"");
    assertThat(json.get("records").get(0).get("produced").asLong()).isEqualTo(1);
    assertThat(json.get("topologicalOrder").get(0).asText()).isEqualTo("demo.in");
    assertThat(s.toTable()).contains("demo.in").contains("produced").contains("ring(8)");
  }

  @Test
  void aReaderThatStoppedReadingShowsHowFarBehindItIsBeforeItReadsAgain() throws Exception {
    RecordKey fast = RecordKey.of("demo.fast");
    try (Runnel r =
        Runnel.builder()
            .configure(Integer.class, fast, c -> c.external().buffer(BufferSpec.ring(1024)))
            .build()
            .start()) {
      var stalled = r.subscribe(Integer.class, fast);
      var keeping = r.subscribe(Integer.class, fast);
      Producer<Integer> out = r.producer(Integer.class, fast);
      for (int i = 0; i < 100_000; i++) {
        out.produce(i);
        if (i % 512 == 0) {
          while (keeping.tryRecv() != null) {} // a reader that keeps up
        }
      }
      RecordInfo info = r.inspect().record("demo.fast").orElseThrow();
      assertThat(info.lagged()).isZero(); // counted only once the stalled reader reads
      assertThat(info.maxBacklog()).isEqualTo(100_000);
      assertThat(info.wouldLag()).isEqualTo(100_000 - 1024);
      String json = r.inspect().toJson();
      assertThat(new ObjectMapper().readTree(json).get("records").get(0).get("maxBacklog").asLong())
          .isEqualTo(100_000);
      assertThat(r.inspect().toTable()).contains("behind").contains("98976");
      // the stalled reader reads: it is told exactly what the snapshot said it would miss
      assertThatThrownBy(stalled::tryRecv)
          .isInstanceOfSatisfying(
              LaggedException.class, e -> assertThat(e.missed()).isEqualTo(100_000 - 1024));
      info = r.inspect().record("demo.fast").orElseThrow();
      assertThat(info.lagged()).isEqualTo(100_000 - 1024);
      assertThat(info.maxBacklog()).isEqualTo(1024);
      assertThat(info.wouldLag()).isZero();
      while (stalled.tryRecv() != null) {}
      while (keeping.tryRecv() != null) {}
      assertThat(r.inspect().record("demo.fast").orElseThrow().maxBacklog()).isZero();
    }
  }
}
