package io.runnel.store;

import io.runnel.RecordKey;
import io.runnel.codec.Codec;
import io.runnel.store.wal.DirectoryLock;
import io.runnel.store.wal.DurableSequence;
import io.runnel.store.wal.HandoffQueue;
import io.runnel.store.wal.Recovery;
import io.runnel.store.wal.SchemaRegistry;
import io.runnel.store.wal.Segment;
import io.runnel.store.wal.SegmentList;
import io.runnel.store.wal.SegmentRetention;
import io.runnel.store.wal.SegmentWriter;
import io.runnel.store.wal.StoreFileSystem;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;

/**
 * A write-ahead history of record values in one directory: appended from any thread, written by one
 * writer thread into checksummed segment files, forced to disk by a {@link Durability} policy,
 * queryable by key, time and sequence, trimmed by {@link Retention}.
 *
 * <pre>{@code
 * try (HistoryStore store = HistoryStore.open(StoreConfig.builder(dir).build())) {
 *   Codec<Reading> codec = Codec.forRecord(Reading.class);
 *   long seq = store.append(Key.INDOOR, reading, codec);     // hand-off only
 *   store.awaitDurable(seq, Duration.ofSeconds(1));           // optional: wait for the fsync
 *   for (StoredEntry e : store.latest(Key.INDOOR, 10)) {
 *     Reading r = e.decode(codec);
 *   }
 * }
 * }</pre>
 *
 * <h2>Contract</h2>
 *
 * <ul>
 *   <li><b>Append</b> ({@link #append}) is thread-safe and costs the producer one hand-off into a
 *       bounded queue (no I/O, no encoding; the codec's {@link Codec#sizeHint size estimate}); it
 *       returns the value's sequence. The queue is bounded in entries and in bytes ({@link
 *       StoreConfig#queueCapacity()}, {@link StoreConfig#queueBytes()}); when either is reached the
 *       {@link OverflowPolicy} decides; each outcome is counted in {@link #stats()}, those of the
 *       byte bound also on their own.
 *   <li><b>Sequences</b> increase in append order. They are contiguous except where a value was
 *       dropped ({@link OverflowPolicy#dropOldest()}) or could not be encoded.
 *   <li><b>Durability</b>: {@link #durableSequence()} is the highest sequence such that every entry
 *       up to it is on stable storage (or was dropped). After a crash, every entry at or below the
 *       durable sequence reported before the crash is recovered.
 *   <li><b>Recovery</b> on {@link #open}: an invalid tail of the last segment (a torn write) is cut
 *       and never returned; damage elsewhere is logged with file and offset, counted, and skipped;
 *       the valid entries around it stay readable.
 *   <li><b>Queries</b> see every entry the writer has handed to the OS, durable or not, and never a
 *       damaged or partial one.
 * </ul>
 *
 * <h2>Implementation overview</h2>
 *
 * <p>This class is the facade; each part of the work is owned by one class, most of them in the
 * internal package {@code io.runnel.store.wal} (see its package comment for the threads and
 * invariants):
 *
 * <ul>
 *   <li>producers enqueue into the {@code wal.HandoffQueue}, which assigns sequences (the append
 *       path is this class's {@code append} plus one {@code offer});
 *   <li>the {@code wal.SegmentWriter} (the writer thread) drains, encodes, frames, writes,
 *       group-commits and rolls segments;
 *   <li>the {@code wal.DurableSequence} holds the durable sequence and runs {@link #awaitDurable};
 *   <li>{@code wal.Recovery} scans the directory at {@link #open};
 *   <li>{@code wal.SegmentRetention} trims whole segments from the oldest end;
 *   <li>{@code HistoryQueries} reads segments on the caller's thread, guided by each segment's
 *       sparse index; {@code CursorRegistry} keeps the named cursors.
 * </ul>
 */
public final class HistoryStore implements AutoCloseable {

  static final System.Logger LOG = System.getLogger("io.runnel.store");

  private final StoreConfig config;
  private final Path dir;
  private final DirectoryLock lock;
  private final HandoffQueue queue;
  private final SegmentList segments;
  private final Recovery recovery;
  private final DurableSequence durable;
  private final SegmentWriter writer;
  private final SegmentRetention retention;
  private final HistoryQueries queries;
  private final CursorRegistry cursors;

  private volatile boolean closed;

  /** For {@link DurableSequence#await}: nothing will ever become durable again. */
  private final BooleanSupplier writerGone = this::writerGone;

  private HistoryStore(StoreConfig config, StoreFileSystem fs) throws IOException {
    this.config = config;
    this.dir = config.directory();
    fs.createDirectoriesDurably(dir); // a power cut must not take the new directory with it
    this.lock = DirectoryLock.acquire(fs, dir);
    this.cursors = CursorRegistry.create(fs, dir);
    SchemaRegistry schemas = SchemaRegistry.load(fs, dir);
    this.recovery =
        new Recovery(fs, dir, config.indexInterval(), config.segmentBytes(), config.clock());
    Recovery.Result recovered;
    try {
      recovered = recovery.run();
    } catch (IOException | RuntimeException e) {
      lock.release();
      throw e;
    }
    this.segments = new SegmentList(recovered.segments());
    long next = recovered.nextSequence();
    this.queue = new HandoffQueue(config.queueCapacity(), next, config.queueBytes());
    this.durable = new DurableSequence(dir, next - 1);
    cursors.load();
    this.retention =
        new SegmentRetention(fs, dir, config.retention(), config.clock(), segments, cursors.all());
    this.queries = new HistoryQueries(fs, segments, schemas);
    this.writer =
        new SegmentWriter(
            config, fs, schemas, queue, segments, retention, durable, recovered.active(), next - 1);
    writer.start();
  }

  /**
   * Opens (creating if needed) the store in {@code config.directory()}, recovering its segments,
   * and starts its writer thread.
   *
   * @throws IOException if the directory or its files cannot be read or repaired
   */
  public static HistoryStore open(StoreConfig config) throws IOException {
    return open(config, StoreFileSystem.platform());
  }

  /** Tests: opens the store on another file system (e.g. one that simulates power cuts). */
  static HistoryStore open(StoreConfig config, StoreFileSystem fs) throws IOException {
    return new HistoryStore(
        Objects.requireNonNull(config, "config"), Objects.requireNonNull(fs, "fs"));
  }

  // ---------------------------------------------------------------------------------- append

  /**
   * Appends with the configured default overflow policy; see {@link #append(RecordKey, long,
   * Object, Codec, OverflowPolicy)}.
   */
  public <T> long append(RecordKey key, T value, Codec<T> codec) {
    return append(key, nowMicros(), value, codec, config.overflow());
  }

  /** Appends with the given overflow policy, timestamped now. */
  public <T> long append(RecordKey key, T value, Codec<T> codec, OverflowPolicy policy) {
    return append(key, nowMicros(), value, codec, policy);
  }

  /**
   * Hands a value to the writer thread. The value must not be mutated afterwards (it is encoded
   * later, on the writer thread).
   *
   * @param timestampMicros wall-clock time of the value, epoch microseconds
   * @return the value's sequence, or -1 if it was dropped at once ({@link
   *     OverflowPolicy#dropOldest()} with nothing older to drop)
   * @throws IllegalArgumentException if the key id is not valid (as {@link #appender} checks)
   * @throws StoreFullException if the queue is full and the policy gives up
   * @throws StoreException if the store is closed or has failed
   */
  public <T> long append(
      RecordKey key, long timestampMicros, T value, Codec<T> codec, OverflowPolicy policy) {
    Objects.requireNonNull(value, "value");
    String id = key.id();
    if (id != lastCheckedKey) { // one reference compare for a producer that appends one key
      checkKey(id);
      lastCheckedKey = id;
    }
    return queue.offer(new HandoffQueue.Pending(id, timestampMicros, value, codec), policy);
  }

  /**
   * The key id {@link #append} checked last. A plain field on purpose: any value a thread reads was
   * checked by some thread (a String is immutable), and a stale one only costs another check.
   */
  private String lastCheckedKey;

  private static void checkKey(String id) {
    RecordKey.problem(id)
        .ifPresent(
            p -> {
              throw new IllegalArgumentException(p);
            });
  }

  /**
   * An appender bound to one key and codec, for a producer's hot path. Checks the key at once.
   *
   * @throws IllegalArgumentException if the key id is not valid
   */
  public <T> Appender<T> appender(RecordKey key, Codec<T> codec) {
    checkKey(key.id());
    Codec.requireUsable(codec);
    return new Appender<>(this, key, codec, config.overflow());
  }

  /** Appends values of one key with one codec; thread-safe. See {@link #appender}. */
  public static final class Appender<T> {
    private final HistoryStore store;
    private final RecordKey key;
    private final String id;
    private final Codec<T> codec;
    private final OverflowPolicy policy;

    Appender(HistoryStore store, RecordKey key, Codec<T> codec, OverflowPolicy policy) {
      this.store = store;
      this.key = key;
      this.id = key.id();
      this.codec = codec;
      this.policy = policy;
    }

    /** The key this appender writes. */
    public RecordKey key() {
      return key;
    }

    /** The same appender with another overflow policy. */
    public Appender<T> withPolicy(OverflowPolicy policy) {
      return new Appender<>(store, key, codec, Objects.requireNonNull(policy, "policy"));
    }

    /** The overflow policy {@link #append(Object)} uses. */
    public OverflowPolicy policy() {
      return policy;
    }

    /** Appends {@code value}, timestamped now; see {@link HistoryStore#append}. */
    public long append(T value) {
      return append(store.nowMicros(), value, policy);
    }

    /** Appends {@code value} with an explicit timestamp and policy. */
    public long append(long timestampMicros, T value, OverflowPolicy policy) {
      Objects.requireNonNull(value, "value");
      return store.queue.offer(new HandoffQueue.Pending(id, timestampMicros, value, codec), policy);
    }
  }

  // ---------------------------------------------------------------------------------- durability

  /** The highest sequence such that all entries up to it are on stable storage; -1 if none. */
  public long durableSequence() {
    return durable.get();
  }

  /** Values of {@code key} dropped under {@link OverflowPolicy#dropOldest()} since open. */
  public long droppedFor(RecordKey key) {
    return queue.droppedFor(key.id());
  }

  /** Of {@link #droppedFor}, the values dropped because of the queue's byte bound. */
  public long droppedOverBytesFor(RecordKey key) {
    return queue.droppedOverBytesFor(key.id());
  }

  /** The highest sequence the writer has handed to the OS (visible to queries). */
  public long writtenSequence() {
    return writer.writtenSequence();
  }

  /**
   * Waits until {@code sequence} is durable.
   *
   * @return true if it is durable, false if the timeout elapsed first
   * @throws StoreException if the store failed (or was closed) before the sequence became durable
   * @throws InterruptedException if interrupted while waiting
   */
  public boolean awaitDurable(long sequence, Duration timeout) throws InterruptedException {
    if (durable.get() >= sequence) {
      return true;
    }
    queue.wakeWriter(); // the writer polls; a waiter wants it now
    return durable.await(sequence, timeout, writerGone);
  }

  /**
   * Asks the writer to force everything written so far at once, whatever the durability policy.
   *
   * @return the highest sequence appended so far; {@link #awaitDurable} it to wait for the force
   */
  public long sync() {
    long last = queue.lastAssignedSequence();
    writer.requestSync(last);
    queue.wakeWriter();
    return last;
  }

  // ---------------------------------------------------------------------------------- queries

  /**
   * The entries matching the query, in sequence order, at most {@code query.limit()} of them.
   * Segments and index blocks whose key set, time range or sequence range cannot match are not
   * read.
   *
   * @throws IOException if a segment cannot be read
   */
  public List<StoredEntry> query(Query query) throws IOException {
    return queries.query(query);
  }

  /**
   * {@link #query(Query)} restricted further to the keys {@code selected} selects, looking at no
   * more than {@code budget} entries of the range.
   */
  HistoryQueries.Scan scan(Query query, SelectedKeys selected, long budget) throws IOException {
    return queries.scan(query, selected, budget);
  }

  /**
   * The newest {@code n} entries of a key, oldest first. Reads segments and index blocks from the
   * newest backwards and stops as soon as it has {@code n}.
   *
   * @throws IOException if a segment cannot be read
   */
  public List<StoredEntry> latest(RecordKey key, int n) throws IOException {
    if (n < 1) {
      throw new IllegalArgumentException("n must be positive: " + n);
    }
    return queries.latest(key, n);
  }

  /**
   * The ids of the record keys that have entries in the store now (written, not necessarily durable
   * yet; retention removes a key with its last segment), sorted. From the segments' index: no file
   * is read.
   */
  public SortedSet<String> storedKeys() {
    TreeSet<String> ids = new TreeSet<>();
    for (Segment s : segments.current()) {
      ids.addAll(s.keys);
    }
    return Collections.unmodifiableSortedSet(ids);
  }

  /** Entries decoded by queries so far (tests: the sparse index avoids full scans). */
  long queryEntriesScanned() {
    return queries.entriesScanned.sum();
  }

  // ---------------------------------------------------------------------------------- cursors

  /**
   * The named cursor, created at position 0 if new. Names follow the record-key syntax.
   *
   * @throws IllegalArgumentException if the name is not valid
   * @throws IOException if the cursor file cannot be read
   */
  public StoreCursor cursor(String name) throws IOException {
    return cursors.cursor(name);
  }

  /**
   * The store's cursors now, sorted by name: each one's name and position (the next sequence its
   * owner still has to process), and how many durable entries lie at or after it ({@code
   * durableSequence + 1 - position}, at least 0). A snapshot for introspection (the remote server's
   * {@code stats}, the dashboard); a cursor moving meanwhile is not reflected.
   */
  public List<CursorPosition> cursors() {
    long durable = durableSequence();
    List<CursorPosition> out = new ArrayList<>();
    for (StoreCursor c : cursors.all()) {
      long position = c.position();
      out.add(new CursorPosition(c.name(), position, Math.max(0, durable + 1 - position)));
    }
    out.sort(java.util.Comparator.comparing(CursorPosition::name));
    return List.copyOf(out);
  }

  /**
   * One cursor in {@link #cursors()}.
   *
   * @param name the cursor's name
   * @param position the next sequence still to be processed
   * @param behind durable entries at or after {@code position}
   */
  public record CursorPosition(String name, long position, long behind) {}

  /** Removes a cursor, so it no longer holds back retention. */
  public void deleteCursor(String name) throws IOException {
    cursors.delete(name);
  }

  // ---------------------------------------------------------------------------------- retention

  /**
   * Sets how long values of {@code key} are kept at least, overriding the store's {@link
   * Retention#maxAge()} for this key ({@code null}: keep forever). Segments hold many keys and are
   * deleted whole, so a segment is deleted on age only when every key in it is past its own limit;
   * the size limit still applies to everything. The setting lives in this instance only: any
   * process that opens the store and applies retention must set it too ({@link Persist} does so
   * when its pipeline is built), or the store-wide age applies. A long-lived key keeps every
   * segment it appears in, so interleaved short-lived keys are kept as long (disk cost).
   */
  public void retain(RecordKey key, Duration maxAge) {
    if (maxAge != null && (maxAge.isNegative() || maxAge.isZero())) {
      throw new IllegalArgumentException("retention age must be positive: " + maxAge);
    }
    retention.retain(key.id(), maxAge);
  }

  /**
   * Applies the retention policy now (the writer also does so at every segment roll and every
   * {@link StoreConfig#retentionCheckInterval()}).
   *
   * @return how many segments were deleted
   */
  public int applyRetention() throws IOException {
    return retention.apply();
  }

  // ---------------------------------------------------------------------------------- stats, close

  /** The store's counters now. */
  public StoreStats stats() {
    long[] q = new long[HandoffQueue.STATS];
    queue.fillStats(q);
    long total = 0;
    List<Segment> segs = segments.current();
    for (Segment s : segs) {
      total += s.size();
    }
    return new StoreStats(
        q[0],
        q[1],
        q[2],
        q[3],
        q[4],
        q[5],
        writer.written(),
        writer.encodeFailures(),
        writer.batches(),
        writer.fsyncs(),
        writer.writtenSequence(),
        durable.get(),
        segs.size(),
        total,
        recovery.damagedRegions(),
        recovery.damagedBytes(),
        recovery.tornTailBytes(),
        retention.segmentsDeleted(),
        retention.cursorOverruns(),
        q[6],
        q[7],
        q[8],
        q[9],
        q[10]);
  }

  /** The store's directory. */
  public Path directory() {
    return dir;
  }

  private boolean writerGone() {
    return closed && !writer.isAlive();
  }

  /** True once {@link #close()} was called (or the store crashed in a test). */
  boolean isClosed() {
    return closed;
  }

  /**
   * Stops accepting appends, writes and forces everything queued, stops the writer thread (waiting
   * at most 30 s for it) and unlocks the directory. Idempotent.
   *
   * @throws StoreException if the writer is still running after 30 s (a stuck disk): the store is
   *     then closed for appends, but the directory stays locked, so that no second store writes it
   *     beside this writer; call {@code close()} again later
   */
  @Override
  public void close() {
    close(Duration.ofSeconds(30));
  }

  /** {@link #close()} waiting at most {@code timeout} for the writer (tests). */
  void close(Duration timeout) {
    closed = true;
    queue.close("the history store in " + dir + " is closed");
    try {
      writer.join(timeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    durable.signal();
    if (writer.isAlive()) {
      // releasing the lock now would let a second writer open the directory beside this one
      String problem =
          "history store in "
              + dir
              + " failed to close: its writer thread is still running after "
              + timeout
              + " (disk stuck?); the directory stays locked. Call close() again later";
      LOG.log(Level.ERROR, problem);
      throw new StoreException(problem);
    }
    lock.release();
  }

  /** Simulates a crash in tests: stops the writer without flushing or forcing. */
  void crashForTest() {
    durable.fail(new IllegalStateException("simulated crash"));
    closed = true;
    queue.close("crashed");
    writer.interrupt();
    try {
      writer.join(Duration.ofMillis(10_000));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    lock.release();
  }

  long nowMicros() {
    Instant t = config.clock().instant();
    return t.getEpochSecond() * 1_000_000L + t.getNano() / 1000;
  }

  @Override
  public String toString() {
    return "HistoryStore[" + dir + "]";
  }
}
