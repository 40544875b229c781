package io.runnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Tickers run on real time here (short and bounded); what is asserted is exact arithmetic on the
 * deadlines, never wall-clock precision, so these tests are robust on a loaded machine. Long-run
 * drift over simulated hours belongs to the simulated lane.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TickerTest {

  static final RecordKey KEY = RecordKey.of("test.ticks");

  /** Runs {@code body} inside a source task and returns what it recorded. */
  static <R> R inTask(TaskBody<R> body) throws Exception {
    CompletableFuture<R> result = new CompletableFuture<>();
    try (Runnel runnel =
        Runnel.builder()
            .configure(
                Integer.class,
                KEY,
                r ->
                    r.restart(RestartPolicy.never())
                        .source(
                            (ctx, out) -> {
                              try {
                                result.complete(body.run(ctx));
                              } catch (Throwable t) {
                                result.completeExceptionally(t);
                              }
                            }))
            .build()
            .start()) {
      return result.get(30, TimeUnit.SECONDS);
    }
  }

  interface TaskBody<R> {
    R run(RuntimeContext ctx) throws Exception;
  }

  @Test
  void deadlinesStayOnTheGridWhateverTheWakeUpJitter() throws Exception {
    long[] deadlines =
        inTask(
            ctx -> {
              Ticker ticker = ctx.ticker(Duration.ofMillis(2), MissedTickPolicy.BURST);
              long[] d = new long[100];
              for (int i = 0; i < d.length; i++) {
                d[i] = ticker.await();
              }
              return d;
            });
    for (int i = 1; i < deadlines.length; i++) {
      assertThat(deadlines[i] - deadlines[0]).isEqualTo(i * 2_000_000L);
    }
  }

  @Test
  void theFirstTickIsImmediateAndEveryTickIsNotEarly() throws Exception {
    List<long[]> ticks =
        inTask(
            ctx -> {
              Ticker ticker = ctx.ticker(Duration.ofMillis(3));
              List<long[]> out = new ArrayList<>();
              for (int i = 0; i < 20; i++) {
                long deadline = ticker.await();
                out.add(new long[] {deadline, ctx.nanoTime()});
              }
              return out;
            });
    for (long[] t : ticks) {
      assertThat(t[1]).isGreaterThanOrEqualTo(t[0]);
    }
  }

  @Test
  void skipDropsMissedTicksAndStaysOnTheGrid() throws Exception {
    long[] r =
        inTask(
            ctx -> {
              Ticker ticker = ctx.ticker(Duration.ofMillis(5), MissedTickPolicy.SKIP);
              long first = ticker.await();
              ctx.sleep(Duration.ofMillis(23)); // stall for more than four periods
              long next = ticker.await(); // the overdue tick fires at once
              long after = ticker.await(); // then the next grid point in the future
              return new long[] {first, next, after, ticker.missedTicks(), ctx.nanoTime()};
            });
    long period = 5_000_000L;
    assertThat(r[1] - r[0]).isEqualTo(period);
    assertThat((r[2] - r[0]) % period).isZero();
    assertThat(r[2] - r[1]).isGreaterThanOrEqualTo(2 * period);
    assertThat(r[3]).isGreaterThanOrEqualTo(3);
  }

  @Test
  void burstFiresEveryMissedTickAtOnce() throws Exception {
    long[] r =
        inTask(
            ctx -> {
              Ticker ticker = ctx.ticker(Duration.ofMillis(5), MissedTickPolicy.BURST);
              long first = ticker.await();
              ctx.sleep(Duration.ofMillis(26));
              long before = ctx.nanoTime();
              long[] d = new long[8];
              d[0] = first;
              d[1] = before;
              for (int i = 0; i < 5; i++) {
                d[2 + i] = ticker.await(); // 5 overdue ticks
              }
              d[7] = ticker.missedTicks();
              return d;
            });
    long first = r[0];
    long before = r[1];
    for (int i = 0; i < 5; i++) {
      assertThat(r[2 + i])
          .isEqualTo(first + (i + 1) * 5_000_000L); // every grid point, none skipped
      assertThat(r[2 + i]).isLessThan(before); // all were already due: fired without waiting
    }
    assertThat(r[7]).isZero();
  }

  @Test
  void delayReanchorsTheGridAfterALateTick() throws Exception {
    long[] r =
        inTask(
            ctx -> {
              Ticker ticker = ctx.ticker(Duration.ofMillis(5), MissedTickPolicy.DELAY);
              ticker.await();
              ctx.sleep(Duration.ofMillis(17));
              long late = ticker.await();
              long lateness = ticker.lastLatenessNanos();
              long next = ticker.await();
              return new long[] {late, lateness, next, ticker.missedTicks()};
            });
    // exact arithmetic, whatever the load: the grid restarts where the late tick actually fired
    assertThat(r[1]).isGreaterThanOrEqualTo(5_000_000L);
    assertThat(r[2]).isEqualTo(r[0] + r[1] + 5_000_000L);
    assertThat(r[3]).isGreaterThanOrEqualTo(1);
  }

  @Test
  void invalidPeriodsAreRejected() throws Exception {
    Throwable t =
        inTask(
            ctx -> {
              try {
                ctx.ticker(Duration.ZERO);
                return null;
              } catch (IllegalArgumentException e) {
                return e;
              }
            });
    assertThat(t).hasMessageContaining("period must be positive");
    assertThatThrownBy(() -> RestartPolicy.backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .hasMessage("initial must not exceed max, got PT2S > PT1S");
  }
}
