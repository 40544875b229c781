/**
 * Runnable applications showing Runnel on realistic shapes: start with {@link
 * io.runnel.examples.TemperatureDemo}, which {@code ./runnel demo} runs.
 */
package io.runnel.examples;
