package io.runnel.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The standard messages, exactly; the core helper that replaces {@link Checks} keeps them. */
class ChecksTest {

  @Test
  void passesGoodValuesThrough() {
    assertThat(Checks.notNull("x", "what")).isEqualTo("x");
    assertThat(Checks.notBlank("x", "what")).isEqualTo("x");
    assertThat(Checks.positive(1, "what")).isEqualTo(1);
    assertThat(Checks.positive(Duration.ofNanos(1), "what")).isEqualTo(Duration.ofNanos(1));
    assertThat(Checks.notNegative(Duration.ZERO, "what")).isEqualTo(Duration.ZERO);
    assertThat(Checks.notAbove(Duration.ZERO, "min", Duration.ZERO, "max"))
        .isEqualTo(Duration.ZERO);
  }

  @Test
  void failsWithTheStandardMessages() {
    assertThatThrownBy(() -> Checks.notNull(null, "clientId"))
        .isExactlyInstanceOf(NullPointerException.class)
        .hasMessage("clientId must not be null");
    assertThatThrownBy(() -> Checks.notBlank(null, "host"))
        .isExactlyInstanceOf(NullPointerException.class)
        .hasMessage("host must not be null");
    assertThatThrownBy(() -> Checks.notBlank(" \t", "host"))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("host must not be blank");
    assertThatThrownBy(() -> Checks.positive(0, "maxInflight"))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxInflight must be positive, got 0");
    assertThatThrownBy(() -> Checks.positive(Duration.ZERO, "keepAlive"))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("keepAlive must be positive, got PT0S");
    assertThatThrownBy(() -> Checks.positive((Duration) null, "keepAlive"))
        .isExactlyInstanceOf(NullPointerException.class)
        .hasMessage("keepAlive must not be null");
    assertThatThrownBy(() -> Checks.notNegative(Duration.ofSeconds(-3), "replayWindow"))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("replayWindow must not be negative, got PT-3S");
    assertThatThrownBy(
            () -> Checks.notAbove(Duration.ofSeconds(2), "min", Duration.ofSeconds(1), "max"))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("min must not exceed max, got PT2S > PT1S");
    assertThatThrownBy(() -> Checks.notAbove(3, "low", 2, "high"))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("low must not exceed high, got 3 > 2");
  }
}
