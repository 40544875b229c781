package io.runnel.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SyncGatewayTest {

  /** One run of the gateway in this JVM: its status, what it printed, what it reported. */
  record Run(int code, String out, String err, SyncGateway gateway) {
    @Override
    public String toString() {
      return out + err;
    }
  }

  static Run run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    SyncGateway gateway = new SyncGateway(new PrintStream(out, true, StandardCharsets.UTF_8));
    int code =
        SyncGateway.commandLine(gateway, new PrintStream(err, true, StandardCharsets.UTF_8), args)
            .execute(args);
    return new Run(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8), gateway);
  }

  @Test
  void everyPersistedReadingReachesAFaultyEndpoint(@TempDir Path dir) {
    Run r =
        run(
            "--duration", "3s",
            "--sensors", "10",
            "--period", "10ms",
            "--faults", "0.3",
            "--dir", dir.toString());
    assertThat(r.code()).as("%s", r).isZero();
    assertThat(r.gateway().lost).as("%s", r).isZero();
    // every reading produced was persisted and arrived (how many depends on the machine's load)
    assertThat(r.gateway().produced.get()).as("%s", r).isPositive();
    assertThat(r.gateway().forwarded).as("%s", r).isEqualTo(r.gateway().produced.get());
    assertThat(r.out()).contains("sync: drained").contains("0 lost").contains("memory: RSS");
    assertThat(dir).as("a --dir is kept").isDirectoryContaining(p -> true);
  }

  @Test
  void aRestartOnTheSameDirCountsWhatEarlierRunsDelivered(@TempDir Path dir) {
    String[] args = {
      "--duration", "1s", "--sensors", "5", "--faults", "0.2", "--dir", dir.toString()
    };
    Run first = run(args);
    assertThat(first.code()).as("%s", first).isZero();
    Run second = run(args);
    assertThat(second.code()).as("%s", second).isZero();
    assertThat(second.gateway().lost).as("%s", second).isZero();
    long firstRun = first.gateway().produced.get();
    assertThat(second.out())
        .as("%s", second)
        .contains("earlier runs delivered " + firstRun + " to the endpoint")
        .contains(firstRun + " before them delivered by earlier runs): 0 lost");
  }

  @Test
  void withoutDirTheTemporaryHistoryIsDeletedAtTheEnd() {
    Run r = run("--duration", "1s", "--sensors", "2", "--faults", "0");
    assertThat(r.code()).as("%s", r).isZero();
    assertThat(r.gateway().storage).isNotNull();
    assertThat(r.gateway().storage).as("%s", r).doesNotExist();
  }

  @Test
  void aThrottlingEndpointIsReportedAsThrottledNotAsDisconnected() throws Exception {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    server.createContext(
        "/v1/batches",
        ex -> {
          try (ex) {
            ex.getRequestBody().readAllBytes();
            ex.getResponseHeaders().add("Retry-After", "1");
            ex.sendResponseHeaders(429, -1);
          }
        });
    server.start();
    try {
      Run r =
          run(
              "--duration", "3s",
              "--sensors", "2",
              "--drain-timeout", "1s",
              "--endpoint", "http://127.0.0.1:" + server.getAddress().getPort() + "/v1/batches");
      assertThat(r.code()).as("%s", r).isEqualTo(1);
      assertThat(r.out())
          .as("%s", r)
          .contains("throttled by the endpoint (HTTP 429, retry after 1000 ms)")
          .doesNotContain("not connected")
          .contains("sync: NOT drained within 1s")
          .contains("exit: FAILED");
    } finally {
      server.stop(0);
    }
  }

  @Test
  void anUnreachableBrokerIsReportedInTheStatusLinesAndFailsTheRunQuickly() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    long t0 = System.nanoTime();
    Run r =
        run(
            "--duration", "3s",
            "--sensors", "2",
            "--faults", "0",
            "--mqtt", "127.0.0.1:" + closed);
    long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0);
    assertThat(r.code()).as("%s", r).isEqualTo(1);
    assertThat(r.out())
        .as("%s", r)
        .contains("mqtt NOT connected (acked 0/")
        .contains("mqtt: FAILED: the broker 127.0.0.1:" + closed + " was not reachable")
        .contains("exit: FAILED");
    assertThat(seconds).as("no silent 30 s drain wait").isLessThan(20);
  }

  @Test
  void withABrokerEveryReadingIsPublishedAsJson(@TempDir Path dir) throws Exception {
    try (LocalMosquitto broker = LocalMosquitto.start(dir.resolve("broker"))) {
      int port = broker.port();
      Mqtt5BlockingClient subscriber =
          Mqtt5Client.builder()
              .identifier("test-subscriber")
              .serverHost("127.0.0.1")
              .serverPort(port)
              .buildBlocking();
      subscriber.connect();
      try (Mqtt5BlockingClient.Mqtt5Publishes publishes =
          subscriber.publishes(MqttGlobalPublishFilter.ALL)) {
        subscriber.subscribeWith().topicFilter("gateway-1/#").qos(MqttQos.AT_LEAST_ONCE).send();
        Run r =
            run(
                "--duration", "2s",
                "--sensors", "5",
                "--faults", "0",
                "--mqtt", "127.0.0.1:" + port,
                "--dir", dir.resolve("history").toString());
        assertThat(r.code()).as("%s", r).isZero();
        assertThat(r.out())
            .contains(
                "mqtt: connected; " + r.gateway().produced.get() + " published and acknowledged")
            .contains("  |  mqtt connected, acked ");
        Optional<Mqtt5Publish> first = publishes.receive(10, TimeUnit.SECONDS);
        assertThat(first).isPresent();
        assertThat(first.get().getTopic().toString()).startsWith("gateway-1/sensor.s0");
        JsonNode json =
            new ObjectMapper()
                .readTree(new String(first.get().getPayloadAsBytes(), StandardCharsets.UTF_8));
        assertThat(json.get("sensor").asText()).startsWith("sensor.s0");
        assertThat(json.has("seq") && json.has("value") && json.has("at")).as("%s", json).isTrue();
      } finally {
        subscriber.disconnect();
      }
    }
  }

  @Test
  void optionDefaultsComeFromAConfigFile(@TempDir Path dir) throws Exception {
    Path config = dir.resolve("gateway.properties");
    Files.writeString(config, "# test\nsensors = 3\nduration = 1s\nfaults = 0\n");
    Run r = run("--config", config.toString(), "--period", "50ms");
    assertThat(r.code()).as("%s", r).isZero();
    assertThat(r.out()).startsWith("Sync gateway: 3 sensors every 0.05s");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "--dir /etc/passwd",
        "--dir /etc/passwd/sub",
        // sysfs refuses new entries to every user, root included (tests run as root here, where
        // file modes would not refuse anything): cannot create it / exists but is not writable
        "--dir /sys/runnel-gateway",
        "--dir /sys/kernel",
        "--mqtt-version 4",
        "--period 0s",
        "--duration -1s",
        "--mqtt no-port",
        "--faults 2",
        "--format xml",
        "--config /nonexistent/gateway.properties",
        "--no-such-option"
      })
  void badArgumentsGiveOneLineAndStatus2(String args) {
    Run r = run(args.split(" "));
    assertThat(r.code()).as("%s", r).isEqualTo(2);
    assertThat(r.out()).as("nothing started").isEmpty();
    assertThat(r.err().strip().lines()).as("%s", r).hasSize(1);
    assertThat(r.err())
        .startsWith("runnel example SyncGateway: ")
        .contains(args.split(" ")[0])
        .doesNotContain("Exception")
        .doesNotContain("\tat ");
  }
}
