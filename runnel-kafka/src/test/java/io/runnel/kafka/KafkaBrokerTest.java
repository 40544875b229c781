package io.runnel.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.testbed.KafkaBroker;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The test broker itself: formats, starts on the JDK of the tests, is killed and restarts. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class KafkaBrokerTest {
  @TempDir Path dir;

  @Test
  void startsKillsAndRestartsOnTheSamePorts() throws Exception {
    try (KafkaBroker broker = KafkaBroker.start(dir)) {
      System.out.println("broker started in " + broker.lastStartMillis() + " ms");
      int port = broker.port();
      broker.createTopic("smoke", 2);
      broker.kill();
      assertThat(broker.isRunning()).isFalse();
      broker.restart();
      System.out.println("broker restarted in " + broker.lastStartMillis() + " ms");
      assertThat(broker.port()).isEqualTo(port);
      try (var admin = broker.admin(java.time.Duration.ofSeconds(5))) {
        assertThat(admin.listTopics().names().get(10, TimeUnit.SECONDS)).contains("smoke");
      }
    }
  }
}
