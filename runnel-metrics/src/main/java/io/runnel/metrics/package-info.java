/**
 * Runnel's metrics: {@link io.runnel.metrics.RunnelMetrics} binds a pipeline's records, tasks,
 * lanes and connectors (and optionally a history store) to a Micrometer registry, reading one
 * snapshot per scrape; {@link io.runnel.metrics.PrometheusScrape} renders them for Prometheus
 * without depending on an HTTP server. The names and tags are listed in the module's README.
 */
package io.runnel.metrics;
