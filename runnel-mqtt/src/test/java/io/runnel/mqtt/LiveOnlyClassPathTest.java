package io.runnel.mqtt;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.RecordKey;
import io.runnel.Runnel;
import io.runnel.buffer.Producer;
import io.runnel.codec.Codec;
import io.runnel.testbed.Mosquitto;
import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A live-only link needs neither the store nor Jackson: a child JVM whose class path lacks
 * runnel-store and jackson publishes through a real broker, with the binary codec.
 */
class LiveOnlyClassPathTest {
  @TempDir Path tmp;

  record Sample(String sensor, long n) {}

  @Test
  void liveLinkRunsWithoutStoreOrJackson() throws Exception {
    try (Mosquitto broker = TestSupport.mosquitto(tmp);
        TestClient sub = TestClient.connect(broker.port()).subscribe("live/#")) {
      String cp =
          Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
              .filter(e -> !e.contains("runnel-store") && !e.contains("jackson"))
              .collect(Collectors.joining(File.pathSeparator));
      assertThat(cp).doesNotContain("runnel-store").contains("runnel-codec");
      Process child =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-cp",
                  cp,
                  Main.class.getName(),
                  String.valueOf(broker.port()))
              .redirectErrorStream(true)
              .start();
      List<TestClient.Received> got = sub.take(5, Duration.ofSeconds(20));
      boolean ended = child.waitFor(20, TimeUnit.SECONDS);
      String out = new String(child.getInputStream().readAllBytes());
      if (!ended) {
        child.destroyForcibly();
      }
      assertThat(ended).as("child ended; output:\n" + out).isTrue();
      assertThat(child.exitValue()).as(out).isZero();
      assertThat(got)
          .extracting(
              r ->
                  Codec.forRecord(Sample.class)
                      .decode(r.payload().getBytes(UTF_8))
                      .n()) // ASCII here
          .containsExactly(0L, 1L, 2L, 3L, 4L);
    }
  }

  /** The child: publishes five values live, waits until they are acknowledged, exits. */
  public static final class Main {
    public static void main(String[] args) throws Exception {
      try {
        Class.forName("io.runnel.store.HistoryStore");
        System.out.println("the store is on the class path; the test proves nothing");
        System.exit(3);
      } catch (ClassNotFoundException expected) {
        // as intended
      }
      RecordKey key = RecordKey.of("live.sample");
      MqttLink link =
          MqttLink.builder().broker("127.0.0.1", Integer.parseInt(args[0])).version(5).build();
      Runnel r =
          Runnel.builder()
              .connector(link)
              .configure(
                  Sample.class,
                  key,
                  c ->
                      c.external()
                          .tapTask(
                              "mqtt",
                              link.publish(
                                  Codec.forRecord(Sample.class), "live/sample", Qos.AT_LEAST_ONCE)))
              .build()
              .start();
      try {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!link.status().connected() && System.nanoTime() < deadline) {
          Thread.sleep(10);
        }
        Producer<Sample> p = r.producer(Sample.class, key);
        for (int i = 0; i < 5; i++) {
          p.produce(new Sample("s", i));
        }
        while (link.status().counters().getOrDefault("sent", 0L) < 5
            && System.nanoTime() < deadline) {
          Thread.sleep(10);
        }
        System.exit(link.status().counters().getOrDefault("sent", 0L) == 5 ? 0 : 4);
      } finally {
        r.close();
      }
    }
  }
}
