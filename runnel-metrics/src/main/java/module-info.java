/**
 * Runnel's metrics as Micrometer meters ({@link io.runnel.metrics.RunnelMetrics}), and a Prometheus
 * scrape ({@link io.runnel.metrics.PrometheusScrape}). The store is needed only for the store's
 * meters: it is an optional dependency, so a pipeline without history is measured without it.
 */
// Micrometer ships no module descriptor, only Automatic-Module-Names
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module io.runnel.metrics {
  requires transitive io.runnel.core;
  requires static io.runnel.store;
  requires transitive micrometer.core;
  requires transitive micrometer.registry.prometheus;

  exports io.runnel.metrics;
}
