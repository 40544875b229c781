package io.runnel.codec;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link RecordCodec#sizeHint}: an upper bound of the encoded size (text aside), without encoding.
 */
class RecordCodecSizeHintTest {

  enum Mode {
    A,
    B
  }

  record Fixed(int a, long b, short c, byte d, boolean e, char f, float g, double h, Mode m) {}

  record Inner(String name, Integer boxed) {}

  record Mixed(
      String text,
      byte[] blob,
      Instant at,
      List<Long> numbers,
      List<String> words,
      Inner inner,
      Fixed fixed,
      Long maybe) {}

  @Test
  void fixedSizeRecordsAreBoundedByAConstant() {
    RecordCodec<Fixed> codec = RecordCodec.of(Fixed.class);
    long bound = codec.sizeHint(new Fixed(0, 0, (short) 0, (byte) 0, false, 'a', 0, 0, Mode.A));
    assertThat(bound).isEqualTo(5 + 10 + 3 + 1 + 1 + 2 + 4 + 8 + 1);
    Fixed extreme =
        new Fixed(
            Integer.MIN_VALUE,
            Long.MIN_VALUE,
            Short.MIN_VALUE,
            (byte) -1,
            true,
            '\uffff',
            Float.NaN,
            Double.MAX_VALUE,
            Mode.B);
    assertThat(codec.sizeHint(extreme)).isEqualTo(bound);
    assertThat(codec.encode(extreme).length).isEqualTo((int) bound); // every varint at its largest
  }

  @Test
  void variableRecordsAreNeverBelowTheEncodedSizeForAsciiAndExactForBytes() {
    RecordCodec<Mixed> codec = RecordCodec.of(Mixed.class);
    Random r = new Random(7);
    for (int i = 0; i < 500; i++) {
      byte[] blob = r.nextInt(5) == 0 ? null : new byte[r.nextInt(3000)];
      Mixed v =
          new Mixed(
              r.nextBoolean() ? null : "t".repeat(r.nextInt(300)),
              blob,
              r.nextBoolean() ? null : Instant.ofEpochSecond(r.nextLong(1L << 40), r.nextInt(1000)),
              r.nextInt(4) == 0 ? null : List.of(r.nextLong(), (long) r.nextInt(100)),
              List.of("x".repeat(r.nextInt(20)), "yz"),
              r.nextBoolean() ? null : new Inner("n" + r.nextInt(), r.nextBoolean() ? null : 5),
              new Fixed(1, 2, (short) 3, (byte) 4, true, 'c', 1f, 2d, Mode.A),
              r.nextBoolean() ? null : r.nextLong());
      int encoded = codec.encode(v).length;
      long hint = codec.sizeHint(v);
      assertThat(hint).isGreaterThanOrEqualTo(encoded);
      assertThat(hint).isLessThanOrEqualTo(encoded + 120L); // varints at their largest, no more
    }
  }

  @Test
  void aLargeBlobIsCountedExactly() {
    record Frame(long at, byte[] pixels) {}
    RecordCodec<Frame> codec = RecordCodec.of(Frame.class);
    Frame f = new Frame(1, new byte[1 << 20]);
    assertThat(codec.sizeHint(f))
        .isBetween((long) codec.encode(f).length, codec.encode(f).length + 9L);
  }

  @Test
  void nonAsciiTextIsAtMostThreeTimesUnderestimated() {
    RecordCodec<Inner> codec = RecordCodec.of(Inner.class);
    Inner v = new Inner("\u6e29\u5ea6".repeat(100), null); // 200 chars, 600 bytes of UTF-8
    assertThat(codec.sizeHint(v) * 3).isGreaterThanOrEqualTo(codec.encode(v).length);
  }

  @Test
  void theDefaultIsUnknown() {
    Codec<String> plain =
        new Codec<>() {
          @Override
          public long id() {
            return 1;
          }

          @Override
          public String schema() {
            return "plain";
          }

          @Override
          public byte[] encode(String value) {
            return value.getBytes(java.nio.charset.StandardCharsets.UTF_8);
          }

          @Override
          public String decode(byte[] bytes) {
            return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
          }
        };
    assertThat(plain.sizeHint("abc")).isEqualTo(-1);
    assertThat(Codec.bytes(1).sizeHint(new byte[12345])).isEqualTo(12345);
  }
}
