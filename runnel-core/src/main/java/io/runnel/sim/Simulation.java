package io.runnel.sim;

import io.runnel.RunnelBuilder;
import io.runnel.RuntimeContext;
import io.runnel.internal.runtime.SimulatedBuilders;
import io.runnel.internal.time.Parking;
import io.runnel.internal.time.SimScheduler;
import io.runnel.spi.Checks;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * Runs a pipeline in simulated time, deterministically: for testing pipelines, including your own.
 *
 * <p>Time is virtual: {@link RuntimeContext#nanoTime()}, {@link RuntimeContext#now()}, sleeps,
 * tickers and receive timeouts all follow it. It stands still while tasks run and jumps ahead
 * whenever every task waits at a Runnel waiting point, so 24 hours of a 1 kHz ticker take seconds.
 * Exactly one task runs at a time, and which one runs next is drawn from a random generator seeded
 * with the simulation's seed: the same seed and pipeline give the same interleaving.
 *
 * <pre>{@code
 * try (Simulation sim = Simulation.withSeed(42)) {
 *   Runnel runnel = sim.builder()
 *       .configure(Double.class, TEMP, r -> r.source(sensor))
 *       .build()
 *       .start();
 *   Reader<Double> temps = runnel.subscribe(Double.class, TEMP);
 *   sim.advance(Duration.ofHours(24));
 *   assertThat(temps.received()).isEqualTo(...);
 * }
 * }</pre>
 *
 * <p>Rules: one simulation per JVM at a time (JUnit runs tests one by one unless told otherwise);
 * tasks must wait only at Runnel's waiting points: a task blocked elsewhere ({@code Thread.sleep},
 * a socket, a lock) for longer than the {@linkplain #stuckTimeout(Duration) stuck timeout} of real
 * time makes {@link #advance} fail with a report naming the task and showing its stack, never a
 * silent hang. Outside threads (the test) may produce and subscribe while the simulation is paused
 * between advances. {@link #close()} closes the pipelines and lets their threads end in real time.
 * Interrupts (sent when a pipeline closes) are not part of the deterministic schedule.
 */
public final class Simulation implements AutoCloseable {

  private final long seed;
  private final Duration stuckTimeout;
  private final Instant epoch;
  private SimScheduler scheduler;

  private Simulation(long seed, Duration stuckTimeout, Instant epoch) {
    this.seed = seed;
    this.stuckTimeout = stuckTimeout;
    this.epoch = epoch;
  }

  /** A simulation whose interleaving of tasks is determined by {@code seed}. */
  public static Simulation withSeed(long seed) {
    return new Simulation(seed, Duration.ofSeconds(10), Instant.parse("2030-01-01T00:00:00Z"));
  }

  /**
   * A not yet started copy in which a task may run at most {@code timeout} of real time without a
   * waiting point (default 10 s).
   */
  public Simulation stuckTimeout(Duration timeout) {
    Checks.positive("stuckTimeout", timeout);
    requireNotStarted();
    return new Simulation(seed, timeout, epoch);
  }

  /**
   * A not yet started copy whose virtual time zero is {@code epoch} (default 2030-01-01T00:00Z).
   */
  public Simulation epoch(Instant epoch) {
    Checks.notNull("epoch", epoch);
    requireNotStarted();
    return new Simulation(seed, stuckTimeout, epoch);
  }

  private void requireNotStarted() {
    if (scheduler != null) {
      throw new IllegalStateException("configure the simulation before calling builder()");
    }
  }

  private SimScheduler scheduler() {
    if (scheduler == null) {
      scheduler = new SimScheduler(seed, epoch, stuckTimeout);
      Parking.installWaker(scheduler);
    }
    return scheduler;
  }

  /** A builder whose pipeline runs in this simulation (on every lane it declares). */
  public RunnelBuilder builder() {
    return SimulatedBuilders.create(scheduler());
  }

  /**
   * Runs every task until virtual time has advanced by {@code duration} (tasks run whenever they
   * are due; time jumps when all wait).
   *
   * @throws IllegalStateException if a task blocked outside Runnel (with the task and its stack)
   */
  public void advance(Duration duration) {
    Objects.requireNonNull(duration, "duration");
    if (duration.isNegative()) {
      throw new IllegalArgumentException("cannot advance by a negative duration: " + duration);
    }
    scheduler().advance(duration);
  }

  /**
   * Advances in steps of {@code step} until {@code condition} holds (checked between steps) or
   * {@code max} of virtual time has passed.
   *
   * @return whether the condition held
   */
  public boolean advanceUntil(BooleanSupplier condition, Duration step, Duration max) {
    long limit = nanoTime() + max.toNanos();
    while (!condition.getAsBoolean()) {
      if (nanoTime() - limit >= 0) {
        return false;
      }
      advance(step);
    }
    return true;
  }

  /** Virtual time elapsed since the start, in nanoseconds. */
  public long nanoTime() {
    return scheduler().nanoTime();
  }

  /** The virtual wall clock. */
  public Instant now() {
    return scheduler().now();
  }

  public long seed() {
    return seed;
  }

  /** Closes every pipeline built from this simulation and ends the simulation. */
  @Override
  public void close() {
    if (scheduler != null) {
      scheduler.release();
      scheduler.closePipelines();
      Parking.uninstallWaker(scheduler);
    }
  }
}
