package io.runnel.metrics;

/**
 * Something measured: the pipeline ({@link GraphMeters}) or a store ({@link StoreMeters}). It keeps
 * the data of its last {@link #refresh()}; its meters read that data, never the live object.
 */
interface MeterSource {

  /**
   * Takes new data now (one {@code inspect()}, one {@code stats()}).
   *
   * @throws RuntimeException if the data could not be read; the previous data stays
   */
  void refresh();

  /**
   * What decides which meters exist (record keys, task ids, hook counter names, ...): equal shapes
   * give the same meter identities from {@link #specs}.
   */
  Object shape();

  /**
   * Adds the meters for the current data to {@code out}; their values read whatever data is current
   * when they are read.
   */
  void specs(SpecList out);
}
