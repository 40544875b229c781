package io.runnel.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The standard messages of every builder, exactly (decision 008). */
class ChecksTest {

  @Test
  void passesGoodValuesThrough() {
    assertThat(Checks.notNull("what", "x")).isEqualTo("x");
    assertThat(Checks.notBlank("what", "x")).isEqualTo("x");
    assertThat(Checks.positive("what", 1)).isEqualTo(1);
    assertThat(Checks.positive("what", 1L)).isEqualTo(1L);
    assertThat(Checks.positive("what", Duration.ofNanos(1))).isEqualTo(Duration.ofNanos(1));
    assertThat(Checks.notNegative("what", Duration.ZERO)).isEqualTo(Duration.ZERO);
    assertThat(Checks.notNegative("what", 0)).isZero();
    assertThat(Checks.atLeast("what", 5, 5)).isEqualTo(5);
    Checks.notAbove("min", Duration.ZERO, "max", Duration.ZERO);
    Checks.notAbove("low", 2, "high", 2);
  }

  @Test
  void failsWithTheStandardMessages() {
    assertThatThrownBy(() -> Checks.notNull("clientId", null))
        .isExactlyInstanceOf(NullPointerException.class)
        .hasMessage("clientId must not be null");
    assertThatThrownBy(() -> Checks.notBlank("host", null))
        .isExactlyInstanceOf(NullPointerException.class)
        .hasMessage("host must not be null");
    assertThatThrownBy(() -> Checks.notBlank("host", " \t"))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("host must not be blank");
    assertThatThrownBy(() -> Checks.positive("maxInflight", 0))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxInflight must be positive, got 0");
    assertThatThrownBy(() -> Checks.positive("keepAlive", Duration.ZERO))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("keepAlive must be positive, got PT0S");
    assertThatThrownBy(() -> Checks.positive("keepAlive", (Duration) null))
        .isExactlyInstanceOf(NullPointerException.class)
        .hasMessage("keepAlive must not be null");
    assertThatThrownBy(() -> Checks.notNegative("replayWindow", Duration.ofSeconds(-3)))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("replayWindow must not be negative, got PT-3S");
    assertThatThrownBy(() -> Checks.notNegative("maxRestarts", -1))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxRestarts must not be negative, got -1");
    assertThatThrownBy(
            () -> Checks.notAbove("min", Duration.ofSeconds(2), "max", Duration.ofSeconds(1)))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("min must not exceed max, got PT2S > PT1S");
    assertThatThrownBy(() -> Checks.notAbove("low", 3, "high", 2))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("low must not exceed high, got 3 > 2");
    assertThatThrownBy(() -> Checks.atLeast("maxBatchBytes", 10, 1024))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxBatchBytes must be at least 1024, got 10");
  }

  @Test
  void keySyntaxNamesWhatAndTheProblem() {
    assertThat(Checks.keySyntax("cursor name", "kafka-readings")).isEqualTo("kafka-readings");
    assertThatThrownBy(() -> Checks.keySyntax("cursor name", "bad name"))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("cursor name: ");
    assertThatThrownBy(() -> Checks.keySyntax("link name", null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("link name");
  }
}
