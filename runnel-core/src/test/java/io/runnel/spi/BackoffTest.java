package io.runnel.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class BackoffTest {

  private static final Backoff B =
      Backoff.exponential(Duration.ofMillis(100), Duration.ofSeconds(1));

  @Test
  void ceilingDoublesFromTheInitialDelayUpToTheMaximum() {
    assertThat(B.ceiling(0)).isEqualTo(Duration.ofMillis(100));
    assertThat(B.ceiling(1)).isEqualTo(Duration.ofMillis(200));
    assertThat(B.ceiling(3)).isEqualTo(Duration.ofMillis(800));
    assertThat(B.ceiling(4)).isEqualTo(Duration.ofSeconds(1));
    assertThat(B.ceiling(Integer.MAX_VALUE)).isEqualTo(Duration.ofSeconds(1));
    Backoff huge = Backoff.exponential(Duration.ofDays(1), Duration.ofDays(365 * 300));
    assertThat(huge.ceiling(1_000)).isEqualTo(Duration.ofNanos(Long.MAX_VALUE)); // saturates
  }

  @Test
  void fullJitterIsUniformBelowTheCeiling() {
    SplittableRandom r = new SplittableRandom(7);
    long below = 0;
    for (int i = 0; i < 10_000; i++) {
      Duration d = B.delay(10, r);
      assertThat(d).isBetween(Duration.ZERO, Duration.ofSeconds(1));
      if (d.compareTo(Duration.ofMillis(500)) < 0) {
        below++;
      }
    }
    assertThat(below).isBetween(4_500L, 5_500L); // uniform, not clustered at the cap
  }

  @Test
  void equalJitterNeverRetriesEarlierThanHalfTheCeiling() {
    Backoff b = B.jitter(Backoff.Jitter.EQUAL);
    for (int attempt = 0; attempt < 60; attempt++) {
      long c = b.ceiling(attempt).toNanos();
      for (int i = 0; i < 200; i++) {
        assertThat(b.delay(attempt).toNanos()).isBetween(c / 2, c);
      }
    }
    long distinct = IntStream.range(0, 100).mapToLong(i -> b.delay(3).toNanos()).distinct().count();
    assertThat(distinct).as("jitter").isGreaterThan(50);
  }

  @Test
  void aSeededRandomGivesTheSameSequence() {
    long[] a = IntStream.range(0, 20).mapToLong(i -> 0).toArray();
    SplittableRandom r1 = new SplittableRandom(42);
    SplittableRandom r2 = new SplittableRandom(42);
    for (int i = 0; i < a.length; i++) {
      assertThat(B.delay(i, r1)).isEqualTo(B.delay(i, r2));
    }
  }

  @Test
  void rejectsNonsenseWithTheCommonMessages() {
    assertThatThrownBy(() -> Backoff.exponential(Duration.ZERO, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("initial must be positive, got PT0S");
    assertThatThrownBy(() -> Backoff.exponential(Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .hasMessage("initial must not exceed max, got PT2S > PT1S");
    assertThatThrownBy(() -> Backoff.exponential(null, Duration.ofSeconds(1)))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("initial must not be null");
  }
}
