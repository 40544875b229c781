/**
 * Shared mechanics of the core's implementation: the one latency histogram shape and the one way
 * its percentiles are read ({@link io.runnel.internal.util.Histograms}). Not exported.
 */
package io.runnel.internal.util;
