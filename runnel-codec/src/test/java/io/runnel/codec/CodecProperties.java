package io.runnel.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class CodecProperties {

  enum Color {
    RED,
    GREEN,
    BLUE
  }

  record Inner(String name, int n) {}

  record Sample(
      int i,
      long l,
      short s,
      byte b,
      boolean z,
      char c,
      float f,
      double d,
      Integer boxedInt,
      Long boxedLong,
      Double boxedDouble,
      Boolean boxedBool,
      String text,
      Color color,
      Instant at,
      byte[] raw,
      Inner inner,
      List<String> tags,
      List<Inner> inners,
      List<List<Integer>> matrix) {}

  record ReadingV1(String sensor, double celsius) {}

  record ReadingV2(String sensor, double celsius, Instant at) {}

  record Unsupported(String name, Map<String, String> attributes) {}

  record Plain(String name, int count, List<String> tags) {}

  static final RecordCodec<Sample> SAMPLE = RecordCodec.of(Sample.class);

  @Provide
  Arbitrary<Sample> samples() {
    return Arbitraries.randomValue(CodecProperties::randomSample);
  }

  static <T> T maybeNull(Random r, T v) {
    return r.nextInt(5) == 0 ? null : v;
  }

  static String randomString(Random r) {
    int n = r.nextInt(20);
    StringBuilder sb = new StringBuilder();
    for (int k = 0; k < n; k++) {
      sb.appendCodePoint(
          switch (r.nextInt(4)) {
            case 0 -> 'a' + r.nextInt(26);
            case 1 -> 0x400 + r.nextInt(200);
            case 2 -> 0x1F600 + r.nextInt(50);
            default -> r.nextInt(128);
          });
    }
    return sb.toString();
  }

  static long edgy(Random r) {
    return switch (r.nextInt(5)) {
      case 0 -> Long.MIN_VALUE;
      case 1 -> Long.MAX_VALUE;
      case 2 -> 0;
      case 3 -> r.nextInt(300) - 150;
      default -> r.nextLong();
    };
  }

  static Sample randomSample(Random r) {
    byte[] raw = new byte[r.nextInt(40)];
    r.nextBytes(raw);
    List<String> tags = new ArrayList<>();
    for (int k = r.nextInt(4); k > 0; k--) {
      tags.add(maybeNull(r, randomString(r)));
    }
    List<Inner> inners = new ArrayList<>();
    for (int k = r.nextInt(3); k > 0; k--) {
      inners.add(maybeNull(r, new Inner(randomString(r), (int) edgy(r))));
    }
    List<List<Integer>> matrix = new ArrayList<>();
    for (int k = r.nextInt(3); k > 0; k--) {
      List<Integer> row = new ArrayList<>();
      for (int m = r.nextInt(3); m > 0; m--) {
        row.add(maybeNull(r, r.nextInt()));
      }
      matrix.add(row);
    }
    return new Sample(
        (int) edgy(r),
        edgy(r),
        (short) edgy(r),
        (byte) r.nextInt(),
        r.nextBoolean(),
        (char) r.nextInt(65536),
        r.nextInt(10) == 0 ? Float.NaN : r.nextFloat() * 1e6f,
        r.nextInt(10) == 0 ? Double.NEGATIVE_INFINITY : r.nextDouble() * edgy(r),
        maybeNull(r, (int) edgy(r)),
        maybeNull(r, edgy(r)),
        maybeNull(r, r.nextGaussian()),
        maybeNull(r, r.nextBoolean()),
        maybeNull(r, randomString(r)),
        maybeNull(r, Color.values()[r.nextInt(3)]),
        maybeNull(r, Instant.ofEpochSecond(r.nextInt() * 10L, r.nextInt(1_000_000_000))),
        maybeNull(r, raw),
        maybeNull(r, new Inner(maybeNull(r, randomString(r)), r.nextInt())),
        maybeNull(r, tags),
        maybeNull(r, inners),
        maybeNull(r, matrix));
  }

  @Property(tries = 300)
  void recordCodecRoundTrips(@ForAll("samples") Sample s) {
    byte[] bytes = SAMPLE.encode(s);
    Sample back = SAMPLE.decode(bytes);
    assertThat(back)
        .usingRecursiveComparison()
        .withEqualsForType(Float::equals, Float.class)
        .withEqualsForType(Double::equals, Double.class)
        .isEqualTo(s);
    assertThat(SAMPLE.encode(back)).isEqualTo(bytes);
  }

  @Property(tries = 300)
  void recordCodecRejectsDamagedBytesOnlyWithCodecException(
      @ForAll("samples") Sample s, @ForAll int where, @ForAll byte with) {
    byte[] bytes = SAMPLE.encode(s);
    if (bytes.length == 0) {
      return;
    }
    int k = Math.floorMod(where, bytes.length + 1);
    byte[] damaged = k == bytes.length ? java.util.Arrays.copyOf(bytes, k / 2) : bytes.clone();
    if (k < bytes.length) {
      damaged[k] = with;
    }
    try {
      SAMPLE.decode(damaged);
    } catch (CodecException expected) {
      // fine: the documented failure
    }
  }

  @Property(tries = 200)
  void recordCodecDecodesRandomBytesOnlyWithCodecException(@ForAll byte[] random) {
    try {
      SAMPLE.decode(random);
    } catch (CodecException expected) {
      // fine
    }
  }

  @Example
  void unsupportedComponentIsNamed() {
    assertThatThrownBy(() -> RecordCodec.of(Unsupported.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Unsupported.attributes")
        .hasMessageContaining("java.util.Map");
  }

  @Example
  void schemaTextAndIdAreStable() {
    RecordCodec<ReadingV1> c = RecordCodec.of(ReadingV1.class);
    assertThat(c.schema())
        .isEqualTo("io.runnel.codec.CodecProperties$ReadingV1(sensor:String,celsius:double)");
    assertThat(c.id()).isEqualTo(Fingerprint.of("record:" + c.schema()));
    assertThat(RecordCodec.of(ReadingV2.class).id()).isNotEqualTo(c.id());
  }

  @Property(tries = 100)
  void jsonCodecRoundTrips(@ForAll String name, @ForAll int count, @ForAll List<String> tags) {
    Codec<Plain> json = Codec.json(Plain.class);
    Plain p = new Plain(name, count, tags);
    assertThat(json.decode(json.encode(p))).isEqualTo(p);
  }

  @Example
  void jsonCodecErrorsAreCodecExceptions() {
    assertThatThrownBy(() -> Codec.json(Plain.class).decode("{not json".getBytes()))
        .isInstanceOf(CodecException.class)
        .hasMessageContaining("Plain");
  }
}
