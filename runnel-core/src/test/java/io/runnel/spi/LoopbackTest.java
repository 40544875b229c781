package io.runnel.spi;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LoopbackTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "localhost",
        "LOCALHOST",
        "localhost.",
        "127.0.0.1",
        "127.255.0.9",
        "::1",
        "[::1]",
        "0:0:0:0:0:0:0:1",
        "::ffff:127.0.0.1"
      })
  void loopback(String host) {
    assertThat(Loopback.isLoopback(host)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "10.0.0.1",
        "128.0.0.1",
        "127.0.0.256",
        "999.0.0.1",
        "::2",
        "[fe80::1]",
        "broker.example",
        "localhost.example",
        "127.0.0.1.example",
        "my-localhost"
      })
  void notLoopback(String host) {
    assertThat(Loopback.isLoopback(host)).isFalse();
  }
}
