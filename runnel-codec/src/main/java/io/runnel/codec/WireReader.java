package io.runnel.codec;

import java.util.Arrays;

/**
 * Reads the primitives of {@link RecordCodec}'s binary format ({@code docs/FORMAT.md}, "RecordCodec
 * payload encoding") from one payload, checking every bound: single bytes, big-endian fixed-width
 * numbers, zig-zag varints, lengths and enum ordinals encoded as value+1 ({@code -1} for null), and
 * byte runs. {@link RecordCodec} decodes through it, and so can a tool that knows a payload's
 * schema text but not its classes (the CLI's store commands do). Damage never allocates beyond the
 * payload's size and is reported as a {@link CodecException} naming the subject, the byte offset
 * and the payload's length.
 *
 * <p>Not thread-safe: one reader per payload, on one thread.
 */
public final class WireReader {
  private final byte[] b;
  private final String subject;
  private int pos;

  /**
   * A reader at the start of {@code bytes}.
   *
   * @param subject what the bytes are, named in errors (e.g. the record type's name)
   */
  public WireReader(byte[] bytes, String subject) {
    this.b = bytes;
    this.subject = subject;
  }

  /** The offset of the next byte to read. */
  public int position() {
    return pos;
  }

  /** How many bytes are left. */
  public int remaining() {
    return b.length - pos;
  }

  /** An error at the current offset: {@code cannot decode <subject> at byte N of M: <what>}. */
  public CodecException error(String what) {
    return new CodecException(
        "cannot decode " + subject + " at byte " + pos + " of " + b.length + ": " + what);
  }

  /** One unsigned byte. */
  public int u8() {
    if (pos >= b.length) {
      throw error("unexpected end of data");
    }
    return b[pos++] & 0xff;
  }

  /** A big-endian unsigned number of {@code width} bytes (at most 8). */
  public long fixed(int width) {
    long v = 0;
    for (int i = 0; i < width; i++) {
      v = (v << 8) | u8();
    }
    return v;
  }

  /** A zig-zag varint of at most 10 bytes. */
  public long varLong() {
    long z = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      int x = u8();
      z |= (long) (x & 0x7F) << shift;
      if ((x & 0x80) == 0) {
        return (z >>> 1) ^ -(z & 1);
      }
    }
    throw error("varint longer than 10 bytes");
  }

  /**
   * A length encoded as value+1; -1 for null. Every counted item takes at least one byte, so a
   * length beyond the remaining bytes is damage (and never allocates).
   */
  public int length() {
    long v = varLong();
    if (v < 0 || v - 1 > b.length - pos) {
      throw error("bad length " + (v - 1) + " (" + (b.length - pos) + " bytes remain)");
    }
    return (int) v - 1;
  }

  /** An enum ordinal encoded as value+1; -1 for null. */
  public int ordinal() {
    long v = varLong();
    if (v < 0 || v > Integer.MAX_VALUE) {
      throw error("bad enum ordinal " + (v - 1));
    }
    return (int) v - 1;
  }

  /** The next {@code n} bytes, copied. */
  public byte[] bytes(int n) {
    if (n < 0 || n > b.length - pos) {
      throw error("length " + n + " exceeds the remaining " + (b.length - pos) + " bytes");
    }
    byte[] r = Arrays.copyOfRange(b, pos, pos + n);
    pos += n;
    return r;
  }
}
