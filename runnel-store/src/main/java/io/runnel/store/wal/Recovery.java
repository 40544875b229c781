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
   */
  public record Result(List<Segment> segments, Active active) {

    /** The first sequence a new entry gets: after every recovered entry and segment base. */
    public long nextSequence() {
      long next = 0;
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
      if (!name.endsWith(EntryFormat.SEGMENT_SUFFIX)) {
        continue;
      }
      long base = EntryFormat.parseSegmentFileName(name);
      if (base >= 0) {
        bases.add(base);
      }
    }
    Collections.sort(bases);
    List<Segment> result = new ArrayList<>();
    Active[] active = new Active[1];
    for (int i = 0; i < bases.size(); i++) {
      boolean last = i == bases.size() - 1;
      Segment s = recoverSegment(bases.get(i), last, active);
      if (s != null) {
        result.add(s);
      }
    }
    return new Result(result, active[0]);
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
