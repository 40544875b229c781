package io.runnel.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.RecordKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
    StoredEntry e = EntryFormat.decodeFrame(buf, 0, buf.getInt(4), 0, crc);
    assertThat(e).isNotNull();
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
    List<StoredEntry> found = new ArrayList<>();
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

  @Example
  void changedRecordTypeGivesAnErrorNamingBothSchemas() throws Exception {
    Path dir = Files.createTempDirectory("codec");
    RecordKey key = RecordKey.of("sensor.temp");
    try (HistoryStore store = HistoryStore.open(StoreConfig.builder(dir).build())) {
      long s = store.append(key, new ReadingV1("indoor", 21.5), RecordCodec.of(ReadingV1.class));
      store.awaitDurable(s, Duration.ofSeconds(5));
    }
    try (HistoryStore store = HistoryStore.open(StoreConfig.builder(dir).build())) {
      StoredEntry e = store.query(Query.all()).getFirst();
      assertThat(e.decode(RecordCodec.of(ReadingV1.class)))
          .isEqualTo(new ReadingV1("indoor", 21.5));
      assertThatThrownBy(() -> e.decode(RecordCodec.of(ReadingV2.class)))
          .isInstanceOf(SchemaMismatchException.class)
          .hasMessageContaining("ReadingV1(sensor:String,celsius:double)")
          .hasMessageContaining("ReadingV2(sensor:String,celsius:double,at:Instant)")
          .hasMessageContaining("entry 0 of key 'sensor.temp'");
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
        .isEqualTo("io.runnel.store.CodecProperties$ReadingV1(sensor:String,celsius:double)");
    assertThat(c.id()).isEqualTo(JsonCodec.fingerprint("record:" + c.schema()));
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
