package io.runnel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.runnel.RecordKey;
import io.runnel.Runnel;
import io.runnel.buffer.BufferSpec;
import io.runnel.remote.RemoteServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A record produced in bursts far faster than a watcher can take them (a ring of 4): {@code echo}
 * prints the server's exact {@code missed} counts, and values plus missed add up to what was
 * produced while watching.
 */
@Timeout(60)
class MissedValuesTest {
  static final RecordKey BURST = RecordKey.of("cli.burst");

  record Value(long n) {}

  @Test
  void echoReportsMissedValues(@TempDir Path dir) throws Exception {
    try (Runnel runnel =
            Runnel.builder()
                .name("bursts")
                .configure(
                    Value.class,
                    BURST,
                    r ->
                        r.buffer(BufferSpec.ring(4))
                            .source(
                                (ctx, out) -> {
                                  long n = 0;
                                  while (!ctx.isStopping()) {
                                    for (int i = 0; i < 5_000; i++) {
                                      out.produce(new Value(n++));
                                    }
                                    ctx.sleep(Duration.ofMillis(50));
                                  }
                                }))
                .build()
                .start();
        RemoteServer server =
            RemoteServer.builder(runnel)
                .port(0)
                .generatedTokenFile(dir.resolve("tokens"))
                .build()
                .start()) {
      CliRun r =
          CliRun.of(
              "echo",
              "cli.burst",
              "-n",
              "200",
              "--json",
              "--queue",
              "4",
              "--url",
              server.webSocketUri().orElseThrow(),
              "--token-file",
              dir.resolve("tokens").toString());
      assertThat(r.code()).as(r.err()).isZero();
      ObjectMapper json = new ObjectMapper();
      List<JsonNode> lines = new ArrayList<>();
      for (String l : r.lines()) {
        lines.add(json.readTree(l));
      }
      List<JsonNode> missed = lines.stream().filter(l -> l.has("missed")).toList();
      List<JsonNode> values = lines.stream().filter(l -> l.has("value")).toList();
      assertThat(values).hasSize(200);
      assertThat(missed).isNotEmpty();
      // exact accounting: between the first and last value printed, every number is either
      // printed or counted as missed
      long first = values.get(0).get("value").get("n").asLong();
      long last = values.get(values.size() - 1).get("value").get("n").asLong();
      long missedBetween = 0;
      long total = 0;
      boolean started = false;
      for (JsonNode l : lines) {
        if (l.has("value")) {
          started = true;
          if (l.get("value").get("n").asLong() == last) {
            break;
          }
        } else if (started) {
          missedBetween += l.get("missed").asLong();
        }
        if (l.has("missed")) {
          total = l.get("total").asLong();
        }
      }
      assertThat(missedBetween + values.size()).isEqualTo(last - first + 1);
      assertThat(total).isPositive();
    }
  }
}
