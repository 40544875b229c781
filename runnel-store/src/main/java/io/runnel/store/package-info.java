/**
 * The write-ahead history store: a durable, queryable log of record values.
 *
 * <h2>Model</h2>
 *
 * <p>A {@link io.runnel.store.HistoryStore} owns one directory of <em>segment files</em>. Any
 * thread {@linkplain io.runnel.store.HistoryStore#append appends} a value with its record key and a
 * {@link io.runnel.codec.Codec}; the append only hands the value to a bounded queue and returns its
 * <em>sequence</em>. One writer thread per store encodes, frames (length + CRC32C) and writes the
 * values in batches, and forces them to disk according to the {@link io.runnel.store.Durability}
 * policy (group commit by default). {@link io.runnel.store.HistoryStore#durableSequence()} and
 * {@link io.runnel.store.HistoryStore#awaitDurable} tell producers what has reached stable storage.
 *
 * <p>On open, every segment is scanned: a torn tail is cut, damage inside is reported and skipped,
 * and a sparse index (per segment: sequence and time range, key set, and every N-th entry's offset
 * with its block's time range) is rebuilt in memory. {@linkplain io.runnel.store.HistoryStore#query
 * Queries} (key, time range, from a sequence) and {@linkplain io.runnel.store.HistoryStore#latest
 * latest N} read only the index blocks that can match. {@link io.runnel.store.Retention} deletes
 * whole segments by age and size, respecting durable, named {@linkplain io.runnel.store.StoreCursor
 * cursors}.
 *
 * <p>The byte format is specified in {@code docs/FORMAT.md}.
 *
 * <h2>Threads</h2>
 *
 * <p>Everything public is thread-safe. Producers never do I/O; queries do their own reads on the
 * calling thread and never block the writer.
 */
package io.runnel.store;
