package io.runnel.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The history route's {@link Pacer}, on a clock the test moves. */
class PacerTest {

  private static final long MS = 1_000_000;

  @Test
  void aFreshPacerAllowsOneBurstThenOneMessagePerInterval() {
    long now = 1_000 * MS;
    Pacer p = new Pacer(1000, now); // 1 ms apart, bursts of 50
    assertThat(p.permits(now)).isEqualTo(50);
    p.sent(50, now);
    assertThat(p.permits(now)).isZero();
    assertThat(p.nanosToNext(now)).isEqualTo(MS);
    assertThat(p.permits(now + MS)).isEqualTo(1);
    assertThat(p.permits(now + 10 * MS)).isEqualTo(10);
    p.sent(10, now + 10 * MS);
    assertThat(p.permits(now + 10 * MS)).isZero();
  }

  @Test
  void anIdlePacerRegainsItsBurstAndNoMore() {
    long now = 0;
    Pacer p = new Pacer(100, now); // 10 ms apart, bursts of 5
    p.sent(5, now);
    assertThat(p.permits(now + 10_000 * MS)).isEqualTo(5);
    assertThat(p.nanosToNext(now + 10_000 * MS)).isZero();
  }

  @Test
  void overAnySpanTheCountIsAtMostTheBurstPlusTheRate() {
    Pacer p = new Pacer(500, 0); // 2 ms apart, bursts of 25
    long now = 0;
    int sent = 0;
    while (now < 1_000 * MS) {
      int k = p.permits(now);
      p.sent(k, now);
      sent += k;
      now += 137_000; // a loop that looks every 0.137 ms
    }
    assertThat(sent).isBetween(500, 25 + 500);
  }

  @Test
  void zeroIsUnlimitedAndNegativeIsRefused() {
    Pacer p = new Pacer(0, 0);
    assertThat(p.unlimited()).isTrue();
    p.sent(1_000_000, 0);
    assertThat(p.permits(0)).isEqualTo(Integer.MAX_VALUE);
    assertThat(p.nanosToNext(0)).isZero();
    assertThatThrownBy(() -> new Pacer(-1, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThat(Pacer.burstOf(1)).isEqualTo(1);
    assertThat(Pacer.burstOf(400)).isEqualTo(20);
  }
}
