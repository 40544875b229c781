package io.runnel.internal.runtime;

import io.runnel.Runnel;
import io.runnel.RunnelBuilder;
import io.runnel.internal.time.SimScheduler;
import java.util.Objects;
import java.util.function.Function;

/**
 * How {@link io.runnel.sim.Simulation} (another package) gets a {@link RunnelBuilder} that runs
 * under its scheduler without a public API for it: {@code RunnelBuilder} registers a factory when
 * its class is initialised (the JDK's "shared secrets" pattern). Not exported from the module.
 */
public final class SimulatedBuilders {
  private static volatile Function<SimScheduler, RunnelBuilder> factory;

  private SimulatedBuilders() {}

  /** Called once, by {@code RunnelBuilder}'s static initialiser. */
  public static void register(Function<SimScheduler, RunnelBuilder> f) {
    Objects.requireNonNull(f, "factory must not be null");
    synchronized (SimulatedBuilders.class) {
      if (factory != null) {
        throw new IllegalStateException("the simulated builder factory is registered already");
      }
      factory = f;
    }
  }

  /** A builder whose pipeline runs under {@code scheduler}. */
  public static RunnelBuilder create(SimScheduler scheduler) {
    if (factory == null) {
      Runnel.builder(); // initialises RunnelBuilder, which registers the factory
    }
    return factory.apply(scheduler);
  }
}
