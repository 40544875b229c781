package io.runnel.store.wal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.zip.CRC32C;

/**
 * The byte layout of segment files (see {@code docs/FORMAT.md}, which is the normative
 * description). All integers are big-endian.
 *
 * <pre>
 * file header (32 bytes):
 *   0  magic        u32  0x524E5741 ("RNWA")
 *   4  version      u16  1
 *   6  flags        u16  0
 *   8  baseSequence u64  sequence of the first entry the file was created for (= file name)
 *  16  createdMicros i64 wall clock at creation, epoch microseconds
 *  24  headerCrc    u32  CRC32C of bytes 0..23
 *  28  reserved     u32  0
 *
 * entry frame (12-byte prefix + body):
 *   0  sync marker  u32  0xF00DFEED
 *   4  length       u32  body length in bytes (26 + keyLength + payloadLength)
 *   8  crc          u32  CRC32C over the length field (4 bytes) and the body
 *  body:
 *   0  sequence     u64
 *   8  timestamp    i64  epoch microseconds (wall clock at append)
 *  16  codecId      u64  fingerprint of the codec/schema that wrote the payload
 *  24  keyLength    u16  1..200
 *  26  key          keyLength bytes, ASCII record key id
 *  ..  payload      rest of the body
 * </pre>
 */
public final class EntryFormat {

  public static final int FILE_MAGIC = 0x524E5741;
  public static final short VERSION = 1;
  public static final int FILE_HEADER_BYTES = 32;

  public static final int SYNC_MARKER = 0xF00DFEED;
  public static final int FRAME_PREFIX_BYTES = 12;
  public static final int BODY_FIXED_BYTES = 26;
  public static final int MAX_KEY_BYTES = 200;

  /** Largest body accepted by writer and reader: 16 MiB. A larger length field is damage. */
  public static final int MAX_BODY_BYTES = 16 << 20;

  public static final String SEGMENT_SUFFIX = ".wal";

  private EntryFormat() {}

  /** An instant as epoch microseconds: the unit of every timestamp in the format. */
  public static long epochMicros(Instant t) {
    return t.getEpochSecond() * 1_000_000L + t.getNano() / 1000;
  }

  public static String segmentFileName(long baseSequence) {
    return String.format("%020d%s", baseSequence, SEGMENT_SUFFIX);
  }

  /** The base sequence named by a segment file name, or -1 if the name is not a segment's. */
  public static long parseSegmentFileName(String name) {
    if (name.length() != 20 + SEGMENT_SUFFIX.length() || !name.endsWith(SEGMENT_SUFFIX)) {
      return -1;
    }
    long v = 0;
    for (int i = 0; i < 20; i++) {
      char c = name.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      v = v * 10 + (c - '0');
      if (v < 0) {
        return -1;
      }
    }
    return v;
  }

  public static void writeFileHeader(ByteBuffer dst, long baseSequence, long createdMicros) {
    int start = dst.position();
    dst.putInt(FILE_MAGIC).putShort(VERSION).putShort((short) 0);
    dst.putLong(baseSequence).putLong(createdMicros);
    CRC32C crc = new CRC32C();
    crc.update(dst.duplicate().position(start).limit(start + 24));
    dst.putInt((int) crc.getValue()).putInt(0);
  }

  /**
   * Checks a file header.
   *
   * @return null if valid, otherwise what is wrong
   */
  public static String checkFileHeader(ByteBuffer header, long expectedBase) {
    if (header.remaining() < FILE_HEADER_BYTES) {
      return "file header is truncated (" + header.remaining() + " of 32 bytes)";
    }
    int p = header.position();
    if (header.getInt(p) != FILE_MAGIC) {
      return "bad magic 0x" + Integer.toHexString(header.getInt(p)) + " (not a Runnel segment)";
    }
    CRC32C crc = new CRC32C();
    crc.update(header.duplicate().position(p).limit(p + 24));
    if ((int) crc.getValue() != header.getInt(p + 24)) {
      return "file header checksum mismatch";
    }
    if (header.getShort(p + 4) != VERSION) {
      return "unsupported format version " + header.getShort(p + 4) + " (this build reads 1)";
    }
    long base = header.getLong(p + 8);
    if (base != expectedBase) {
      return "header base sequence "
          + base
          + " does not match the file name ("
          + expectedBase
          + ")";
    }
    return null;
  }

  /**
   * True if the header is whole and checksummed correctly (its magic and CRC hold): a problem
   * {@link #checkFileHeader} reports is then not damage but a file of another version or name.
   */
  public static boolean isIntactHeader(ByteBuffer header) {
    if (header.remaining() < FILE_HEADER_BYTES) {
      return false;
    }
    int p = header.position();
    CRC32C crc = new CRC32C();
    crc.update(header.duplicate().position(p).limit(p + 24));
    return header.getInt(p) == FILE_MAGIC && (int) crc.getValue() == header.getInt(p + 24);
  }

  /** Bytes of the whole frame (prefix + body) for an entry. */
  public static int frameBytes(int keyBytes, int payloadBytes) {
    return FRAME_PREFIX_BYTES + BODY_FIXED_BYTES + keyBytes + payloadBytes;
  }

  /**
   * Writes one frame at the buffer's position, which must have {@link #frameBytes} room.
   *
   * @param crc a scratch checksum, reset here
   */
  public static void writeFrame(
      ByteBuffer dst,
      CRC32C crc,
      long sequence,
      long timestampMicros,
      long codecId,
      byte[] key,
      byte[] payload,
      int payloadOffset,
      int payloadLength) {
    int start = dst.position();
    int bodyLength = BODY_FIXED_BYTES + key.length + payloadLength;
    dst.putInt(SYNC_MARKER).putInt(bodyLength).putInt(0);
    dst.putLong(sequence).putLong(timestampMicros).putLong(codecId);
    dst.putShort((short) key.length).put(key).put(payload, payloadOffset, payloadLength);
    crc.reset();
    crc.update(dst.duplicate().position(start + 4).limit(start + 8));
    crc.update(dst.duplicate().position(start + FRAME_PREFIX_BYTES).limit(dst.position()));
    dst.putInt(start + 8, (int) crc.getValue());
  }

  /**
   * Validates and decodes one frame whose 12-byte prefix and {@code bodyLength} body bytes are at
   * {@code buf[pos...]} (absolute indexes).
   *
   * @param minSequence the smallest sequence acceptable at this place
   * @param into filled with the entry if the frame is valid
   * @return false if the frame is invalid ({@code into} is then unspecified)
   */
  public static boolean decodeFrame(
      ByteBuffer buf, int pos, int bodyLength, long minSequence, CRC32C crc, Frame into) {
    crc.reset();
    crc.update(buf.duplicate().position(pos + 4).limit(pos + FRAME_PREFIX_BYTES - 4));
    crc.update(
        buf.duplicate()
            .position(pos + FRAME_PREFIX_BYTES)
            .limit(pos + FRAME_PREFIX_BYTES + bodyLength));
    if ((int) crc.getValue() != buf.getInt(pos + 8)) {
      return false;
    }
    int b = pos + FRAME_PREFIX_BYTES;
    long sequence = buf.getLong(b);
    long timestamp = buf.getLong(b + 8);
    long codecId = buf.getLong(b + 16);
    int keyLength = Short.toUnsignedInt(buf.getShort(b + 24));
    if (sequence < minSequence
        || keyLength == 0
        || keyLength > MAX_KEY_BYTES
        || BODY_FIXED_BYTES + keyLength > bodyLength) {
      return false;
    }
    byte[] key = new byte[keyLength];
    buf.get(b + BODY_FIXED_BYTES, key);
    for (byte k : key) {
      if (k <= ' ' || k >= 0x7f) {
        return false;
      }
    }
    byte[] payload = new byte[bodyLength - BODY_FIXED_BYTES - keyLength];
    buf.get(b + BODY_FIXED_BYTES + keyLength, payload);
    into.set(sequence, timestamp, new String(key, StandardCharsets.US_ASCII), codecId, payload);
    return true;
  }
}
