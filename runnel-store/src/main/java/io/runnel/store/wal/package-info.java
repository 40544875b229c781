/**
 * The write-ahead log behind {@link io.runnel.store.HistoryStore}: segment files, their entry
 * format, and the threads that write, recover, trim and wait for them. Internal: not exported by
 * the module; its public types serve the {@code io.runnel.store} facade only and may change at any
 * time.
 *
 * <h2>Model</h2>
 *
 * <p>A store directory holds <em>segment files</em> ({@code <20-digit base sequence>.wal}), each a
 * 32-byte header followed by length-prefixed, CRC32C-checksummed <em>frames</em>, one per entry
 * ({@link io.runnel.store.wal.EntryFormat}; normative description in {@code docs/FORMAT.md}). A
 * frame starts with a sync marker, so a reader can resynchronise after damage ({@link
 * io.runnel.store.wal.SegmentScanner}). Every segment has an in-memory sparse index ({@link
 * io.runnel.store.wal.Segment}) rebuilt at open.
 *
 * <h2>Who owns what</h2>
 *
 * <table>
 *   <caption>Threads and the state they own</caption>
 *   <tr><th>class</th><th>thread</th><th>owns</th></tr>
 *   <tr><td>{@link io.runnel.store.wal.HandoffQueue}</td><td>producers (any thread, lock-free:
 *       a CAS on the tail) and the writer (a CAS on the head), cursors padded apart in {@code
 *       HandoffCursors}</td><td>the queued values and their bytes (two bounds), sequence
 *       assignment, overflow policy</td></tr>
 *   <tr><td>{@link io.runnel.store.wal.SegmentWriter}</td><td>the writer thread (one per
 *       store)</td><td>the active segment file and position, the frame buffer, group commit and
 *       the fsync policy, segment rolls</td></tr>
 *   <tr><td>{@link io.runnel.store.wal.DurableSequence}</td><td>moved by the writer, read and
 *       awaited by anyone</td><td>the durable sequence, the store's failure</td></tr>
 *   <tr><td>{@link io.runnel.store.wal.Recovery}</td><td>the opening thread, before the writer
 *       starts</td><td>the scan at open: index rebuild, torn-tail cut, damage report</td></tr>
 *   <tr><td>{@link io.runnel.store.wal.SegmentRetention}</td><td>the writer thread or a caller of
 *       {@code applyRetention}, serialised on the segment list</td><td>deleting whole segments
 *       from the oldest end, per-key ages</td></tr>
 *   <tr><td>{@link io.runnel.store.wal.SegmentList}</td><td>copy on write: read by anyone,
 *       changed by the writer (roll) and retention (trim)</td><td>the current segments</td></tr>
 *   <tr><td>{@link io.runnel.store.wal.Segment}</td><td>extended by the writer, read by queries
 *       under its monitor</td><td>one file's sparse index and published end</td></tr>
 *   <tr><td>{@code SyncRequest}</td><td>requested by anyone, served and cleared by the
 *       writer</td><td>the highest sequence {@code sync()} asked to force</td></tr>
 *   <tr><td>{@link io.runnel.store.wal.StoreFileSystem}</td><td>every thread that does file
 *       I/O</td><td>nothing: the one seam for every file operation of the store (the platform's
 *       by default; a power-cut simulation in tests)</td></tr>
 * </table>
 *
 * <p>Queries ({@code io.runnel.store.HistoryQueries}) and cursors ({@code CursorRegistry}) live in
 * the facade's package, because they hand out its public types.
 *
 * <h2>Invariants</h2>
 *
 * <ul>
 *   <li>Sequence order is queue order is file order; within a segment sequences strictly increase.
 *   <li>Only the writer thread writes segment files; readers never read past a segment's published
 *       end, so never a partial frame.
 *   <li>The durable sequence only grows, never passes what was written, and moves only after the
 *       fsync that made it true (or, for {@code Durability.never()}, the write).
 *   <li>Sealed segments are never modified; recovery repairs only the last segment's tail, and
 *       never touches a segment file it rejects (another version, or a header that disagrees with
 *       its name).
 *   <li>All file I/O goes through {@link io.runnel.store.wal.StoreFileSystem}. A file's content is
 *       durable after its {@code force}; its name only after its directory's: every file and
 *       directory the store creates is followed by a directory force before anything relies on it.
 *   <li>Retention never deletes the active segment, and deletes a segment a cursor has not passed
 *       only when the size limit forces it (counted and logged).
 *   <li>The append path is the codec's size estimate and one {@link
 *       io.runnel.store.wal.HandoffQueue#offer}: no lock, no I/O, no encoding, no thread wake-up
 *       (except when the queue is half full, by entries or bytes); a producer never waits for the
 *       writer (only {@code waitUpTo} on a full queue waits, for room).
 *   <li>The queue never holds more than its entry bound, nor more bytes (as the entries account for
 *       them) than its byte bound.
 * </ul>
 */
package io.runnel.store.wal;
