/**
 * History: a crash-safe write-ahead log of record values, queries, durable cursors, {@code Persist}
 * and {@code Replay}, and the {@code HistoryReader} every store-and-forward connector reads
 * through. The log itself ({@code io.runnel.store.wal}) is not exported.
 */
module io.runnel.store {
  requires transitive io.runnel.core;
  requires transitive io.runnel.codec;

  exports io.runnel.store;
}
