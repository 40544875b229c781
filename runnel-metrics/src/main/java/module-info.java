/** Runnel's metrics as Micrometer meters, and a Prometheus scrape. */
module io.runnel.metrics {
  requires transitive io.runnel.core;

// exports io.runnel.metrics; (added with its first class)
}
