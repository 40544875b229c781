package io.runnel.store;

import io.runnel.RecordKey;
import io.runnel.codec.Codec;
import io.runnel.codec.CodecException;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.zip.CRC32C;

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
 *       bounded queue (no I/O, no encoding); it returns the value's sequence. When the queue is
 *       full the {@link OverflowPolicy} decides; each outcome is counted in {@link #stats()}.
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
 * <p>Producers enqueue into {@link HandoffQueue}, which assigns sequences. The writer thread drains
 * everything queued as one batch, encodes each value into a direct buffer of frames ({@link
 * EntryFormat}), writes it to the active segment, publishes the new end to readers ({@link
 * Segment#publish}), then (policy permitting) forces once for the whole batch (group commit) and
 * advances the durable sequence, waking {@link #awaitDurable} callers. While it forces, producers
 * fill the next batch. A segment is sealed (forced, closed) when the next frame would exceed the
 * segment size; the next file is named after the next entry's sequence. Queries run on the caller's
 * thread with their own file channels, guided by each segment's sparse index. Retention deletes
 * whole segments from the oldest end, under the segment-list lock.
 */
public final class HistoryStore implements AutoCloseable {

  static final System.Logger LOG = System.getLogger("io.runnel.store");
  private static final int MAX_BATCH = 4096;

  /** The writer's first poll interval when the queue is empty; doubles up to the maximum. */
  private static final long MIN_POLL_NANOS = 50_000;

  /** Longest time a value waits in the queue before the writer looks (unless someone awaits). */
  static final long MAX_POLL_NANOS = 2_000_000;

  private static final String CURSOR_DIR = "cursors";
  private static final String CURSOR_SUFFIX = ".cursor";
  private static final String LOCK_FILE = "store.lock";

  private final StoreConfig config;
  private final Path dir;
  private final SchemaRegistry schemas;
  private final HandoffQueue queue;
  private final Object segmentsLock = new Object();
  private volatile List<Segment> segments;
  private final Map<String, StoreCursor> cursors = new ConcurrentHashMap<>();

  /**
   * Per-key age limits that override the store's ({@link #retain}); a null-valued entry is
   * "forever".
   */
  private final Map<String, java.util.Optional<Duration>> keyAges = new ConcurrentHashMap<>();

  private final Thread writer;
  private final FileChannel lockChannel;

  private final ReentrantLock durableLock = new ReentrantLock();
  private final Condition durableAdvanced = durableLock.newCondition();
  private volatile long durableSequence;
  private volatile long writtenSequence;
  private volatile Throwable failure;

  /** Highest sequence someone asked to force ({@link #sync()}); -1 if none. */
  private final AtomicLong syncUpTo = new AtomicLong(-1);

  private volatile boolean closed;

  private final AtomicLong written = new AtomicLong();
  private final AtomicLong encodeFailures = new AtomicLong();
  private final AtomicLong batches = new AtomicLong();
  private final AtomicLong fsyncs = new AtomicLong();
  private final AtomicLong damagedRegions = new AtomicLong();
  private final AtomicLong damagedBytes = new AtomicLong();
  private final AtomicLong tornTailBytes = new AtomicLong();
  private final AtomicLong segmentsDeleted = new AtomicLong();
  private final AtomicLong cursorOverruns = new AtomicLong();

  /** Entries decoded by queries; lets tests check that the sparse index avoids full scans. */
  final java.util.concurrent.atomic.LongAdder queryEntriesScanned =
      new java.util.concurrent.atomic.LongAdder();

  // writer-thread state
  private FileChannel activeChannel;
  private Segment active;
  private long activePosition;
  private final ByteBuffer out = ByteBuffer.allocateDirect(1 << 20);
  private final CRC32C crc = new CRC32C();
  private final Map<String, byte[]> keyBytes = new HashMap<>();

  private HistoryStore(StoreConfig config) throws IOException {
    this.config = config;
    this.dir = config.directory();
    Files.createDirectories(dir);
    this.lockChannel = lockDirectory(dir);
    Files.createDirectories(dir.resolve(CURSOR_DIR));
    this.schemas = SchemaRegistry.load(dir);
    List<Segment> recovered;
    try {
      recovered = recover();
    } catch (IOException | RuntimeException e) {
      lockChannel.close();
      throw e;
    }
    this.segments = List.copyOf(recovered);
    long next = 0;
    for (Segment s : recovered) {
      next = Math.max(next, Math.max(s.baseSequence, s.lastSequence() + 1));
    }
    this.queue = new HandoffQueue(config.queueCapacity(), next);
    this.durableSequence = next - 1;
    this.writtenSequence = next - 1;
    loadCursors();
    this.writer = new Thread(this::writerLoop, "runnel-store-writer[" + dir.getFileName() + "]");
    writer.setDaemon(true);
    writer.start();
  }

  /**
   * Opens (creating if needed) the store in {@code config.directory()}, recovering its segments,
   * and starts its writer thread.
   *
   * @throws IOException if the directory or its files cannot be read or repaired
   */
  public static HistoryStore open(StoreConfig config) throws IOException {
    return new HistoryStore(Objects.requireNonNull(config, "config"));
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
   * @throws StoreFullException if the queue is full and the policy gives up
   * @throws StoreException if the store is closed or has failed
   */
  public <T> long append(
      RecordKey key, long timestampMicros, T value, Codec<T> codec, OverflowPolicy policy) {
    Objects.requireNonNull(value, "value");
    return queue.offer(new HandoffQueue.Pending(key.id(), timestampMicros, value, codec), policy);
  }

  /**
   * An appender bound to one key and codec, for a producer's hot path. Checks the key at once.
   *
   * @throws IllegalArgumentException if the key id is not valid
   */
  public <T> Appender<T> appender(RecordKey key, Codec<T> codec) {
    RecordKey.problem(key.id())
        .ifPresent(
            p -> {
              throw new IllegalArgumentException(p);
            });
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
    return durableSequence;
  }

  /** Values of {@code key} dropped under {@link OverflowPolicy#dropOldest()} since open. */
  public long droppedFor(RecordKey key) {
    return queue.droppedFor(key.id());
  }

  /** The highest sequence the writer has handed to the OS (visible to queries). */
  public long writtenSequence() {
    return writtenSequence;
  }

  /**
   * Waits until {@code sequence} is durable.
   *
   * @return true if it is durable, false if the timeout elapsed first
   * @throws StoreException if the store failed (or was closed) before the sequence became durable
   * @throws InterruptedException if interrupted while waiting
   */
  public boolean awaitDurable(long sequence, Duration timeout) throws InterruptedException {
    if (durableSequence >= sequence) {
      return true;
    }
    queue.wakeWriter(); // the writer polls; a waiter wants it now
    long nanos = timeout.toNanos();
    durableLock.lock();
    try {
      while (durableSequence < sequence) {
        Throwable f = failure;
        if (f != null) {
          throw new StoreException(
              "history store in " + dir + " failed before sequence " + sequence + " was durable",
              f);
        }
        if (closed && !writer.isAlive()) {
          throw new StoreException(
              "history store in "
                  + dir
                  + " was closed before sequence "
                  + sequence
                  + " was durable (it was never appended?)");
        }
        if (nanos <= 0) {
          return false;
        }
        nanos = durableAdvanced.awaitNanos(nanos);
      }
      return true;
    } finally {
      durableLock.unlock();
    }
  }

  /**
   * Asks the writer to force everything written so far at once, whatever the durability policy.
   *
   * @return the highest sequence appended so far; {@link #awaitDurable} it to wait for the force
   */
  public long sync() {
    long last = queue.lastAssignedSequence();
    syncUpTo.accumulateAndGet(last, Math::max);
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
    List<StoredEntry> result = new ArrayList<>();
    for (Segment seg : segments) {
      Segment.View v = seg.view();
      if (!mayMatch(seg, v, query)) {
        continue;
      }
      try (FileChannel ch = openForQuery(seg)) {
        if (ch == null) {
          continue;
        }
        SegmentScanner scanner = SegmentScanner.of(ch);
        int first =
            query.fromSequence() > v.segmentFirstSeq()
                ? v.blockForSequence(query.fromSequence())
                : 0;
        for (int b = first; b < v.blocks(); b++) {
          if (v.blockMaxTs(b) < query.fromMicros() || v.blockMinTs(b) >= query.toMicros()) {
            continue;
          }
          scanner.scan(
              v.blockStart(b),
              v.blockEnd(b),
              seg.baseSequence,
              (offset, frame, e) -> {
                queryEntriesScanned.increment();
                if (query.matches(e)) {
                  result.add(e.withSchemas(schemas));
                }
                return result.size() < query.limit();
              });
          if (result.size() >= query.limit()) {
            return result;
          }
        }
      }
    }
    return result;
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
    String id = key.id();
    ArrayDeque<StoredEntry> result = new ArrayDeque<>();
    List<Segment> segs = segments;
    for (int i = segs.size() - 1; i >= 0 && result.size() < n; i--) {
      Segment seg = segs.get(i);
      if (!seg.keys.contains(id)) {
        continue;
      }
      Segment.View v = seg.view();
      try (FileChannel ch = openForQuery(seg)) {
        if (ch == null) {
          continue;
        }
        SegmentScanner scanner = SegmentScanner.of(ch);
        for (int b = v.blocks() - 1; b >= 0 && result.size() < n; b--) {
          List<StoredEntry> block = new ArrayList<>();
          scanner.scan(
              v.blockStart(b),
              v.blockEnd(b),
              seg.baseSequence,
              (offset, frame, e) -> {
                queryEntriesScanned.increment();
                if (e.key().equals(id)) {
                  block.add(e.withSchemas(schemas));
                }
                return true;
              });
          for (int j = block.size() - 1; j >= 0 && result.size() < n; j--) {
            result.addFirst(block.get(j));
          }
        }
      }
    }
    return new ArrayList<>(result);
  }

  private static boolean mayMatch(Segment seg, Segment.View v, Query q) {
    return v.entries() > 0
        && v.segmentLastSeq() >= q.fromSequence()
        && v.segmentMaxTs() >= q.fromMicros()
        && v.segmentMinTs() < q.toMicros()
        && (q.key() == null || seg.keys.contains(q.key()));
  }

  private static FileChannel openForQuery(Segment seg) throws IOException {
    try {
      return FileChannel.open(seg.path, StandardOpenOption.READ);
    } catch (NoSuchFileException e) {
      if (seg.deleted()) {
        return null; // removed by retention while the query ran
      }
      throw e;
    }
  }

  // ---------------------------------------------------------------------------------- cursors

  /**
   * The named cursor, created at position 0 if new. Names follow the record-key syntax.
   *
   * @throws IllegalArgumentException if the name is not valid
   * @throws IOException if the cursor file cannot be read
   */
  public StoreCursor cursor(String name) throws IOException {
    RecordKey.problem(name)
        .ifPresent(
            p -> {
              throw new IllegalArgumentException("cursor name: " + p);
            });
    synchronized (cursors) {
      StoreCursor c = cursors.get(name);
      if (c == null) {
        c = StoreCursor.load(name, dir.resolve(CURSOR_DIR).resolve(name + CURSOR_SUFFIX), LOG);
        cursors.put(name, c);
      }
      return c;
    }
  }

  /** Removes a cursor, so it no longer holds back retention. */
  public void deleteCursor(String name) throws IOException {
    synchronized (cursors) {
      cursors.remove(name);
      Files.deleteIfExists(dir.resolve(CURSOR_DIR).resolve(name + CURSOR_SUFFIX));
    }
  }

  private void loadCursors() throws IOException {
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir.resolve(CURSOR_DIR))) {
      for (Path p : ds) {
        String f = p.getFileName().toString();
        if (f.endsWith(CURSOR_SUFFIX + ".tmp")) {
          Files.deleteIfExists(p); // an interrupted advance; the old file is still valid
        } else if (f.endsWith(CURSOR_SUFFIX)) {
          String name = f.substring(0, f.length() - CURSOR_SUFFIX.length());
          cursors.put(name, StoreCursor.load(name, p, LOG));
        }
      }
    }
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
    keyAges.put(key.id(), java.util.Optional.ofNullable(maxAge));
  }

  private static long micros(Duration d) {
    try {
      return Math.addExact(Math.multiplyExact(d.getSeconds(), 1_000_000L), d.getNano() / 1000);
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }

  /** The age limit of a segment: the longest of its keys' limits; null if one keeps forever. */
  private Duration ageLimitOf(Segment s, Duration storeAge) {
    if (keyAges.isEmpty() || s.keys.isEmpty()) {
      return storeAge;
    }
    Duration longest = null;
    for (String k : s.keys) {
      java.util.Optional<Duration> own = keyAges.get(k);
      Duration age = own != null ? own.orElse(null) : storeAge;
      if (age == null) {
        return null;
      }
      if (longest == null || age.compareTo(longest) > 0) {
        longest = age;
      }
    }
    return longest;
  }

  /**
   * Applies the retention policy now (the writer also does so at every segment roll and every
   * {@link StoreConfig#retentionCheckInterval()}).
   *
   * @return how many segments were deleted
   */
  public int applyRetention() throws IOException {
    Retention r = config.retention();
    List<Segment> deleted = new ArrayList<>();
    synchronized (segmentsLock) {
      List<Segment> segs = segments;
      if (segs.size() <= 1) {
        return 0;
      }
      long total = 0;
      for (Segment s : segs) {
        total += s.size();
      }
      long minCursor = Long.MAX_VALUE;
      String holder = null;
      for (StoreCursor c : cursors.values()) {
        if (c.position() < minCursor) {
          minCursor = c.position();
          holder = c.name();
        }
      }
      long now = nowMicros();
      int i = 0;
      for (; i < segs.size() - 1; i++) {
        Segment s = segs.get(i);
        boolean cursorBehind = s.entries() > 0 && s.lastSequence() >= minCursor;
        boolean tooBig = total > r.maxBytes();
        Duration age = ageLimitOf(s, r.maxAge());
        boolean tooOld = age != null && s.maxTimestamp() < now - Math.min(now, micros(age));
        if (tooBig) {
          if (cursorBehind) {
            cursorOverruns.incrementAndGet();
            LOG.log(
                Level.WARNING,
                "retention size limit ("
                    + r.maxBytes()
                    + " bytes) deletes "
                    + s.path
                    + " although cursor '"
                    + holder
                    + "' is at sequence "
                    + minCursor
                    + " (the segment ends at "
                    + s.lastSequence()
                    + "); those entries will not be forwarded");
          }
        } else if (!(tooOld && !cursorBehind)) {
          break;
        }
        total -= s.size();
        deleted.add(s);
      }
      if (deleted.isEmpty()) {
        return 0;
      }
      segments = List.copyOf(segs.subList(i, segs.size()));
    }
    for (Segment s : deleted) {
      s.markDeleted();
      Files.deleteIfExists(s.path);
      segmentsDeleted.incrementAndGet();
      LOG.log(
          Level.INFO,
          "history retention deleted " + s.path + " (sequences up to " + s.lastSequence() + ")");
    }
    return deleted.size();
  }

  // ---------------------------------------------------------------------------------- stats, close

  /** The store's counters now. */
  public StoreStats stats() {
    long[] q = new long[6];
    queue.fillStats(q);
    long total = 0;
    List<Segment> segs = segments;
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
        written.get(),
        encodeFailures.get(),
        batches.get(),
        fsyncs.get(),
        writtenSequence,
        durableSequence,
        segs.size(),
        total,
        damagedRegions.get(),
        damagedBytes.get(),
        tornTailBytes.get(),
        segmentsDeleted.get(),
        cursorOverruns.get());
  }

  /** The store's directory. */
  public Path directory() {
    return dir;
  }

  /**
   * Stops accepting appends, writes and forces everything queued, and stops the writer thread
   * (waiting at most 30 s for it). Idempotent.
   */
  @Override
  public void close() {
    closed = true;
    queue.close("the history store in " + dir + " is closed");
    try {
      if (!writer.join(Duration.ofSeconds(30))) {
        LOG.log(Level.ERROR, "history writer for {0} did not stop within 30 s (disk stuck?)", dir);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    signalDurable();
    releaseLock();
  }

  private static FileChannel lockDirectory(Path dir) throws IOException {
    FileChannel ch =
        FileChannel.open(
            dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    java.nio.channels.FileLock lock;
    try {
      lock = ch.tryLock();
    } catch (java.nio.channels.OverlappingFileLockException e) {
      lock = null;
    }
    if (lock == null) {
      ch.close();
      throw new IOException(
          "history store directory "
              + dir
              + " is already open (by this or another process); two writers would corrupt it."
              + " Close the other store first");
    }
    return ch;
  }

  private void releaseLock() {
    try {
      lockChannel.close();
    } catch (IOException e) {
      LOG.log(Level.WARNING, "releasing the lock of " + dir + " failed", e);
    }
  }

  /** Simulates a crash in tests: stops the writer without flushing or forcing. */
  void crashForTest() {
    failure = new IllegalStateException("simulated crash");
    closed = true;
    queue.close("crashed");
    writer.interrupt();
    try {
      writer.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    releaseLock();
  }

  long nowMicros() {
    Instant t = config.clock().instant();
    return t.getEpochSecond() * 1_000_000L + t.getNano() / 1000;
  }

  // ---------------------------------------------------------------------------------- writer

  private void writerLoop() {
    HandoffQueue.Pending[] batch = new HandoffQueue.Pending[MAX_BATCH];
    Durability durability = config.durability();
    long intervalNanos =
        durability instanceof Durability.Interval i ? i.interval().toNanos() : Long.MAX_VALUE;
    long retentionNanos = config.retentionCheckInterval().toNanos();
    long nextRetention = System.nanoTime() + retentionNanos;
    long lastForce = System.nanoTime();
    long poll = MIN_POLL_NANOS;
    boolean unforced = false;
    try {
      while (true) {
        long now = System.nanoTime();
        long wait = Math.min(poll, nextRetention - now);
        if (unforced && durability instanceof Durability.Interval) {
          wait = Math.min(wait, lastForce + intervalNanos - now);
        }
        boolean syncWanted = syncUpTo.get() > durableSequence;
        int n = queue.drain(batch, syncWanted ? 0 : Math.max(wait, 1));
        poll = n > 0 ? MIN_POLL_NANOS : Math.min(poll * 2, MAX_POLL_NANOS);
        if (failure != null) {
          return; // crashForTest
        }
        if (n < 0) {
          break;
        }
        if (n > 0) {
          for (int i = 0; i < n; i++) {
            write(batch[i]);
            batch[i] = null;
          }
          flush();
          writtenSequence = lastSeqOfBatch;
          batches.incrementAndGet();
          unforced = true;
        }
        now = System.nanoTime();
        boolean force =
            unforced
                && (syncWanted
                    || durability instanceof Durability.EveryBatch
                    || (durability instanceof Durability.Interval
                        && now - lastForce >= intervalNanos));
        if (syncWanted && !unforced && n == 0) {
          // everything written is forced and nothing is queued: the requested sequence is
          // resolved (or was never appended); do not spin on it
          publishDurable(writtenSequence);
          syncUpTo.accumulateAndGet(durableSequence, Math::min);
        }
        if (force) {
          forceActive();
          lastForce = now;
          unforced = false;
          publishDurable(writtenSequence);
        }
        if (now - nextRetention >= 0) {
          nextRetention = now + retentionNanos;
          applyRetentionQuietly();
        }
      }
      flush();
      forceActive();
      publishDurable(writtenSequence);
    } catch (Throwable t) {
      failure = t;
      queue.close("the history store in " + dir + " failed: " + t + "; reopen it to recover");
      LOG.log(
          Level.ERROR,
          "history writer for "
              + dir
              + " failed; no more appends are accepted. Check the disk"
              + " and reopen the store",
          t);
      signalDurable();
    } finally {
      if (activeChannel != null) {
        try {
          activeChannel.close();
        } catch (IOException e) {
          LOG.log(Level.WARNING, "closing " + active.path + " failed", e);
        }
      }
    }
  }

  private long lastSeqOfBatch;
  private Codec<?> lastRegistered;

  private void write(HandoffQueue.Pending p) throws IOException {
    lastSeqOfBatch = p.sequence;
    byte[] payload;
    byte[] key = keyBytes.get(p.key);
    try {
      if (key == null) {
        String problem = RecordKey.problem(p.key).orElse(null);
        if (problem != null) {
          throw new CodecException(problem);
        }
        key = p.key.getBytes(StandardCharsets.US_ASCII);
        keyBytes.put(p.key, key);
      }
      @SuppressWarnings("unchecked")
      Codec<Object> codec = (Codec<Object>) p.codec;
      payload = codec.encode(p.value);
      if (EntryFormat.BODY_FIXED_BYTES + key.length + payload.length > EntryFormat.MAX_BODY_BYTES) {
        throw new CodecException(
            "encoded value is " + payload.length + " bytes; at most 16 MiB per entry");
      }
      if (codec != lastRegistered) {
        schemas.register(codec, !(config.durability() instanceof Durability.Never));
        lastRegistered = codec;
      }
    } catch (RuntimeException e) {
      long n = encodeFailures.incrementAndGet();
      if (n <= 10 || Long.bitCount(n) == 1) {
        LOG.log(
            Level.WARNING,
            "history: value of key '"
                + p.key
                + "' (sequence "
                + p.sequence
                + ") not stored: "
                + e.getMessage()
                + " ("
                + n
                + " such failures so far)",
            e);
      }
      return;
    }
    int frame = EntryFormat.frameBytes(key.length, payload.length);
    if (active == null
        || (activePosition + out.position() > EntryFormat.FILE_HEADER_BYTES
            && activePosition + out.position() + frame > config.segmentBytes())) {
      roll(p.sequence);
    }
    ByteBuffer dst = out;
    if (out.remaining() < frame) {
      flush();
      if (out.remaining() < frame) {
        dst = ByteBuffer.allocate(frame);
      }
    }
    long offset = activePosition + (dst == out ? out.position() : 0);
    EntryFormat.writeFrame(
        dst, crc, p.sequence, p.timestampMicros, p.codec.id(), key, payload, 0, payload.length);
    active.add(offset, p.sequence, p.timestampMicros, p.key);
    written.incrementAndGet();
    if (dst != out) {
      dst.flip();
      writeFully(dst);
      active.publish(activePosition);
    }
  }

  private void flush() throws IOException {
    if (out.position() == 0 || activeChannel == null) {
      return;
    }
    out.flip();
    writeFully(out);
    out.clear();
    active.publish(activePosition);
  }

  private void writeFully(ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      activePosition += activeChannel.write(b, activePosition);
    }
  }

  private void forceActive() throws IOException {
    if (activeChannel != null) {
      activeChannel.force(false);
      fsyncs.incrementAndGet();
    }
  }

  private void roll(long nextSequence) throws IOException {
    boolean durable = !(config.durability() instanceof Durability.Never);
    if (activeChannel != null) {
      flush();
      if (durable) {
        forceActive();
      }
      activeChannel.close();
      activeChannel = null;
    }
    Path path = dir.resolve(EntryFormat.segmentFileName(nextSequence));
    FileChannel ch =
        FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    ByteBuffer h = ByteBuffer.allocate(EntryFormat.FILE_HEADER_BYTES);
    EntryFormat.writeFileHeader(h, nextSequence, nowMicros());
    h.flip();
    while (h.hasRemaining()) {
      ch.write(h);
    }
    if (durable) {
      ch.force(false);
      forceDirectory(dir);
    }
    Segment seg = new Segment(path, nextSequence, config.indexInterval());
    seg.publish(EntryFormat.FILE_HEADER_BYTES);
    activeChannel = ch;
    active = seg;
    activePosition = EntryFormat.FILE_HEADER_BYTES;
    synchronized (segmentsLock) {
      List<Segment> l = new ArrayList<>(segments);
      l.add(seg);
      segments = List.copyOf(l);
    }
    if (segments.size() > 1) {
      applyRetentionQuietly();
    }
  }

  private void applyRetentionQuietly() {
    try {
      applyRetention();
    } catch (IOException e) {
      LOG.log(Level.WARNING, "history retention in " + dir + " failed; will retry", e);
    }
  }

  private void publishDurable(long seq) {
    if (seq > durableSequence) {
      durableSequence = seq;
    }
    signalDurable();
  }

  private void signalDurable() {
    durableLock.lock();
    try {
      durableAdvanced.signalAll();
    } finally {
      durableLock.unlock();
    }
  }

  static void forceDirectory(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // some platforms cannot open directories; the rename/creation is then as durable as the OS
      // makes it
      if (!System.getProperty("os.name", "").startsWith("Windows")) {
        throw e;
      }
    }
  }

  // ---------------------------------------------------------------------------------- recovery

  private List<Segment> recover() throws IOException {
    List<Long> bases = new ArrayList<>();
    try (DirectoryStream<Path> ds =
        Files.newDirectoryStream(dir, "*" + EntryFormat.SEGMENT_SUFFIX)) {
      for (Path p : ds) {
        long base = EntryFormat.parseSegmentFileName(p.getFileName().toString());
        if (base >= 0) {
          bases.add(base);
        }
      }
    }
    Collections.sort(bases);
    List<Segment> result = new ArrayList<>();
    for (int i = 0; i < bases.size(); i++) {
      boolean last = i == bases.size() - 1;
      Segment s = recoverSegment(bases.get(i), last);
      if (s != null) {
        result.add(s);
      }
    }
    return result;
  }

  private Segment recoverSegment(long base, boolean last) throws IOException {
    Path path = dir.resolve(EntryFormat.segmentFileName(base));
    Segment seg = new Segment(path, base, config.indexInterval());
    FileChannel ch =
        last
            ? FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)
            : FileChannel.open(path, StandardOpenOption.READ);
    boolean keepOpen = false;
    try {
      long size = ch.size();
      ByteBuffer header = ByteBuffer.allocate(EntryFormat.FILE_HEADER_BYTES);
      while (header.hasRemaining() && ch.read(header, header.position()) > 0) {
        // fill
      }
      header.flip();
      String headerProblem = EntryFormat.checkFileHeader(header, base);
      long start = Math.min(size, EntryFormat.FILE_HEADER_BYTES);
      long validEnd =
          SegmentScanner.of(ch)
              .scan(
                  start,
                  size,
                  base,
                  new SegmentScanner.Visitor() {
                    @Override
                    public boolean entry(long offset, int frameBytes, StoredEntry e) {
                      seg.add(offset, e.sequence(), e.timestampMicros(), e.key());
                      return true;
                    }

                    @Override
                    public void damage(long offset, long length) {
                      reportDamage(path, offset, length, "no valid entry");
                    }
                  });
      if (last && seg.entries() == 0 && headerProblem != null) {
        // a segment whose creation was torn: start it again
        tornTailBytes.addAndGet(size);
        LOG.log(
            Level.INFO,
            "history: " + path + " has no valid entry and " + headerProblem + "; recreating it");
        ch.truncate(0);
        ByteBuffer h = ByteBuffer.allocate(EntryFormat.FILE_HEADER_BYTES);
        EntryFormat.writeFileHeader(h, base, nowMicros());
        h.flip();
        while (h.hasRemaining()) {
          ch.write(h, h.position());
        }
        ch.force(false);
        validEnd = EntryFormat.FILE_HEADER_BYTES;
      } else if (headerProblem != null) {
        reportDamage(path, 0, EntryFormat.FILE_HEADER_BYTES, headerProblem);
      }
      if (validEnd < size) {
        if (last) {
          tornTailBytes.addAndGet(size - validEnd);
          LOG.log(
              Level.INFO,
              "history: cut the torn tail of "
                  + path
                  + ": "
                  + (size - validEnd)
                  + " bytes from offset "
                  + validEnd
                  + " held no complete entry (a write interrupted by a crash)");
          ch.truncate(validEnd);
        } else {
          reportDamage(path, validEnd, size - validEnd, "damaged end of a sealed segment");
        }
      }
      if (last) {
        ch.force(false); // whatever survived the crash in the page cache is durable from now on
        if (validEnd < config.segmentBytes()) {
          activeChannel = ch;
          active = seg;
          activePosition = validEnd;
          keepOpen = true;
        }
      }
      seg.publish(validEnd);
      return seg;
    } finally {
      if (!keepOpen) {
        ch.close();
      }
    }
  }

  private void reportDamage(Path file, long offset, long length, String what) {
    damagedRegions.incrementAndGet();
    damagedBytes.addAndGet(length);
    LOG.log(
        Level.WARNING,
        "history: damaged segment "
            + file
            + ": "
            + length
            + " bytes at offset "
            + offset
            + " skipped ("
            + what
            + "); the entries before and after are still readable. Restore the file from a"
            + " backup if these entries matter");
  }

  @Override
  public String toString() {
    return "HistoryStore[" + dir + "]";
  }
}
