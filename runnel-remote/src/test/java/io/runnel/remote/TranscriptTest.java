package io.runnel.remote;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Records a real exchange of every method over the Unix socket into {@code
 * target/remote-transcript.txt}: the examples of docs/REMOTE.md are taken from it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TranscriptTest {
  @TempDir Path tmp;

  @Test
  void everyMethodOnce() throws Exception {
    StringBuilder t = new StringBuilder();
    try (Fixture f = new Fixture(tmp, b -> b.maxSubscriptions(4));
        UnixClient c = UnixClient.connect(f.socket)) {
      c.transcript = t;
      c.call("records", null);
      c.call(
          "hello", "{\"protocol\":1,\"token\":\"" + f.writeToken + "\",\"client\":\"runnel-cli\"}");
      c.call("get", "{\"key\":\"demo.state\"}");
      c.call("graph", "{\"format\":\"mermaid\"}");
      c.call("stats", null);
      long sub =
          c.call("watch", "{\"keys\":[\"demo.state\"],\"queue\":16}")
              .get("result")
              .get("sub")
              .asLong();
      c.notification();
      c.call("unwatch", "{\"sub\":" + sub + "}");
      while (f.demo.store.durableSequence() < 20) {
        Thread.sleep(10);
      }
      c.call("query", "{\"key\":\"demo.temp\",\"limit\":2}");
      long hs =
          c.call("watch", "{\"keys\":[\"demo.temp\"],\"since\":{\"seq\":0}}")
              .get("result")
              .get("sub")
              .asLong();
      c.notification();
      c.notification();
      c.call("unwatch", "{\"sub\":" + hs + "}");
      c.call("set", "{\"key\":\"demo.setpoint\",\"value\":{\"celsius\":21.5,\"mode\":\"eco\"}}");
      c.call(
          "set", "{\"key\":\"demo.setpoint\",\"value\":{\"celsius\":\"warm\",\"mode\":\"eco\"}}");
      c.call("set", "{\"key\":\"demo.tick\",\"value\":{}}");
      c.call("get", "{\"key\":\"no.such\"}");
      c.call("reboot", null);
      c.call("get", "{\"key\":7}");
      c.call("query", "{\"key\":\"demo.tick\"}");
      c.send("{\"jsonrpc\":\"2.0\",\"method\":\"records\"}");
      c.send("{oops");
      c.next(
          m ->
              m.has("error")
                  && m.get("error").get("data").get("reason").asText().equals("parse_error"));
      c.transcript = null;
      // records last: it is long (schemas)
      t.append("\n--- records ---\n");
      c.transcript = t;
      c.call("records", null);
      c.transcript = null;
    }
    Path out = Path.of("target", "remote-transcript.txt");
    Files.writeString(out, t);
    assertThat(t)
        .contains("\"reason\":\"decode_failed\"")
        .contains("watch.value")
        .contains("\"seq\":");
  }
}
