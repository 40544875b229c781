package io.runnel.remote;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.runnel.remote.Fixture.Kind;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every method and every error code of docs/REMOTE.md, on both transports, against a real pipeline.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProtocolTest {
  @TempDir static Path tmp;
  Fixture f;

  @BeforeAll
  void start() throws Exception {
    f = new Fixture(tmp);
  }

  @AfterAll
  void stop() {
    f.close();
  }

  static String code(JsonNode response) {
    assertThat(response.has("error")).as("an error: %s", response).isTrue();
    return response.get("error").get("data").get("reason").asText();
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void helloReportsTheServer(Kind kind) throws Exception {
    try (RpcClient c = f.connect(kind)) {
      JsonNode r = c.hello(f.readToken);
      assertThat(r.get("protocol").asInt()).isEqualTo(1);
      assertThat(r.get("node").asText()).isEqualTo("test-node");
      assertThat(r.get("pipeline").asText()).isEqualTo("remote-demo");
      assertThat(r.get("role").asText()).isEqualTo("read");
      assertThat(r.get("client").asText()).isEqualTo("test-client");
      assertThat(r.get("capabilities").toString())
          .contains("\"watch\"", "\"set\"", "\"query\"", "\"history\"")
          .doesNotContain("metrics");
      assertThat(r.get("limits").get("maxMessageBytes").asInt()).isEqualTo(256 * 1024);
      // a second hello is refused
      assertThat(code(c.call("hello", "{\"protocol\":1,\"token\":\"" + f.readToken + "\"}")))
          .isEqualTo("invalid_request");
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void newerProtocolIsRefused(Kind kind) throws Exception {
    try (RpcClient c = f.connect(kind)) {
      JsonNode r = c.call("hello", "{\"protocol\":2,\"token\":\"" + f.readToken + "\"}");
      assertThat(code(r)).isEqualTo("invalid_params");
      assertThat(r.get("error").get("data").get("supported").toString()).isEqualTo("[1]");
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void recordsListsEveryRecordWithSchema(Kind kind) throws Exception {
    try (RpcClient c = f.connect(kind)) {
      c.hello(f.readToken);
      JsonNode records = c.call("records", null).get("result").get("records");
      List<String> keys = new ArrayList<>();
      records.forEach(r -> keys.add(r.get("key").asText()));
      assertThat(keys)
          .contains("demo.tick", "demo.state", "demo.setpoint", "demo.temp", "demo.command");
      JsonNode sp = find(records, "demo.setpoint");
      assertThat(sp.get("writable").asBoolean()).isTrue();
      assertThat(sp.get("origin").asText()).isEqualTo("external");
      assertThat(sp.get("schema").get("properties").has("celsius")).isTrue();
      assertThat(sp.get("schema").get("properties").get("celsius").get("type").asText())
          .isEqualTo("number");
      assertThat(sp.get("schema").get("$schema").asText()).contains("2020-12");
      JsonNode tick = find(records, "demo.tick");
      assertThat(tick.get("buffer").asText()).isEqualTo("ring");
      assertThat(tick.get("writable").asBoolean()).isFalse();
      assertThat(tick.get("produced").asLong()).isPositive();
      assertThat(tick.get("schema").get("properties").get("at").get("type").asText())
          .isEqualTo("string");
      JsonNode temp = find(records, "demo.temp");
      assertThat(temp.get("persisted").asBoolean()).isTrue();
      assertThat(temp.get("hooks").has("persist.appended")).isTrue();
      assertThat(find(records, "demo.command").get("persisted").asBoolean()).isFalse();
    }
  }

  static JsonNode find(JsonNode records, String key) {
    for (JsonNode r : records) {
      if (r.get("key").asText().equals(key)) {
        return r;
      }
    }
    throw new AssertionError("no record " + key + " in " + records);
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void getReturnsTheLatestValue(Kind kind) throws Exception {
    try (RpcClient c = f.connect(kind)) {
      c.hello(f.readToken);
      JsonNode r = c.call("get", "{\"key\":\"demo.state\"}").get("result");
      assertThat(r.get("present").asBoolean()).isTrue();
      assertThat(r.get("value").get("mode").asText()).isIn("heat", "idle");
      JsonNode tick = c.call("get", "{\"key\":\"demo.tick\"}").get("result");
      assertThat(tick.get("value").get("at").asText()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
      assertThat(code(c.call("get", "{\"key\":\"no.such\"}"))).isEqualTo("not_found");
      JsonNode nf = c.call("get", "{\"key\":\"no.such\"}");
      assertThat(nf.get("error").get("data").get("key").asText()).isEqualTo("no.such");
      assertThat(nf.get("error").get("code").asInt()).isEqualTo(-32004);
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void graphInThreeFormats(Kind kind) throws Exception {
    try (RpcClient c = f.connect(kind)) {
      c.hello(f.readToken);
      JsonNode g = c.call("graph", null).get("result");
      assertThat(g.get("nodes").toString()).contains("record:demo.tick", "task:");
      assertThat(g.get("edges").size()).isPositive();
      assertThat(g.get("order").toString()).contains("demo.tick");
      assertThat(c.call("graph", "{\"format\":\"dot\"}").get("result").get("text").asText())
          .startsWith("digraph");
      assertThat(c.call("graph", "{\"format\":\"mermaid\"}").get("result").get("text").asText())
          .startsWith("flowchart");
      JsonNode bad = c.call("graph", "{\"format\":\"svg\"}");
      assertThat(code(bad)).isEqualTo("invalid_params");
      assertThat(bad.get("error").get("data").get("param").asText()).isEqualTo("format");
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void inspectAndStats(Kind kind) throws Exception {
    try (RpcClient c = f.connect(kind)) {
      c.hello(f.readToken);
      JsonNode i = c.call("inspect", null).get("result");
      assertThat(i.get("records").size()).isEqualTo(5);
      assertThat(i.get("tasks").size()).isPositive();
      assertThat(i.get("lanes").size()).isPositive();
      assertThat(i.has("connectors")).isTrue();
      assertThat(i.get("tasks").get(0).has("lateness")).isTrue();
      assertThat(ProtocolTest.find(i.get("records"), "demo.state").get("lastValue").has("mode"))
          .isTrue();
      f.demo.store.cursor("protocol.test").advanceTo(0);
      JsonNode s = c.call("stats", null).get("result");
      assertThat(s.get("connectionsOpen").asLong()).isPositive();
      assertThat(s.get("requests").get("inspect").asLong()).isPositive();
      assertThat(s.get("store").get("appended").asLong()).isPositive();
      JsonNode cursor = s.get("store").get("cursors").get(0);
      assertThat(cursor.get("name").asText()).isEqualTo("protocol.test");
      assertThat(cursor.get("position").asLong()).isZero();
      assertThat(cursor.get("behind").asLong()).isNotNegative();
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void watchDeliversEveryValueOrCountsIt(Kind kind) throws Exception {
    try (RpcClient c = f.connect(kind)) {
      c.hello(f.readToken);
      JsonNode w = c.call("watch", "{\"keys\":[\"demo.tick\"]}").get("result");
      long sub = w.get("sub").asLong();
      long expected = -1;
      long values = 0;
      long missed = 0;
      while (values < 300) {
        JsonNode n = c.notification();
        JsonNode p = n.get("params");
        assertThat(p.get("sub").asLong()).isEqualTo(sub);
        switch (n.get("method").asText()) {
          case "watch.value" -> {
            long got = p.get("value").get("n").asLong();
            if (expected >= 0) {
              assertThat(got).as("no gap without watch.missed").isEqualTo(expected);
            }
            expected = got + 1;
            values++;
          }
          case "watch.missed" -> {
            missed += p.get("count").asLong();
            assertThat(p.get("total").asLong()).isEqualTo(missed);
            expected += p.get("count").asLong();
          }
          default -> throw new AssertionError("unexpected " + n);
        }
      }
      JsonNode u = c.call("unwatch", "{\"sub\":" + sub + "}").get("result");
      assertThat(u.get("delivered").asLong()).isGreaterThanOrEqualTo(values);
      assertThat(u.get("missed").asLong()).isGreaterThanOrEqualTo(missed);
      assertThat(code(c.call("unwatch", "{\"sub\":" + sub + "}"))).isEqualTo("not_found");
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void watchOfLatestStartsWithTheCurrentValue(Kind kind) throws Exception {
    try (RpcClient c = f.connect(kind)) {
      c.hello(f.readToken);
      long t0 = System.nanoTime();
      c.call("watch", "{\"keys\":[\"demo.state\",\"demo.tick\"],\"queue\":8}");
      JsonNode n =
          c.next(m -> m.has("params") && "demo.state".equals(m.get("params").path("key").asText()));
      assertThat(n.get("method").asText()).isEqualTo("watch.value");
      assertThat(n.get("params").get("value").has("mode")).isTrue();
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(2));
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void setWritesAnAllowListedExternalRecord(Kind kind) throws Exception {
    try (RpcClient c = f.connect(kind)) {
      c.hello(f.writeToken);
      long before = f.demo.setpointsTapped.get();
      double celsius = kind == Kind.UNIX ? 19.5 : 21.25;
      JsonNode r =
          c.call(
              "set",
              "{\"key\":\"demo.setpoint\",\"value\":{\"celsius\":"
                  + celsius
                  + ",\"mode\":\"eco\"}}");
      assertThat(r.get("result").get("accepted").asBoolean()).as(r.toString()).isTrue();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (f.demo.setpointsTapped.get() == before && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      assertThat(f.demo.lastSetpoint).isEqualTo(new Demo.Setpoint(celsius, "eco"));
      // does not decode: nothing produced
      long after = f.demo.setpointsTapped.get();
      JsonNode bad = c.call("set", "{\"key\":\"demo.setpoint\",\"value\":{\"celsius\":\"warm\"}}");
      assertThat(code(bad)).isEqualTo("decode_failed");
      assertThat(bad.get("error").get("data").get("detail").asText()).contains("celsius");
      assertThat(
              code(
                  c.call(
                      "set",
                      "{\"key\":\"demo.setpoint\",\"value\":{\"celsius\":1,\"mode\":\"x\",\"extra\":1}}")))
          .isEqualTo("decode_failed");
      assertThat(code(c.call("set", "{\"key\":\"demo.setpoint\",\"value\":null}")))
          .isEqualTo("decode_failed");
      // not on the allow-list, or no such record
      JsonNode forbidden =
          c.call("set", "{\"key\":\"demo.command\",\"value\":{\"celsius\":1,\"mode\":\"x\"}}");
      assertThat(code(forbidden)).isEqualTo("forbidden");
      assertThat(code(c.call("set", "{\"key\":\"no.such\",\"value\":1}"))).isEqualTo("not_found");
      assertThat(code(c.call("set", "{\"key\":\"demo.setpoint\"}"))).isEqualTo("invalid_params");
      Thread.sleep(50); // nothing to await: the absence of a value
      assertThat(f.demo.setpointsTapped.get()).isEqualTo(after);
      JsonNode got = c.call("get", "{\"key\":\"demo.setpoint\"}").get("result");
      assertThat(got.get("value").get("celsius").asDouble()).isEqualTo(celsius);
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void readTokenCannotWrite(Kind kind) throws Exception {
    try (RpcClient c = f.connect(kind)) {
      c.hello(f.readToken);
      long before = f.demo.setpointsTapped.get();
      JsonNode r =
          c.call("set", "{\"key\":\"demo.setpoint\",\"value\":{\"celsius\":1,\"mode\":\"x\"}}");
      assertThat(code(r)).isEqualTo("forbidden");
      assertThat(r.get("error").get("code").asInt()).isEqualTo(-32003);
      assertThat(f.demo.setpointsTapped.get()).isEqualTo(before);
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void envelopeErrors(Kind kind) throws Exception {
    try (RpcClient c = f.connect(kind)) {
      long parseErrors = f.server.stats().rejected("parse_error");
      c.sendRaw("{not json");
      JsonNode pe = c.next(m -> m.has("error"));
      assertThat(code(pe)).isEqualTo("parse_error");
      assertThat(pe.get("error").get("code").asInt()).isEqualTo(-32700);
      assertThat(pe.get("id").isNull()).isTrue();
      assertThat(f.server.stats().rejected("parse_error")).isGreaterThan(parseErrors);
      c.sendRaw("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"records\"}]");
      assertThat(code(c.next(m -> m.has("error")))).isEqualTo("invalid_request");
      c.sendRaw("{\"jsonrpc\":\"2.0\",\"method\":\"records\"}");
      assertThat(code(c.next(m -> m.has("error")))).isEqualTo("invalid_request");
      c.sendRaw("{\"id\":7,\"method\":\"records\"}");
      JsonNode noVersion = c.next(m -> m.has("error"));
      assertThat(code(noVersion)).isEqualTo("invalid_request");
      assertThat(noVersion.get("id").asInt()).isEqualTo(7);
      c.sendRaw("\"just a string\"");
      assertThat(code(c.next(m -> m.has("error")))).isEqualTo("invalid_request");
      // before hello
      JsonNode unauth = c.call("records", null);
      assertThat(code(unauth)).isEqualTo("unauthenticated");
      assertThat(unauth.get("error").get("code").asInt()).isEqualTo(-32001);
      c.hello(f.readToken);
      JsonNode unknown = c.call("reboot", null);
      assertThat(code(unknown)).isEqualTo("unknown_method");
      assertThat(unknown.get("error").get("data").get("methods").toString()).contains("watch");
      JsonNode wrongType = c.call("get", "{\"key\":5}");
      assertThat(code(wrongType)).isEqualTo("invalid_params");
      assertThat(wrongType.get("error").get("data").get("param").asText()).isEqualTo("key");
      JsonNode unknownParam = c.call("get", "{\"key\":\"demo.tick\",\"colour\":1}");
      assertThat(unknownParam.get("error").get("data").get("param").asText()).isEqualTo("colour");
      assertThat(code(c.call("get", "[1]"))).isEqualTo("invalid_params");
      assertThat(code(c.call("watch", "{\"keys\":\"demo.tick\"}"))).isEqualTo("invalid_params");
      assertThat(code(c.call("watch", "{\"keys\":[]}"))).isEqualTo("invalid_params");
      assertThat(code(c.call("watch", "{\"keys\":[\"no.such\"]}"))).isEqualTo("not_found");
      assertThat(code(c.call("query", "{\"key\":\"demo.temp\",\"from\":\"yesterday\"}")))
          .isEqualTo("invalid_params");
      // the connection still works
      assertThat(c.call("records", null).has("result")).isTrue();
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void limits(Kind kind) throws Exception {
    try (RpcClient c = f.connect(kind)) {
      c.hello(f.readToken);
      JsonNode q = c.call("watch", "{\"keys\":[\"demo.tick\"],\"queue\":100000}");
      assertThat(code(q)).isEqualTo("limit_exceeded");
      assertThat(q.get("error").get("data").get("limit").asText()).isEqualTo("watchQueue");
      for (int i = 0; i < 16; i++) {
        assertThat(c.call("watch", "{\"keys\":[\"demo.state\"],\"queue\":1}").has("result"))
            .isTrue();
      }
      JsonNode tooMany = c.call("watch", "{\"keys\":[\"demo.state\"]}");
      assertThat(code(tooMany)).isEqualTo("limit_exceeded");
      assertThat(tooMany.get("error").get("data").get("limit").asText())
          .isEqualTo("maxSubscriptions");
      JsonNode page = c.call("query", "{\"key\":\"demo.temp\",\"limit\":20000}");
      assertThat(code(page)).isEqualTo("limit_exceeded");
      assertThat(code(c.call("query", "{\"key\":\"demo.tick\"}"))).isEqualTo("no_history");
      assertThat(code(c.call("watch", "{\"keys\":[\"demo.tick\"],\"since\":{\"seq\":0}}")))
          .isEqualTo("no_history");
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void rateLimited(Kind kind) throws Exception {
    try (RpcClient c = f.connect(kind)) {
      c.hello(f.readToken);
      long before = f.server.stats().rejected("rate_limited");
      int limited = 0;
      for (int i = 0; i < 120 && limited == 0; i++) {
        JsonNode r = c.call("stats", null);
        if (r.has("error")) {
          assertThat(code(r)).isEqualTo("rate_limited");
          assertThat(r.get("error").get("code").asInt()).isEqualTo(-32008);
          assertThat(r.get("error").get("data").get("limit").asInt()).isEqualTo(50);
          limited++;
        }
      }
      assertThat(limited).isPositive();
      assertThat(f.server.stats().rejected("rate_limited")).isGreaterThan(before);
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void wrongTokenClosesTheConnection(Kind kind) throws Exception {
    try (RpcClient c = f.connect(kind)) {
      long before = f.server.stats().rejected("unauthenticated");
      JsonNode r = c.call("hello", "{\"protocol\":1,\"token\":\"not-the-token-at-all\"}");
      assertThat(code(r)).isEqualTo("unauthenticated");
      String closed = c.awaitClosed(Duration.ofSeconds(5));
      if (kind == Kind.WEBSOCKET) {
        assertThat(closed).startsWith("1008 unauthenticated");
      }
      assertThat(f.server.stats().rejected("unauthenticated")).isGreaterThan(before);
    }
    try (RpcClient c = f.connect(kind)) {
      JsonNode r = c.call("hello", "{\"protocol\":1}");
      assertThat(code(r)).isEqualTo("unauthenticated");
      c.awaitClosed(Duration.ofSeconds(5));
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void queryPagesThroughHistory(Kind kind) throws Exception {
    try (RpcClient c = f.connect(kind)) {
      c.hello(f.readToken);
      // wait for some history
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (f.demo.store.durableSequence() < 50 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      JsonNode p1 = c.call("query", "{\"key\":\"demo.temp\",\"limit\":10}").get("result");
      assertThat(p1.get("entries").size()).isEqualTo(10);
      long next = p1.get("next").asLong();
      JsonNode p2 =
          c.call("query", "{\"key\":\"demo.temp\",\"limit\":10,\"afterSeq\":" + next + "}")
              .get("result");
      long lastN = p1.get("entries").get(9).get("value").get("n").asLong();
      assertThat(p2.get("entries").get(0).get("value").get("n").asLong()).isEqualTo(lastN + 1);
      assertThat(p2.get("entries").get(0).get("seq").asLong()).isGreaterThan(next);
      assertThat(p2.get("entries").get(0).get("time").asText()).endsWith("Z");
      JsonNode empty =
          c.call("query", "{\"key\":\"demo.temp\",\"to\":\"2000-01-01T00:00:00Z\"}").get("result");
      assertThat(empty.get("entries").size()).isZero();
      assertThat(empty.get("next").isNull()).isTrue();
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void watchSinceCatchesUpThenFollowsWithoutGapOrDuplicate(Kind kind) throws Exception {
    try (RpcClient c = f.connect(kind)) {
      c.hello(f.readToken);
      c.call("watch", "{\"keys\":[\"demo.temp\"],\"since\":{\"seq\":0}}");
      long expectedN = 0;
      long lastSeq = -1;
      long live = f.demo.produced(Demo.TEMP);
      // read past the values that existed at the start: catch-up then following
      while (expectedN < live + 50) {
        JsonNode n = c.notification();
        assertThat(n.get("method").asText()).isEqualTo("watch.value");
        JsonNode p = n.get("params");
        assertThat(p.get("value").get("n").asLong()).isEqualTo(expectedN);
        assertThat(p.get("seq").asLong()).isGreaterThan(lastSeq);
        assertThat(p.get("time").asText()).endsWith("Z");
        lastSeq = p.get("seq").asLong();
        expectedN++;
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void watchSinceTimeStartsAtThatInstant(Kind kind) throws Exception {
    try (RpcClient c = f.connect(kind)) {
      c.hello(f.readToken);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (f.demo.store.durableSequence() < 40 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      JsonNode page = c.call("query", "{\"key\":\"demo.temp\",\"limit\":30}").get("result");
      JsonNode pick = page.get("entries").get(20);
      c.call(
          "watch",
          "{\"keys\":[\"demo.temp\"],\"since\":{\"time\":\"" + pick.get("time").asText() + "\"}}");
      JsonNode first = c.notification().get("params");
      assertThat(first.get("seq").asLong()).isEqualTo(pick.get("seq").asLong());
      assertThat(first.get("value")).isEqualTo(pick.get("value"));
      JsonNode second = c.notification().get("params");
      assertThat(second.get("value").get("n").asLong())
          .isEqualTo(pick.get("value").get("n").asLong() + 1);
      JsonNode both =
          c.call(
              "watch",
              "{\"keys\":[\"demo.temp\"],\"since\":{\"seq\":1,\"time\":\"2026-01-01T00:00:00Z\"}}");
      assertThat(code(both)).isEqualTo("invalid_params");
      assertThat(code(c.call("watch", "{\"keys\":[\"demo.temp\"],\"since\":{\"seq\":-1}}")))
          .isEqualTo("invalid_params");
      assertThat(code(c.call("watch", "{\"keys\":[\"demo.temp\"],\"since\":{\"time\":\"soon\"}}")))
          .isEqualTo("invalid_params");
    }
  }
}
