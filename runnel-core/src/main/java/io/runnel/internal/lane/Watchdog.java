package io.runnel.internal.lane;

import io.runnel.spi.Durations;
import java.util.Collection;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * The watchdog of one pipeline, on its own platform thread: every few milliseconds it finds the
 * lane threads that have been running longer than their lane's limit without reaching a waiting
 * point, and reports each such run episode once ({@link Lane#watchdogReport}).
 *
 * <p>It only reads the {@link Activity} fields the lane threads publish (volatile), and writes
 * {@code reported}, so it never blocks a lane. It polls at a quarter of the smallest limit, between
 * 1 ms and 100 ms.
 */
public final class Watchdog implements Runnable {
  private static final System.Logger LOG = System.getLogger("io.runnel.Runnel");

  private final String pipeline;
  private final java.util.function.Supplier<Collection<Lane>> lanes;
  private final BooleanSupplier running;

  private Watchdog(
      String pipeline,
      java.util.function.Supplier<Collection<Lane>> lanes,
      BooleanSupplier running) {
    this.pipeline = pipeline;
    this.lanes = lanes;
    this.running = running;
  }

  /**
   * Starts the watchdog thread; it ends when {@code running} turns false or it is interrupted. It
   * asks {@code lanes} for the lanes at each poll, so lanes added at run time are watched too.
   */
  public static Thread start(
      String pipeline,
      java.util.function.Supplier<Collection<Lane>> lanes,
      BooleanSupplier running) {
    return Thread.ofPlatform()
        .daemon(true)
        .name("runnel:" + pipeline + ":watchdog")
        .start(new Watchdog(pipeline, lanes, running));
  }

  @Override
  public void run() {
    while (running.getAsBoolean()) {
      Collection<Lane> current = lanes.get();
      long minLimit = Long.MAX_VALUE;
      for (Lane lane : current) {
        minLimit = Math.min(minLimit, Durations.saturatedNanos(lane.spec.watchdogLimit()));
      }
      LockSupport.parkNanos(Math.max(1_000_000L, Math.min(100_000_000L, minLimit / 4)));
      if (Thread.interrupted()) {
        return;
      }
      long now = System.nanoTime();
      for (Lane lane : current) {
        long limit = Durations.saturatedNanos(lane.spec.watchdogLimit());
        for (Activity a : lane.activities) {
          long since = a.runningSince;
          if (since != 0 && !a.reported && now - since > limit) {
            a.reported = true;
            try {
              lane.watchdogReport(a, now - since);
            } catch (RuntimeException e) {
              LOG.log(System.Logger.Level.WARNING, "[" + pipeline + "] watchdog report failed", e);
            }
          }
        }
      }
    }
  }
}
