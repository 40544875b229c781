package io.runnel.store.wal;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One segment file and its in-memory sparse index. Built by scanning the file on open and extended
 * by the writer thread as it appends; read by query threads.
 *
 * <h2>Implementation overview</h2>
 *
 * <p>The index is a list of <em>blocks</em>: every {@code interval}-th entry starts a block, which
 * records that entry's file offset and sequence plus the min/max timestamp of the block's entries
 * (timestamps need not be monotonic, so a time query checks each block's range rather than
 * binary-searching). A query skips whole segments by their min/max timestamp, sequence range and
 * key set, then whole blocks, and scans only the blocks that can match.
 *
 * <p>Only the writer thread mutates; it does so under this object's monitor, and readers take a
 * {@link View} under the same monitor. Arrays are replaced, never shrunk, so a view's arrays stay
 * valid; the open last block's timestamps are copied into the view. {@code visibleEnd} (the end of
 * the bytes handed to the OS) bounds every scan, so readers never read a half-written entry.
 */
public final class Segment {

  public final Path path;
  public final long baseSequence;
  private final int interval;

  private long[] blockOffset = new long[16];
  private long[] blockFirstSeq = new long[16];
  private long[] blockMinTs = new long[16];
  private long[] blockMaxTs = new long[16];
  private int blocks;
  private int entriesInLastBlock;

  private long entries;
  private long firstSeq = -1;
  private long lastSeq = -1;
  private long minTs = Long.MAX_VALUE;
  private long maxTs = Long.MIN_VALUE;
  private long visibleEnd;
  private volatile boolean deleted;

  /** The keys of the segment's entries; read by queries and retention. */
  public final Set<String> keys = ConcurrentHashMap.newKeySet();

  Segment(Path path, long baseSequence, int interval) {
    this.path = path;
    this.baseSequence = baseSequence;
    this.interval = interval;
  }

  /** Records an entry written at {@code offset}; it becomes visible with {@link #publish}. */
  synchronized void add(long offset, long sequence, long timestamp, String key) {
    if (blocks == 0 || entriesInLastBlock == interval) {
      if (blocks == blockOffset.length) {
        int n = blocks * 2;
        blockOffset = Arrays.copyOf(blockOffset, n);
        blockFirstSeq = Arrays.copyOf(blockFirstSeq, n);
        blockMinTs = Arrays.copyOf(blockMinTs, n);
        blockMaxTs = Arrays.copyOf(blockMaxTs, n);
      }
      blockOffset[blocks] = offset;
      blockFirstSeq[blocks] = sequence;
      blockMinTs[blocks] = timestamp;
      blockMaxTs[blocks] = timestamp;
      blocks++;
      entriesInLastBlock = 0;
    }
    int b = blocks - 1;
    blockMinTs[b] = Math.min(blockMinTs[b], timestamp);
    blockMaxTs[b] = Math.max(blockMaxTs[b], timestamp);
    entriesInLastBlock++;
    entries++;
    if (firstSeq < 0) {
      firstSeq = sequence;
    }
    lastSeq = sequence;
    minTs = Math.min(minTs, timestamp);
    maxTs = Math.max(maxTs, timestamp);
    keys.add(key);
  }

  /** Makes the bytes up to {@code end} readable by queries. */
  synchronized void publish(long end) {
    visibleEnd = end;
  }

  /** A consistent snapshot of the index, for one query. */
  public synchronized View view() {
    long lastMin = blocks == 0 ? 0 : blockMinTs[blocks - 1];
    long lastMax = blocks == 0 ? 0 : blockMaxTs[blocks - 1];
    return new View(
        blockOffset,
        blockFirstSeq,
        blockMinTs,
        blockMaxTs,
        blocks,
        lastMin,
        lastMax,
        visibleEnd,
        firstSeq,
        lastSeq,
        minTs,
        maxTs,
        entries);
  }

  public synchronized long lastSequence() {
    return lastSeq;
  }

  public synchronized long maxTimestamp() {
    return maxTs;
  }

  public synchronized long size() {
    return visibleEnd;
  }

  public synchronized long entries() {
    return entries;
  }

  void markDeleted() {
    deleted = true;
  }

  /** True once retention deleted the file (a query that cannot open it then skips it). */
  public boolean deleted() {
    return deleted;
  }

  /** A consistent snapshot of the index for one query. */
  public record View(
      long[] offset,
      long[] firstSeq,
      long[] minTs,
      long[] maxTs,
      int blocks,
      long lastBlockMinTs,
      long lastBlockMaxTs,
      long end,
      long segmentFirstSeq,
      long segmentLastSeq,
      long segmentMinTs,
      long segmentMaxTs,
      long entries) {

    public long blockStart(int b) {
      return offset[b];
    }

    public long blockEnd(int b) {
      return b + 1 < blocks ? Math.min(offset[b + 1], end) : end;
    }

    public long blockMinTs(int b) {
      return b == blocks - 1 ? lastBlockMinTs : minTs[b];
    }

    public long blockMaxTs(int b) {
      return b == blocks - 1 ? lastBlockMaxTs : maxTs[b];
    }

    /** The block holding {@code sequence}, or the first block after it. */
    public int blockForSequence(long sequence) {
      int lo = 0;
      int hi = blocks - 1;
      int found = 0;
      while (lo <= hi) {
        int mid = (lo + hi) >>> 1;
        if (firstSeq[mid] <= sequence) {
          found = mid;
          lo = mid + 1;
        } else {
          hi = mid - 1;
        }
      }
      return found;
    }
  }
}
