package io.runnel.store.wal;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.zip.CRC32C;

/**
 * Reads the entries of one segment file between two offsets, validating every frame, and skips
 * damage by resynchronising on the next sync marker that starts a valid entry.
 *
 * <p>Contract: only entries whose frame and checksum are valid, whose sequence is at least the
 * given minimum and larger than the previous entry's are passed to the visitor. Whatever bytes the
 * file holds, scanning terminates (every step advances by at least one byte) and throws nothing but
 * the {@link IOException}s of the underlying channel.
 *
 * <h2>Implementation overview</h2>
 *
 * <p>A heap window over the file is refilled by positional reads. At each position the 12-byte
 * frame prefix is checked (marker, length within bounds and within the range), then the body is
 * checksummed and decoded. On failure the scanner searches byte by byte for the next marker at
 * which a whole valid frame starts; the skipped bytes are reported as one damaged region. A failure
 * with no valid frame after it is the <em>tail</em>: it is not reported to the visitor; the caller
 * sees it as {@code returned end < range end}.
 */
public final class SegmentScanner {

  /** Source of bytes: a {@link FileChannel} or, in tests, an array. */
  public interface Source {
    int read(ByteBuffer dst, long position) throws IOException;
  }

  public interface Visitor {
    /**
     * A valid entry at {@code offset} occupying {@code frameBytes}. The frame is the scanner's and
     * is refilled for the next entry; its key and payload objects may be kept.
     *
     * @return false to stop scanning
     */
    boolean entry(long offset, int frameBytes, Frame entry);

    /** Bytes {@code [offset, offset+length)} hold no valid entry; a valid entry follows. */
    default void damage(long offset, long length) {}
  }

  private final Source source;
  private final CRC32C crc = new CRC32C();
  private final Frame frame = new Frame();
  private ByteBuffer window;
  private long windowStart;
  private int windowLength;

  public SegmentScanner(Source source, int windowBytes) {
    this.source = source;
    this.window = ByteBuffer.allocate(windowBytes);
  }

  public static SegmentScanner of(FileChannel channel) {
    return new SegmentScanner(channel::read, 64 * 1024);
  }

  /**
   * Scans {@code [from, end)}.
   *
   * @param minSequence the smallest acceptable sequence (entries must also increase)
   * @return the offset just after the last valid entry visited (or {@code from} if none); when the
   *     visitor stopped, the offset just after the entry it stopped at
   */
  public long scan(long from, long end, long minSequence, Visitor visitor) throws IOException {
    rangeEnd = end;
    long pos = from;
    long validEnd = from;
    long nextMin = minSequence;
    while (pos < end) {
      Frame e = entryAt(pos, end, nextMin);
      if (e == null) {
        long resync = resync(pos + 1, end, nextMin);
        if (resync < 0) {
          return validEnd;
        }
        visitor.damage(pos, resync - pos);
        pos = resync;
        continue; // the entry at resync is decoded again: simpler than carrying it
      }
      int frameBytes = EntryFormat.FRAME_PREFIX_BYTES + lastBodyLength;
      boolean go = visitor.entry(pos, frameBytes, e);
      pos += frameBytes;
      validEnd = pos;
      nextMin = e.sequence() + 1;
      if (!go) {
        return validEnd;
      }
    }
    return validEnd;
  }

  private int lastBodyLength;

  /** End of the range being scanned: the window never reads beyond it. */
  private long rangeEnd;

  /** The valid entry starting at pos, or null. */
  private Frame entryAt(long pos, long end, long minSequence) throws IOException {
    if (end - pos < EntryFormat.FRAME_PREFIX_BYTES + EntryFormat.BODY_FIXED_BYTES + 1) {
      return null;
    }
    if (!ensure(pos, EntryFormat.FRAME_PREFIX_BYTES)) {
      return null;
    }
    int w = (int) (pos - windowStart);
    if (window.getInt(w) != EntryFormat.SYNC_MARKER) {
      return null;
    }
    int bodyLength = window.getInt(w + 4);
    if (bodyLength < EntryFormat.BODY_FIXED_BYTES + 1
        || bodyLength > EntryFormat.MAX_BODY_BYTES
        || bodyLength > end - pos - EntryFormat.FRAME_PREFIX_BYTES) {
      return null;
    }
    if (!ensure(pos, EntryFormat.FRAME_PREFIX_BYTES + bodyLength)) {
      return null;
    }
    w = (int) (pos - windowStart);
    if (!EntryFormat.decodeFrame(window, w, bodyLength, minSequence, crc, frame)) {
      return null;
    }
    lastBodyLength = bodyLength;
    return frame;
  }

  /** The first position at or after {@code from} where a valid entry starts, or -1. */
  private long resync(long from, long end, long minSequence) throws IOException {
    for (long p = from; p + EntryFormat.FRAME_PREFIX_BYTES <= end; p++) {
      if (!ensure(p, 4)) {
        return -1;
      }
      if (window.getInt((int) (p - windowStart)) == EntryFormat.SYNC_MARKER
          && entryAt(p, end, minSequence) != null) {
        return p;
      }
    }
    return -1;
  }

  /** Makes bytes {@code [pos, pos+n)} available in the window; false if the file is shorter. */
  private boolean ensure(long pos, int n) throws IOException {
    if (pos >= windowStart && pos + n <= windowStart + windowLength) {
      return true;
    }
    if (window.capacity() < n) {
      window = ByteBuffer.allocate(Math.max(n, window.capacity() * 2));
    }
    window.clear();
    window.limit((int) Math.min(window.capacity(), Math.max(n, rangeEnd - pos)));
    windowStart = pos;
    windowLength = 0;
    while (window.hasRemaining()) {
      int r;
      try {
        r = source.read(window, pos + window.position());
      } catch (EOFException e) {
        r = -1;
      }
      if (r <= 0) {
        break;
      }
    }
    windowLength = window.position();
    return windowLength >= n;
  }
}
