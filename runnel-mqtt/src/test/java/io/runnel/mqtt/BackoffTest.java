package io.runnel.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {

  @Test
  void growsExponentiallyWithJitterAndNeverExceedsTheCap() {
    Backoff b = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(5));
    for (int attempt = 0; attempt < 60; attempt++) {
      long d = Math.min(100_000_000L << Math.min(attempt, 20), 5_000_000_000L);
      for (int i = 0; i < 200; i++) {
        long delay = b.delayNanos(attempt);
        assertThat(delay).isBetween(d / 2, d);
      }
    }
    long distinct =
        java.util.stream.IntStream.range(0, 100).mapToLong(i -> b.delayNanos(3)).distinct().count();
    assertThat(distinct).as("jitter").isGreaterThan(50);
  }

  @Test
  void rejectsNonsense() {
    assertThatThrownBy(() -> new Backoff(Duration.ZERO, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .hasMessageContaining("shorter than the minimum");
  }
}
