package io.runnel.examples;

import io.runnel.RuntimeContext;
import io.runnel.Source;
import io.runnel.Ticker;
import io.runnel.buffer.Producer;
import io.runnel.examples.Temperatures.Reading;
import java.time.Duration;
import java.util.SplittableRandom;

/**
 * A temperature sensor simulated as a slow sine wave plus noise, sampled on a drift-free ticker.
 * Deterministic for a given seed.
 */
public final class SimulatedSensor implements Source<Reading> {
  private final String name;
  private final double mean;
  private final double swing;
  private final Duration cycle;
  private final Duration period;
  private final long seed;

  public SimulatedSensor(
      String name, double mean, double swing, Duration cycle, Duration period, long seed) {
    this.name = name;
    this.mean = mean;
    this.swing = swing;
    this.cycle = cycle;
    this.period = period;
    this.seed = seed;
  }

  @Override
  public void run(RuntimeContext ctx, Producer<Reading> out) throws InterruptedException {
    SplittableRandom random = new SplittableRandom(seed);
    Ticker ticker = ctx.ticker(period);
    long start = ctx.nanoTime();
    while (true) {
      long deadline = ticker.await();
      double phase = 2 * Math.PI * (deadline - start) / (double) cycle.toNanos();
      double celsius = mean + swing * Math.sin(phase) + random.nextGaussian() * 0.05;
      out.produce(new Reading(name, celsius, ctx.now()));
    }
  }
}
