package io.runnel.metrics.modular;

import io.runnel.RecordKey;
import io.runnel.Runnel;
import io.runnel.buffer.Producer;
import io.runnel.metrics.PrometheusScrape;

/**
 * Run by {@code ModulePathTest} on the class path of a JVM whose module path holds the module and
 * its dependencies: uses only what {@code io.runnel.metrics} exports (and what it requires
 * transitively).
 */
public final class ModulePathMain {
  private ModulePathMain() {}

  public static void main(String[] args) {
    Module m = PrometheusScrape.class.getModule();
    if (!m.isNamed() || !m.getName().equals("io.runnel.metrics")) {
      System.out.println("io.runnel.metrics is not a named module here: " + m);
      System.exit(3);
    }
    RecordKey key = RecordKey.of("modular.count");
    try (Runnel r =
        Runnel.builder().configure(Long.class, key, c -> c.external()).build().start()) {
      Producer<Long> out = r.producer(Long.class, key);
      for (long i = 0; i < 3; i++) {
        out.produce(i);
      }
      PrometheusScrape scrape = PrometheusScrape.of(r);
      // JVM meters from micrometer-core, bound to the same registry, on the module path too
      new io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics().bindTo(scrape.registry());
      String text = scrape.scrape();
      boolean ok =
          text.contains("runnel_record_produced_total{record=\"modular.count\"} 3.0")
              && text.contains("jvm_threads_live_threads");
      System.out.println(ok ? "module path: ok" : "module path: wrong scrape:\n" + text);
      System.exit(ok ? 0 : 4);
    }
  }
}
