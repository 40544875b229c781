package io.runnel.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BackoffTest {

  @Test
  void capDoublesFromTheMinimumUpToTheMaximum() {
    Backoff b = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1));
    assertThat(b.cap(1)).isEqualTo(Duration.ofMillis(100));
    assertThat(b.cap(2)).isEqualTo(Duration.ofMillis(200));
    assertThat(b.cap(4)).isEqualTo(Duration.ofMillis(800));
    assertThat(b.cap(5)).isEqualTo(Duration.ofSeconds(1));
    assertThat(b.cap(Integer.MAX_VALUE)).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void delaysAreFullyJitteredWithinTheCap() {
    Backoff b = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1));
    SplittableRandom r = new SplittableRandom(7);
    long below = 0;
    for (int i = 0; i < 10_000; i++) {
      Duration d = b.delay(10, r);
      assertThat(d).isBetween(Duration.ZERO, Duration.ofSeconds(1));
      if (d.compareTo(Duration.ofMillis(500)) < 0) {
        below++;
      }
    }
    assertThat(below).isBetween(4_500L, 5_500L); // uniform, not clustered at the cap
  }
}
