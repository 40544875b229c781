package io.runnel.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Credentials never go over plain TCP to another host unless the user says so. */
class MqttCredentialsTransportTest {

  private final Logger logger = Logger.getLogger("io.runnel.mqtt");
  private final List<LogRecord> logged = new CopyOnWriteArrayList<>();
  private final Handler capture =
      new Handler() {
        @Override
        public void publish(LogRecord r) {
          logged.add(r);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };

  @BeforeEach
  void listen() {
    logger.addHandler(capture);
  }

  @AfterEach
  void stopListening() {
    logger.removeHandler(capture);
  }

  private List<String> warnings() {
    return logged.stream()
        .filter(r -> r.getLevel().intValue() >= Level.WARNING.intValue())
        .map(LogRecord::getMessage)
        .filter(m -> m.contains("plain"))
        .toList();
  }

  @Test
  void credentialsOverPlainTcpToAnotherHostAreRefusedAtBuild() {
    MqttLink.Builder b =
        MqttLink.builder().broker("broker.example", 1883).credentials("gateway-7", "secret");
    assertThatThrownBy(b::build)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("broker.example:1883")
        .hasMessageContaining("plain TCP")
        .hasMessageContaining("tls")
        .hasMessageContaining("allowPlaintextCredentials()");
    assertThatThrownBy(
            () -> MqttLink.builder().broker("10.0.0.7", 1883).credentials("u", null).build())
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void tlsOrAnExplicitOptOutMayCarryCredentials() {
    MqttLink.builder().broker("broker.example", 8883).credentials("u", "p").tls().build();
    MqttLink.builder()
        .broker("broker.example", 1883)
        .credentials("u", "p")
        .allowPlaintextCredentials()
        .build();
    MqttLink.builder().broker("broker.example", 1883).build(); // no credentials: nothing to leak
    assertThat(warnings()).isEmpty();
  }

  @Test
  void credentialsOverPlainTcpOnLoopbackAreWarnedOnce() {
    MqttLink link =
        MqttLink.builder().broker("127.0.0.1", 1883).credentials("robot", "s3cret").build();
    assertThat(warnings())
        .singleElement()
        .asString()
        .contains("127.0.0.1:1883")
        .contains("plain TCP")
        .doesNotContain("s3cret");
    MqttLink.builder().broker("localhost", 1883).credentials("robot", "s3cret").build();
    MqttLink.builder().broker("::1", 1883).credentials("robot", "s3cret").build();
    assertThat(warnings()).hasSize(3); // once per link
    assertThat(link.toString()).doesNotContain("s3cret");
  }
}
