package io.runnel.codec;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The {@link Codec} contract, run against every codec implementation. */
class CodecContractTest {

  record Point(String name, int x, long y, List<String> tags) {}

  /** A codec, a value factory and the equality to check with. */
  record Case<T>(String name, Codec<T> codec, java.util.function.Function<Random, T> values) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Arguments> codecs() {
    return Stream.of(
        Arguments.of(
            new Case<>(
                "record",
                RecordCodec.of(Point.class),
                r ->
                    new Point(
                        "p" + r.nextInt(),
                        r.nextInt(),
                        r.nextLong(),
                        List.of("a", "" + r.nextInt())))),
        Arguments.of(
            new Case<>(
                "json",
                JsonCodec.of(Point.class),
                r -> new Point("p" + r.nextInt(), r.nextInt(), r.nextLong(), List.of("b")))),
        Arguments.of(
            new Case<>(
                "bytes",
                Codec.bytes(42),
                r -> ("raw" + r.nextInt()).getBytes(StandardCharsets.UTF_8))));
  }

  @ParameterizedTest
  @MethodSource("codecs")
  <T> void decodeOfEncodeIsTheValue(Case<T> c) {
    Random r = new Random(1);
    for (int i = 0; i < 200; i++) {
      T v = c.values().apply(r);
      T back = c.codec().decode(c.codec().encode(v));
      assertThat(back).usingRecursiveComparison().isEqualTo(v);
    }
  }

  @ParameterizedTest
  @MethodSource("codecs")
  <T> void idAndSchemaAreStableAndDescriptive(Case<T> c) {
    assertThat(c.codec().id()).isEqualTo(c.codec().id());
    assertThat(c.codec().schema()).isNotBlank();
  }

  @ParameterizedTest
  @MethodSource("codecs")
  <T> void garbageFailsOnlyWithCodecException(Case<T> c) {
    Random r = new Random(2);
    for (int i = 0; i < 200; i++) {
      byte[] b = new byte[r.nextInt(50)];
      r.nextBytes(b);
      try {
        c.codec().decode(b);
      } catch (CodecException expected) {
        // the documented failure
      }
    }
  }

  @ParameterizedTest
  @MethodSource("codecs")
  <T> void aSchemaMismatchNamesBothSchemas(Case<T> c) {
    // (the store's StoredEntry.decode throws this for an entry of another codec id:
    // StoredEntrySchemaTest in runnel-store)
    SchemaMismatchException e =
        new SchemaMismatchException(
            "entry 7 of key 'k.x'", c.codec().id() ^ 1, "Old(a:int)", c.codec());
    assertThat(e)
        .isInstanceOf(CodecException.class)
        .hasMessageStartingWith("entry 7 of key 'k.x' was written with schema Old(a:int)")
        .hasMessageContaining(c.codec().schema());
    assertThat(e.readerId()).isEqualTo(c.codec().id());
    assertThat(e.writtenId()).isEqualTo(c.codec().id() ^ 1);
  }

  @ParameterizedTest
  @MethodSource("codecs")
  <T> void aSizeHintIsUnknownOrNotBelowTheEncodedSizeOfAsciiValues(Case<T> c) {
    Random r = new Random(3);
    for (int i = 0; i < 200; i++) {
      T v = c.values().apply(r);
      long hint = c.codec().sizeHint(v);
      assertThat(hint).isGreaterThanOrEqualTo(-1);
      if (hint >= 0) {
        assertThat(hint).isGreaterThanOrEqualTo(c.codec().encode(v).length);
      }
    }
  }
}
