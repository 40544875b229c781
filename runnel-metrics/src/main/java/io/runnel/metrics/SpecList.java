package io.runnel.metrics;

import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleSupplier;

/** Collects {@link MeterSpec}s, adding the common tags to each. */
final class SpecList {
  private final Tags common;
  private final List<MeterSpec> specs = new ArrayList<>();

  SpecList(Tags common) {
    this.common = common;
  }

  SpecList counter(String name, String description, Tags tags, DoubleSupplier value) {
    specs.add(new MeterSpec(name, true, null, description, common.and(tags), value));
    return this;
  }

  SpecList gauge(String name, String description, Tags tags, DoubleSupplier value) {
    return gauge(name, null, description, tags, value);
  }

  SpecList gauge(
      String name, String baseUnit, String description, Tags tags, DoubleSupplier value) {
    specs.add(new MeterSpec(name, false, baseUnit, description, common.and(tags), value));
    return this;
  }

  List<MeterSpec> list() {
    return specs;
  }

  /** Nanoseconds as seconds (Prometheus' base unit of time). */
  static double seconds(long nanos) {
    return nanos / 1e9;
  }

  static double bool(boolean b) {
    return b ? 1 : 0;
  }
}
