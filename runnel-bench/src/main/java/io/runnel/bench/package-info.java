/**
 * JMH benchmarks of the buffers: Runnel's SPMC ring against the LMAX Disruptor and {@code
 * ArrayBlockingQueue} behind one harness interface ({@code SpmcHarness}), throughput, latency and
 * allocation. A harness module: it uses only the exported API of the modules it measures, which
 * {@code ModuleBoundaryTest} checks. See {@code runnel-bench/README.md} and {@code
 * docs/BENCHMARKS.md}.
 */
package io.runnel.bench;
