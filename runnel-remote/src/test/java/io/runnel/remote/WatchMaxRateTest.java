package io.runnel.remote;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.runnel.remote.Fixture.Kind;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@code watch} with {@code maxRate}: the server conflates a 1 kHz record to the asked rate. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WatchMaxRateTest {
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

  @ParameterizedTest
  @EnumSource(Kind.class)
  void aThousandHertzRecordArrivesAtTheAskedRateWithExactConflatedCounts(Kind kind)
      throws Exception {
    try (RpcClient c = f.connect(kind)) {
      c.hello(f.readToken);
      StringBuilder transcript = new StringBuilder();
      c.transcript = transcript;
      JsonNode w = c.call("watch", "{\"keys\":[\"demo.tick\"],\"maxRate\":20}").get("result");
      long sub = w.get("sub").asLong();
      long t0 = System.nanoTime();
      long values = 0;
      long expected = -1;
      long conflated = 0;
      while (System.nanoTime() - t0 < TimeUnit.MILLISECONDS.toNanos(2000)) {
        JsonNode n = c.notification();
        assertThat(n.get("method").asText()).as("only values: %s", n).isEqualTo("watch.value");
        JsonNode p = n.get("params");
        long got = p.get("value").get("n").asLong();
        long skipped = p.path("conflated").asLong(0);
        if (expected >= 0) {
          // each value stands for exactly the values skipped since the previous one
          assertThat(got).as("n after %s conflated", skipped).isEqualTo(expected + skipped);
        }
        conflated += skipped;
        expected = got + 1;
        values++;
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      c.transcript = null;
      if (kind == Kind.WEBSOCKET) { // for docs/REMOTE.md
        synchronized (transcript) {
          java.nio.file.Files.writeString(
              Path.of("target/maxrate-transcript.txt"),
              transcript
                  .toString()
                  .lines()
                  .limit(5)
                  .collect(java.util.stream.Collectors.joining("\n")));
        }
      }
      // 20/s asked: a few more at the start (the first value goes at once), never the 1000/s
      assertThat(values / seconds).as("values per second").isBetween(10.0, 24.0);
      assertThat(conflated).as("conflated").isGreaterThan(values * 10);
      JsonNode u = c.call("unwatch", "{\"sub\":" + sub + "}").get("result");
      assertThat(u.get("missed").asLong()).isZero();
      assertThat(u.get("conflated").asLong()).isGreaterThanOrEqualTo(conflated);
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void aSlowRecordIsNotDelayedOrConflated(Kind kind) throws Exception {
    try (RpcClient c = f.connect(kind)) {
      c.hello(f.readToken);
      // demo.state changes every 100 ms: under a maxRate of 50 every value goes through
      JsonNode w = c.call("watch", "{\"keys\":[\"demo.state\"],\"maxRate\":50}").get("result");
      long last = -1;
      for (int i = 0; i < 8; i++) {
        JsonNode p = c.notification().get("params");
        assertThat(p.has("conflated")).as("%s", p).isFalse();
        long u = p.get("value").get("updates").asLong();
        if (last >= 0) {
          assertThat(u).isEqualTo(last + 1);
        }
        last = u;
      }
      c.call("unwatch", "{\"sub\":" + w.get("sub").asLong() + "}");
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void badMaxRatesAreRefused(Kind kind) throws Exception {
    try (RpcClient c = f.connect(kind)) {
      c.hello(f.readToken);
      for (String bad : new String[] {"0", "-1", "\"fast\"", "1e9"}) {
        JsonNode r = c.call("watch", "{\"keys\":[\"demo.tick\"],\"maxRate\":" + bad + "}");
        assertThat(r.get("error").get("data").get("reason").asText()).isEqualTo("invalid_params");
        assertThat(r.get("error").get("data").get("param").asText()).isEqualTo("maxRate");
      }
      JsonNode r =
          c.call("watch", "{\"keys\":[\"demo.temp\"],\"maxRate\":10,\"since\":{\"seq\":0}}");
      assertThat(r.get("error").get("message").asText()).contains("history watch");
    }
  }
}
