package io.runnel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A watch of a record that stays quiet for longer than the server's idle timeout stays open: the
 * client pings at a third of the timeout that {@code hello} announced.
 */
@Timeout(60)
class IdleWatchTest {

  @Test
  void aQuietEchoOutlivesTheServersIdleTimeout(@TempDir Path dir) throws Exception {
    ExecutorService runner = Executors.newSingleThreadExecutor();
    try (ServedPipeline p = new ServedPipeline(dir, b -> b.idleTimeout(Duration.ofMillis(1500)))) {
      CompletableFuture<CliRun> echo =
          CompletableFuture.supplyAsync(
              () ->
                  CliRun.of(
                      "echo",
                      ServedPipeline.SETPOINT.id(),
                      "-n",
                      "1",
                      "--url",
                      p.url,
                      "--token-file",
                      p.tokenFile.toString()),
              runner);
      Thread.sleep(4500); // three idle timeouts without a value
      assertThat(echo).as("echo ended while the record was quiet").isNotDone();
      p.runnel
          .producer(ServedPipeline.Setpoint.class, ServedPipeline.SETPOINT)
          .produce(new ServedPipeline.Setpoint(19.5, "night"));
      CliRun run = echo.get(20, TimeUnit.SECONDS);
      assertThat(run.code()).as(run.toString()).isZero();
      assertThat(run.out()).contains("19.5").contains("night");
    } finally {
      runner.shutdownNow();
    }
  }
}
