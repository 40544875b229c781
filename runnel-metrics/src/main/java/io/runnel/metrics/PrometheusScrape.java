package io.runnel.metrics;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.runnel.Runnel;
import io.runnel.store.HistoryStore;
import java.util.Objects;

/**
 * A Prometheus scrape of a pipeline's meters: the body and content type an HTTP endpoint at {@code
 * /metrics} serves. It depends on no HTTP server; the remote server, for one, serves it with
 *
 * <pre>{@code
 * PrometheusScrape metrics = PrometheusScrape.of(runnel, store);
 * ... .httpEndpoint("/metrics", metrics.contentType(), metrics::scrape)
 * }</pre>
 *
 * <p>Each {@link #scrape()} takes one pipeline snapshot (see {@link RunnelMetrics}) and renders
 * every meter of its {@link #registry()} in the Prometheus text format 0.0.4. More meters (JVM, the
 * application's own) can be bound to that registry. Thread-safe.
 */
public final class PrometheusScrape {
  /** The content type of {@link #scrape()}: the Prometheus text exposition format 0.0.4. */
  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final RunnelMetrics metrics;
  private final PrometheusMeterRegistry registry;

  private PrometheusScrape(RunnelMetrics metrics) {
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    metrics.bindTo(registry);
  }

  /** A scrape of {@code runnel}'s meters. */
  public static PrometheusScrape of(Runnel runnel) {
    return new PrometheusScrape(RunnelMetrics.of(runnel));
  }

  /** A scrape of {@code runnel}'s and {@code store}'s meters. */
  @SuppressWarnings("exports") // the store is optional (requires static), as in runnel-mqtt
  public static PrometheusScrape of(Runnel runnel, HistoryStore store) {
    return new PrometheusScrape(RunnelMetrics.builder(runnel).store(store).build());
  }

  /** A scrape of the meters of a configured binding (tags, several stores, snapshot age). */
  public static PrometheusScrape of(RunnelMetrics metrics) {
    return new PrometheusScrape(metrics);
  }

  /** The content type of {@link #scrape()} ({@value #CONTENT_TYPE}). */
  public String contentType() {
    return CONTENT_TYPE;
  }

  /** Every meter now, in the Prometheus text format; takes one pipeline snapshot. */
  public String scrape() {
    metrics.refresh();
    return registry.scrape();
  }

  /** The registry the meters live in; bind more meters to it to have them scraped too. */
  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** The binding whose meters this scrapes. */
  public RunnelMetrics metrics() {
    return metrics;
  }
}
