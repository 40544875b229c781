package io.runnel.bench.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.runnel.testbed.Mosquitto;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each client of the footprint probe against a real Mosquitto, briefly (1 s at 500 messages/s, 1 s
 * flat out), in this JVM: every paced message acknowledged, the subscribed topic's messages back.
 * The footprint itself is measured by {@code docs/bench/mqtt-clients.sh}, one JVM per client.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MqttClientProbeTest {

  @TempDir static Path dir;
  private static Mosquitto broker;

  @BeforeAll
  static void startBroker() throws Exception {
    broker = Mosquitto.start(dir);
  }

  @AfterAll
  static void stopBroker() {
    if (broker != null) {
      broker.close();
    }
  }

  private static Map<String, String> run(String client, String brokerAddress) throws Exception {
    return run(client, brokerAddress, new HashMap<>());
  }

  private static Map<String, String> run(
      String client, String brokerAddress, Map<String, String> args) throws Exception {
    args.put("client", client);
    args.put("broker", brokerAddress);
    args.put("seconds", "1");
    args.put("burst", "1");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    MqttClientProbe.probe(
        args, System.currentTimeMillis(), new PrintStream(bytes, true, StandardCharsets.UTF_8));
    Map<String, String> result = new HashMap<>();
    for (String line : bytes.toString(StandardCharsets.UTF_8).split("\n")) {
      int eq = line.indexOf('=');
      result.put(eq < 0 ? line : line.substring(0, eq), eq < 0 ? "" : line.substring(eq + 1));
    }
    return result;
  }

  @ParameterizedTest
  @ValueSource(strings = {"hivemq5", "hivemq3", "paho3", "paho5", "loopback"})
  void publishesAtTheRateAndGetsItsSubscriptionBack(String client) throws Exception {
    Map<String, String> r = run(client, "127.0.0.1:" + broker.port());

    assertThat(r).containsKey("ready");
    assertThat(r.get("paced-acked")).isEqualTo("500");
    assertThat(r.get("in-sent")).isEqualTo("1");
    assertThat(r.get("in-received")).isEqualTo("1");
    assertThat(Long.parseLong(r.get("burst-acked"))).isPositive();
    assertThat(Long.parseLong(r.get("vmrss"))).isPositive();
  }

  @Test
  void postsToTheHttpSinkBesideTheMqttClient() throws Exception {
    var sink = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    AtomicInteger posts = new AtomicInteger();
    sink.createContext(
        "/v1/batches",
        exchange -> {
          exchange.getRequestBody().readAllBytes();
          posts.incrementAndGet();
          exchange.sendResponseHeaders(204, -1);
          exchange.close();
        });
    sink.start();
    try {
      Map<String, String> args = new HashMap<>();
      args.put("http", "http://127.0.0.1:" + sink.getAddress().getPort() + "/v1/batches");
      Map<String, String> r = run("paho3", "127.0.0.1:" + broker.port(), args);

      assertThat(r.get("http-answered")).isEqualTo("2"); // one before publishing, one a second
      assertThat(posts.get()).isEqualTo(2);
      assertThat(r.get("paced-acked")).isEqualTo("500");
    } finally {
      sink.stop(0);
    }
  }

  @Test
  void failsWhenTheHttpSinkRefuses() throws Exception {
    var sink = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    sink.createContext(
        "/",
        exchange -> {
          exchange.getRequestBody().readAllBytes();
          exchange.sendResponseHeaders(503, -1);
          exchange.close();
        });
    sink.start();
    try {
      Map<String, String> args = new HashMap<>();
      args.put("http", "http://127.0.0.1:" + sink.getAddress().getPort() + "/");
      assertThatThrownBy(() -> run("loopback", "127.0.0.1:" + broker.port(), args))
          .hasMessageContaining("HTTP 503");
    } finally {
      sink.stop(0);
    }
  }

  @Test
  void failsWithinTheTimeoutWhenNoBrokerListens() throws Exception {
    String nobody = "127.0.0.1:" + Mosquitto.freePort();
    assertThatThrownBy(() -> run("paho3", nobody)).isInstanceOf(Exception.class);
    assertThatThrownBy(() -> run("hivemq5", nobody)).isInstanceOf(Exception.class);
  }

  @Test
  void refusesAnUnknownClient() {
    assertThatThrownBy(() -> run("mosquitto-c", "127.0.0.1:1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown client 'mosquitto-c'");
  }
}
