/**
 * JMH benchmarks of the history store: append latency on the producer's thread, group-commit
 * throughput, and SQLite (WAL mode) as the baseline for the same workload.
 */
package io.runnel.bench.store;
