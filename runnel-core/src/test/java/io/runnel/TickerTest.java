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
              ticker.await();
              ctx.sleep(Duration.ofMillis(26));
              long before = ctx.nanoTime();
              for (int i = 0; i < 5; i++) {
                ticker.await(); // 5 overdue ticks: no waiting
              }
              return new long[] {ctx.nanoTime() - before, ticker.ticks(), ticker.missedTicks()};
            });
    assertThat(r[0]).isLessThan(TimeUnit.MILLISECONDS.toNanos(4));
    assertThat(r[1]).isEqualTo(6);
    assertThat(r[2]).isZero();
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
              long firedAt = ctx.nanoTime();
              long next = ticker.await();
              return new long[] {late, firedAt, next, ticker.missedTicks()};
            });
    assertThat(r[2] - r[1]).isLessThanOrEqualTo(5_000_000L).isGreaterThan(0);
    assertThat(r[3]).isEqualTo(1);
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
        .hasMessageContaining("must not be below");
  }
}
