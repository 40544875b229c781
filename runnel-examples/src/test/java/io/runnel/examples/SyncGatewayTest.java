package io.runnel.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SyncGatewayTest {

  @Test
  void everyPersistedReadingReachesAFaultyEndpoint(@TempDir Path dir) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    SyncGateway gateway = new SyncGateway(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    int code =
        new CommandLine(gateway)
            .execute(
                "--duration", "3s",
                "--sensors", "10",
                "--period", "10ms",
                "--faults", "0.3",
                "--dir", dir.toString());
    String text = bytes.toString(StandardCharsets.UTF_8);
    assertThat(code).as(text).isZero();
    assertThat(gateway.lost).as(text).isZero();
    // every reading produced was persisted and arrived (how many depends on the machine's load)
    assertThat(gateway.produced.get()).as(text).isPositive();
    assertThat(gateway.forwarded).as(text).isEqualTo(gateway.produced.get());
    assertThat(text).contains("sync: drained").contains("0 lost").contains("memory: RSS");
  }

  @Test
  void withABrokerEveryReadingIsAlsoPublishedOverMqtt(@TempDir Path dir) throws Exception {
    try (LocalMosquitto broker = LocalMosquitto.start(dir.resolve("broker"))) {
      int port = broker.port();
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      SyncGateway gateway = new SyncGateway(new PrintStream(bytes, true, StandardCharsets.UTF_8));
      int code =
          new CommandLine(gateway)
              .execute(
                  "--duration", "2s",
                  "--sensors", "5",
                  "--faults", "0",
                  "--mqtt", "127.0.0.1:" + port,
                  "--dir", dir.resolve("history").toString());
      String text = bytes.toString(StandardCharsets.UTF_8);
      assertThat(code).as(text).isZero();
      assertThat(text)
          .contains("mqtt: connected; " + gateway.produced.get() + " published and acknowledged");
    }
  }
}
