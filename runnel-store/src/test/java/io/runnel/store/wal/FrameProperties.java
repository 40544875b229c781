package io.runnel.store.wal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/** Entry frames: round trip, and every single-byte change detected (moved from CodecProperties). */
class FrameProperties {

  @Property(tries = 200)
  void framesRoundTrip(
      @ForAll long sequence, @ForAll long timestamp, @ForAll long codecId, @ForAll byte[] payload) {
    long seq = sequence & Long.MAX_VALUE;
    byte[] key = "sensor.temp.indoor".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    java.nio.ByteBuffer buf =
        java.nio.ByteBuffer.allocate(EntryFormat.frameBytes(key.length, payload.length));
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    EntryFormat.writeFrame(buf, crc, seq, timestamp, codecId, key, payload, 0, payload.length);
    assertThat(buf.hasRemaining()).isFalse();
    Frame e = new Frame();
    assertThat(EntryFormat.decodeFrame(buf, 0, buf.getInt(4), 0, crc, e)).isTrue();
    assertThat(e.sequence()).isEqualTo(seq);
    assertThat(e.timestampMicros()).isEqualTo(timestamp);
    assertThat(e.codecId()).isEqualTo(codecId);
    assertThat(e.key()).isEqualTo("sensor.temp.indoor");
    assertThat(e.payload()).isEqualTo(payload);
  }

  @Property(tries = 500)
  void anySingleByteChangeOfAFrameIsDetected(
      @ForAll byte[] payload, @ForAll int where, @ForAll byte xor) {
    if (xor == 0) {
      return;
    }
    byte[] key = "a.b".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    java.nio.ByteBuffer buf =
        java.nio.ByteBuffer.allocate(EntryFormat.frameBytes(key.length, payload.length));
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    EntryFormat.writeFrame(buf, crc, 5, 6, 7, key, payload, 0, payload.length);
    byte[] frame = buf.array();
    int k = Math.floorMod(where, frame.length);
    frame[k] ^= xor;
    List<Frame> found = new ArrayList<>();
    try {
      new SegmentScanner((dst, pos) -> readArray(frame, dst, pos), 64)
          .scan(0, frame.length, 0, (off, len, e) -> found.add(e));
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
    assertThat(found).isEmpty();
  }

  static int readArray(byte[] src, java.nio.ByteBuffer dst, long pos) {
    if (pos >= src.length) {
      return -1;
    }
    int n = (int) Math.min(dst.remaining(), src.length - pos);
    dst.put(src, (int) pos, n);
    return n;
  }
}
