package io.runnel.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.function.DoubleSupplier;

/**
 * One meter Runnel wants in a registry: its identity (name and tags), what it is, and where its
 * value comes from. The value is read from the current snapshot; it never calls {@code inspect()}
 * itself.
 *
 * @param name Micrometer name (dot-separated; the registry's naming convention renders it)
 * @param counter a monotonic count ({@link FunctionCounter}) rather than a {@link Gauge}
 * @param baseUnit the base unit ({@code seconds}, {@code bytes}, ...), or {@code null}
 * @param description the help text
 * @param tags the tags, common tags included
 * @param value the value now (NaN once what it measures is gone)
 */
record MeterSpec(
    String name,
    boolean counter,
    String baseUnit,
    String description,
    Tags tags,
    DoubleSupplier value) {

  /** The identity a registry keys the meter by (name and tags). */
  String identity() {
    return name + tags;
  }

  /**
   * Registers the meter. Its value function first lets {@code metrics} refresh its snapshot when it
   * is stale, so a registry that polls meters one by one still reads one snapshot per period.
   * Gauges hold {@code metrics} strongly: Micrometer holds a function's object weakly, and a binder
   * bound with {@code new RunnelMetrics(...).bindTo(registry)} is referenced by nothing else.
   */
  Meter register(MeterRegistry registry, RunnelMetrics metrics) {
    if (counter) {
      return FunctionCounter.builder(name, metrics, m -> m.read(value))
          .description(description)
          .baseUnit(baseUnit)
          .tags(tags)
          .register(registry);
    }
    return Gauge.builder(name, metrics, m -> m.read(value))
        .description(description)
        .baseUnit(baseUnit)
        .tags(tags)
        .strongReference(true)
        .register(registry);
  }
}
