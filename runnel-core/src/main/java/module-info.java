/**
 * Runnel's core: records, buffers, the checked graph, lanes, time, simulation, introspection and
 * the extension SPI. No third-party runtime dependency beyond HdrHistogram.
 *
 * <p>Exported (the API a user types): {@code io.runnel}, {@code io.runnel.buffer}, {@code
 * io.runnel.inspect}, {@code io.runnel.sim} and, for extension authors, {@code io.runnel.spi}.
 * Everything under {@code io.runnel.internal} is the implementation and is not exported: the build
 * fails if another module imports it (see {@code docs/ARCHITECTURE.md}).
 */
module io.runnel.core {
  requires HdrHistogram; // no Automatic-Module-Name in its manifest: see decision 008
  requires jdk.jfr;

  exports io.runnel;
  exports io.runnel.buffer;
  exports io.runnel.inspect;
  exports io.runnel.sim;
  exports io.runnel.spi;
}
