package io.runnel.examples;

import io.runnel.LaneSpec;
import io.runnel.MissedTickPolicy;
import io.runnel.RecordKey;
import io.runnel.Runnel;
import io.runnel.Shutdown;
import io.runnel.Ticker;
import io.runnel.WaitStrategy;
import io.runnel.inspect.TaskInfo;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Measures timer drift over a real run: a Runnel ticker (absolute deadlines on the monotonic clock,
 * on a dedicated lane) beside a naive loop that sleeps one period after each cycle (the way a sleep
 * loop drifts). Every {@code --report} it prints, for both, how far the loop is behind the ideal
 * grid {@code start + k * period}.
 */
@Command(
    name = "runnel example DriftCheck",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    description = "Timer drift over a real run: Runnel ticker vs a sleep loop.")
public final class DriftCheck implements Callable<Integer> {

  static final RecordKey TICKER = RecordKey.of("drift.ticker");
  static final RecordKey SLEEPER = RecordKey.of("drift.sleeper");

  @Option(
      names = "--duration",
      defaultValue = "10m",
      converter = TemperatureDemo.DurationConverter.class,
      description = "How long to run (default: ${DEFAULT-VALUE}).")
  Duration duration;

  @Option(
      names = "--period",
      defaultValue = "1ms",
      converter = TemperatureDemo.DurationConverter.class,
      description = "Tick period (default: ${DEFAULT-VALUE}).")
  Duration period;

  @Option(
      names = "--report",
      defaultValue = "1m",
      converter = TemperatureDemo.DurationConverter.class,
      description = "Report interval (default: ${DEFAULT-VALUE}).")
  Duration report;

  private final PrintStream out;

  /** Ticker: ticks fired and skipped; the sleep loop: cycles completed. Start times in nanos. */
  final AtomicLong tickerStart = new AtomicLong();

  /** The ticker's last tick: its index + 1 (skipped ticks included), deadline and firing time. */
  record Tick(long slots, long deadline, long fired) {}

  final java.util.concurrent.atomic.AtomicReference<Tick> lastTick =
      new java.util.concurrent.atomic.AtomicReference<>(new Tick(0, 0, 0));
  final AtomicLong sleeperStart = new AtomicLong();
  final AtomicLong sleeperCycles = new AtomicLong();
  final AtomicLong sleeperLastEnd = new AtomicLong();

  DriftCheck(PrintStream out) {
    this.out = out;
  }

  public static void main(String[] args) {
    Cli.main(new DriftCheck(System.out), args);
  }

  Runnel pipeline() {
    long periodNanos = period.toNanos();
    return Runnel.builder()
        .name("drift")
        .lane("ticker", LaneSpec.dedicated().waitStrategy(WaitStrategy.SPIN_THEN_PARK))
        .configure(
            Long.class,
            TICKER,
            r ->
                r.lane("ticker")
                    .source(
                        (ctx, o) -> {
                          Ticker t = ctx.ticker(period, MissedTickPolicy.SKIP);
                          boolean first = true;
                          for (; ; ) {
                            long deadline = t.await();
                            long now = ctx.nanoTime();
                            if (first) {
                              tickerStart.set(deadline);
                              first = false;
                            }
                            lastTick.set(new Tick(t.ticks() + t.missedTicks(), deadline, now));
                          }
                        }))
        .configure(
            Long.class,
            SLEEPER,
            r ->
                r.source(
                    (ctx, o) -> {
                      sleeperStart.set(ctx.nanoTime());
                      for (long n = 1; ; n++) {
                        ctx.sleep(Duration.ofNanos(periodNanos));
                        sleeperCycles.set(n);
                        sleeperLastEnd.set(ctx.nanoTime());
                      }
                    }))
        .build();
  }

  @Override
  public Integer call() throws Exception {
    Cli.positive("--period", period);
    Cli.positive("--duration", duration);
    Cli.positive("--report", report);
    long periodNanos = period.toNanos();
    out.printf(
        Locale.ROOT,
        "Drift check: period %s for %s; a Runnel ticker (dedicated lane, SPIN_THEN_PARK, SKIP)"
            + " beside a loop sleeping one period per cycle (virtual thread)%n",
        TemperatureDemo.human(period),
        TemperatureDemo.human(duration));
    out.printf(
        Locale.ROOT,
        "%8s  %14s  %14s  %14s  %24s%n",
        "elapsed",
        "ticker slots",
        "ticker behind",
        "sleeper cycles",
        "sleeper behind");
    boolean interrupted;
    try (Shutdown shutdown = Shutdown.install();
        Runnel runnel = pipeline().start()) {
      long start = System.nanoTime();
      long end = start + duration.toNanos();
      long next = start + report.toNanos();
      while (true) {
        long now = System.nanoTime();
        long wait = Math.min(next, end) - now;
        if (wait > 0) {
          if (shutdown.await(Duration.ofNanos(wait))) {
            line(periodNanos, System.nanoTime() - start);
            break;
          }
          continue;
        }
        line(periodNanos, now - start);
        if (now >= end) {
          break;
        }
        next += report.toNanos();
      }
      TaskInfo.Lateness l = runnel.inspect().task(TICKER.id() + "/source").orElseThrow().lateness();
      out.printf(
          Locale.ROOT,
          "ticker lateness: p50 %.1f us, p99 %.1f us, p99.9 %.1f us, max %.1f us; %d ticks, %d skipped%n",
          l.p50Nanos() / 1e3,
          l.p99Nanos() / 1e3,
          l.p999Nanos() / 1e3,
          l.maxNanos() / 1e3,
          l.ticks(),
          l.missedTicks());
      interrupted = shutdown.requested();
      if (interrupted) {
        out.println("interrupted (shutdown requested): the figures above cover the run so far");
      }
    }
    return interrupted ? Shutdown.EXIT_SIGTERM : Shutdown.EXIT_OK;
  }

  /**
   * One report line. "Behind" is how far each loop's last cycle ended after the ideal grid point of
   * its index ({@code start + k * period}): for the ticker (skipped ticks counted as slots) that is
   * its last tick's lateness, bounded; for the sleep loop it grows with every cycle.
   */
  private void line(long periodNanos, long elapsedNanos) {
    Tick t = lastTick.get();
    long slots = t.slots();
    long tickerBehind = t.fired() - (tickerStart.get() + (slots - 1) * periodNanos);
    long cycles = sleeperCycles.get();
    long sleeperElapsed = sleeperLastEnd.get() - sleeperStart.get();
    long behind = sleeperElapsed - cycles * periodNanos;
    out.printf(
        Locale.ROOT,
        "%8s  %14d  %11.1f us  %14d  %14.1f ms (%4.1f%%)%n",
        TemperatureDemo.human(Duration.ofNanos(elapsedNanos).withNanos(0)),
        slots,
        tickerBehind / 1e3,
        cycles,
        behind / 1e6,
        sleeperElapsed == 0 ? 0.0 : 100.0 * behind / sleeperElapsed);
  }
}
