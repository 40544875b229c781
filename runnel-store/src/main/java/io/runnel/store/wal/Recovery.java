package io.runnel.store.wal;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The scan of a store directory at open, on the opening thread, before the writer starts: finds the
 * segment files, rebuilds each one's sparse index, cuts a torn tail of the last segment, and
 * reports (logs, counts, skips) damage anywhere else.
 *
 * <h2>Model</h2>
 *
 * <p>Sealed segments are never modified: damage in them is skipped by resynchronising on the next
 * valid frame, and the entries around it stay readable. Only the last segment, the one a crash can
 * have interrupted, is repaired: an invalid tail (a torn write) is truncated and never returned; a
 * last segment whose creation was torn (no valid entry, bad header) is started again. Whatever
 * survives in the last segment is forced before the writer continues it, so it is durable from now
 * on. The counters ({@link #damagedRegions()}, ...) are final once {@link #run} returned.
 */
public final class Recovery {
  private static final System.Logger LOG = System.getLogger("io.runnel.store");

  /** The last segment, open for the writer to continue (if it has room left). */
  public record Active(FileChannel channel, Segment segment, long position) {}

  /**
   * What was found.
   *
   * @param segments every valid segment, oldest first
   * @param active the last segment, open for writing, or null if the writer starts a new one
   * @param minNextSequence the least next sequence: one after the name of every segment file that
   *     was not read (so that a new segment's name never collides with one and sorts after it)
   */
  public record Result(List<Segment> segments, Active active, long minNextSequence) {

    /** The first sequence a new entry gets: after every recovered entry and segment base. */
    public long nextSequence() {
      long next = minNextSequence;
      for (Segment s : segments) {
        next = Math.max(next, Math.max(s.baseSequence, s.lastSequence() + 1));
      }
      return next;
    }
  }

  private final StoreFileSystem fs;
  private final Path dir;
  private final int indexInterval;
  private final long segmentBytes;
  private final InstantSource clock;
  private final AtomicLong damagedRegions = new AtomicLong();
  private final AtomicLong damagedBytes = new AtomicLong();
  private final AtomicLong tornTailBytes = new AtomicLong();

  public Recovery(
      StoreFileSystem fs, Path dir, int indexInterval, long segmentBytes, InstantSource clock) {
    this.fs = fs;
    this.dir = dir;
    this.indexInterval = indexInterval;
    this.segmentBytes = segmentBytes;
    this.clock = clock;
  }

  /** Damaged byte ranges found inside segments. */
  public long damagedRegions() {
    return damagedRegions.get();
  }

  /** Bytes in those ranges. */
  public long damagedBytes() {
    return damagedBytes.get();
  }

  /** Bytes cut from the tail of the last segment. */
  public long tornTailBytes() {
    return tornTailBytes.get();
  }

  /** Scans every segment of the directory; see the class comment. */
  public Result run() throws IOException {
    List<Long> bases = new ArrayList<>();
    for (Path p : fs.list(dir)) {
      String name = p.getFileName().toString();
      long base = EntryFormat.parseSegmentFileName(name);
      if (base >= 0) {
        bases.add(base);
      } else if (name.contains(EntryFormat.SEGMENT_SUFFIX)) {
        LOG.log(
            Level.WARNING,
            "history: ignoring "
                + p
                + ": not a segment file name (a segment is named by its base sequence, 20 digits,"
                + " then .wal, e.g. "
                + EntryFormat.segmentFileName(0)
                + "); its entries, if any, are not read");
      }
    }
    Collections.sort(bases);
    List<Long> accepted = new ArrayList<>();
    long minNext = 0;
    for (long base : bases) {
      if (isForeign(base)) {
        minNext = Math.max(minNext, base + 1); // new segments must sort after it, never collide
      } else {
        accepted.add(base);
      }
    }
    List<Segment> result = new ArrayList<>();
    Active[] active = new Active[1];
    for (int i = 0; i < accepted.size(); i++) {
      boolean last = i == accepted.size() - 1;
      Segment s = recoverSegment(accepted.get(i), last, active);
      if (s != null) {
        result.add(s);
      }
    }
    if (active[0] != null && active[0].segment().baseSequence < minNext) {
      // a rejected file sorts after it: the writer starts a new segment after that one, so that
      // file names stay in sequence order
      active[0].channel().close();
      active[0] = null;
    }
    return new Result(result, active[0], minNext);
  }

  /**
   * True (and reported) if the segment file has an intact header that names another format version
   * or another base sequence than its file name: a file this build must not serve (its entries
   * would be misread, or duplicate another segment's sequences) and must not touch.
   */
  private boolean isForeign(long base) throws IOException {
    Path path = dir.resolve(EntryFormat.segmentFileName(base));
    ByteBuffer header = ByteBuffer.allocate(EntryFormat.FILE_HEADER_BYTES);
    long size;
    try (FileChannel ch = fs.open(path, StandardOpenOption.READ)) {
      size = ch.size();
      while (header.hasRemaining() && ch.read(header, header.position()) > 0) {
        // fill
      }
    }
    header.flip();
    String problem = EntryFormat.checkFileHeader(header, base);
    if (problem == null || !EntryFormat.isIntactHeader(header)) {
      return false; // valid, or damage: recovery reads what it can
    }
    damagedRegions.incrementAndGet();
    damagedBytes.addAndGet(size);
    LOG.log(
        Level.WARNING,
        "history: segment file "
            + path
            + " is not read: "
            + problem
            + ". It is left as it is (not deleted); move it away, or put it back under the right"
            + " name or with the build that wrote it");
    return true;
  }

  private Segment recoverSegment(long base, boolean last, Active[] active) throws IOException {
    Path path = dir.resolve(EntryFormat.segmentFileName(base));
    Segment seg = new Segment(path, base, indexInterval);
    FileChannel ch =
        last
            ? fs.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)
            : fs.open(path, StandardOpenOption.READ);
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
                    public boolean entry(long offset, int frameBytes, Frame e) {
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
        EntryFormat.writeFileHeader(h, base, EntryFormat.epochMicros(clock.instant()));
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
        if (validEnd < segmentBytes) {
          active[0] = new Active(ch, seg, validEnd);
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
}
