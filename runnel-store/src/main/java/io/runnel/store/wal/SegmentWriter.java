package io.runnel.store.wal;

import io.runnel.RecordKey;
import io.runnel.codec.Codec;
import io.runnel.codec.CodecException;
import io.runnel.spi.LogLimiter;
import io.runnel.store.Durability;
import io.runnel.store.StoreConfig;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;

/**
 * The store's writer thread and everything it owns: the active segment file, the frame buffer, the
 * group commit and the fsync policy.
 *
 * <h2>Model</h2>
 *
 * <p>One thread per store ({@code runnel-store-writer[dir]}, daemon) is the only one that writes
 * segment files. It drains everything queued in the {@link HandoffQueue} as one batch, encodes each
 * value (on this thread, so codecs cost the producer nothing), frames it ({@link EntryFormat}) into
 * a direct buffer, writes the batch to the active segment, publishes the new end to readers ({@link
 * Segment#publish}), then, as the {@link Durability} policy says, forces once for the whole batch
 * (group commit) and advances the {@link DurableSequence}. While it forces, producers fill the next
 * batch. A segment is sealed (forced, closed) when the next frame would exceed the segment size;
 * the next file is named after the next entry's sequence and added to the {@link SegmentList}.
 *
 * <p>It polls the queue (50 µs, doubling to 2 ms while idle) instead of being woken per append;
 * {@link #requestSync}, a durability waiter and a half-full queue wake it at once. On close it
 * drains, writes and forces everything queued, then ends. On an I/O failure it records the failure
 * in the {@link DurableSequence}, closes the queue (no more appends) and ends.
 *
 * <p>Invariants: {@link #writtenSequence()} and the durable sequence only grow; the durable
 * sequence never passes the written one; a value that cannot be encoded leaves a gap, is counted
 * and logged, and never stops the writer. All fields but the counters, the written sequence and the
 * sync request are confined to the writer thread.
 */
public final class SegmentWriter {
  private static final System.Logger LOG = System.getLogger("io.runnel.store");

  /** Encoding failures are logged 10 at once, then one a minute. */
  private final LogLimiter encodeFailureLog = new LogLimiter(10, Duration.ofMinutes(1));

  private static final int MAX_BATCH = 4096;

  /** The writer's first poll interval when the queue is empty; doubles up to the maximum. */
  private static final long MIN_POLL_NANOS = 50_000;

  /** Longest time a value waits in the queue before the writer looks (unless someone awaits). */
  static final long MAX_POLL_NANOS = 2_000_000;

  private final StoreConfig config;
  private final StoreFileSystem fs;
  private final Path dir;
  private final SchemaRegistry schemas;
  private final HandoffQueue queue;
  private final SegmentList segments;
  private final SegmentRetention retention;
  private final DurableSequence durable;
  private final Thread thread;

  private volatile long writtenSequence;

  private final SyncRequest syncRequest = new SyncRequest();

  private final AtomicLong written = new AtomicLong();
  private final AtomicLong encodeFailures = new AtomicLong();
  private final AtomicLong batches = new AtomicLong();
  private final AtomicLong fsyncs = new AtomicLong();

  // confined to the writer thread
  private FileChannel activeChannel;
  private Segment active;
  private long activePosition;
  private final ByteBuffer out = ByteBuffer.allocateDirect(1 << 20);
  private final CRC32C crc = new CRC32C();
  private final Map<String, byte[]> keyBytes = new HashMap<>();
  private long lastSeqOfBatch;
  private Codec<?> lastRegistered;

  /**
   * A writer continuing {@code recovered} (not started).
   *
   * @param active the recovered last segment to continue, or null to start a new one
   * @param writtenSequence the last sequence already in the files
   */
  public SegmentWriter(
      StoreConfig config,
      StoreFileSystem fs,
      SchemaRegistry schemas,
      HandoffQueue queue,
      SegmentList segments,
      SegmentRetention retention,
      DurableSequence durable,
      Recovery.Active active,
      long writtenSequence) {
    this.config = config;
    this.fs = fs;
    this.dir = config.directory();
    this.schemas = schemas;
    this.queue = queue;
    this.segments = segments;
    this.retention = retention;
    this.durable = durable;
    this.writtenSequence = writtenSequence;
    if (active != null) {
      this.activeChannel = active.channel();
      this.active = active.segment();
      this.activePosition = active.position();
    }
    this.thread = new Thread(this::run, "runnel-store-writer[" + dir.getFileName() + "]");
    thread.setDaemon(true);
  }

  /** Starts the writer thread. */
  public void start() {
    thread.start();
  }

  /** The highest sequence handed to the OS (visible to queries). */
  public long writtenSequence() {
    return writtenSequence;
  }

  /** Asks the writer to force everything up to {@code sequence} now, whatever the policy. */
  public void requestSync(long sequence) {
    syncRequest.request(sequence);
  }

  /** Entries written to segment files by this process. */
  public long written() {
    return written.get();
  }

  /** Values that could not be encoded. */
  public long encodeFailures() {
    return encodeFailures.get();
  }

  /** Batches taken from the queue. */
  public long batches() {
    return batches.get();
  }

  /** Forces of segment files. */
  public long fsyncs() {
    return fsyncs.get();
  }

  /** True while the writer thread runs. */
  public boolean isAlive() {
    return thread.isAlive();
  }

  /** Waits for the writer thread to end; false if it did not within {@code timeout}. */
  public boolean join(Duration timeout) throws InterruptedException {
    return thread.join(timeout);
  }

  /** Tests: stops the thread at once (after {@link DurableSequence#fail}), flushing nothing. */
  public void interrupt() {
    thread.interrupt();
  }

  private void run() {
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
        long requested = syncRequest.get();
        boolean syncWanted = requested > durable.get();
        int n = queue.drain(batch, syncWanted ? 0 : Math.max(wait, 1));
        poll = n > 0 ? MIN_POLL_NANOS : Math.min(poll * 2, MAX_POLL_NANOS);
        if (durable.failure() != null) {
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
          durable.advanceTo(writtenSequence);
          syncRequest.resolved(requested, durable.get());
        }
        if (force) {
          forceActive();
          lastForce = now;
          unforced = false;
          durable.advanceTo(writtenSequence);
        }
        if (now - nextRetention >= 0) {
          nextRetention = now + retentionNanos;
          retention.applyQuietly();
        }
      }
      flush();
      forceActive();
      durable.advanceTo(writtenSequence);
    } catch (Throwable t) {
      durable.fail(t);
      queue.close("the history store in " + dir + " failed: " + t + "; reopen it to recover");
      LOG.log(
          Level.ERROR,
          "history writer for "
              + dir
              + " failed; no more appends are accepted. Check the disk"
              + " and reopen the store",
          t);
      durable.signal();
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
        schemas.register(codec);
        lastRegistered = codec;
      }
    } catch (RuntimeException e) {
      long n = encodeFailures.incrementAndGet();
      long suppressed = encodeFailureLog.tryAcquire();
      if (suppressed >= 0) {
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
                + " such failures so far)"
                + LogLimiter.suppressedNote(suppressed),
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

  /**
   * Seals the active segment and starts the next. Forced whatever the durability policy (even
   * {@code never()}: a few fsyncs per segment), because a later force of the active segment moves
   * the durable sequence over the sealed ones too: the sealed file's content and the new file's
   * name must already be on stable storage.
   */
  private void roll(long nextSequence) throws IOException {
    if (activeChannel != null) {
      flush();
      forceActive();
      activeChannel.close();
      activeChannel = null;
    }
    Path path = dir.resolve(EntryFormat.segmentFileName(nextSequence));
    FileChannel ch = fs.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    ByteBuffer h = ByteBuffer.allocate(EntryFormat.FILE_HEADER_BYTES);
    EntryFormat.writeFileHeader(h, nextSequence, EntryFormat.epochMicros(config.clock().instant()));
    h.flip();
    while (h.hasRemaining()) {
      ch.write(h);
    }
    ch.force(false);
    fs.forceDirectory(dir);
    Segment seg = new Segment(path, nextSequence, config.indexInterval());
    seg.publish(EntryFormat.FILE_HEADER_BYTES);
    activeChannel = ch;
    active = seg;
    activePosition = EntryFormat.FILE_HEADER_BYTES;
    segments.add(seg);
    if (segments.current().size() > 1) {
      retention.applyQuietly();
    }
  }
}
