package io.runnel.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A Mosquitto broker for the examples' tests, on a free loopback port (anonymous, no persistence).
 * Missing binary: the test fails when {@code CI} is set, and is skipped otherwise.
 */
final class LocalMosquitto implements AutoCloseable {

  private final Process process;
  private final int port;

  private LocalMosquitto(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  static LocalMosquitto start(Path dir) throws Exception {
    Path binary = Path.of("/usr/sbin/mosquitto");
    if (!Files.isExecutable(binary)) {
      assertThat(System.getenv("CI"))
          .as("CI must install mosquitto (apt-get install mosquitto)")
          .isNull();
      Assumptions.abort("mosquitto is not installed (apt-get install mosquitto)");
    }
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Files.createDirectories(dir);
    Path conf = dir.resolve("mosquitto.conf");
    Files.writeString(conf, "listener " + port + " 127.0.0.1\nallow_anonymous true\n");
    Process broker =
        new ProcessBuilder(binary.toString(), "-c", conf.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("mosquitto.log").toFile())
            .start();
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      try (Socket probe = new Socket(InetAddress.getLoopbackAddress(), port)) {
        return new LocalMosquitto(broker, port);
      } catch (IOException e) {
        if (System.nanoTime() - until > 0 || !broker.isAlive()) {
          broker.destroyForcibly();
          throw new IllegalStateException("mosquitto does not listen on 127.0.0.1:" + port, e);
        }
        Thread.sleep(50);
      }
    }
  }

  int port() {
    return port;
  }

  @Override
  public void close() throws InterruptedException {
    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
  }
}
