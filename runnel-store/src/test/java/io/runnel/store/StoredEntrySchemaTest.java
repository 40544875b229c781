package io.runnel.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.RecordKey;
import io.runnel.codec.Codec;
import io.runnel.codec.JsonCodec;
import io.runnel.codec.RecordCodec;
import io.runnel.codec.SchemaMismatchException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Reading a stored entry with another codec is a {@link SchemaMismatchException} naming both
 * schemas (moved here from the codec tests, which no longer know the store).
 */
class StoredEntrySchemaTest {

  record ReadingV1(String sensor, double celsius) {}

  record ReadingV2(String sensor, double celsius, Instant at) {}

  record Point(String name, int x) {}

  static Stream<Codec<?>> codecs() {
    return Stream.of(RecordCodec.of(Point.class), JsonCodec.of(Point.class), Codec.bytes(42));
  }

  @ParameterizedTest
  @MethodSource("codecs")
  void readingWithAnotherCodecIsASchemaMismatch(Codec<?> codec) {
    StoredEntry e = new StoredEntry(7, 0, "k.x", codec.id() ^ 1, new byte[0]);
    assertThatThrownBy(() -> e.decode(codec))
        .isInstanceOf(SchemaMismatchException.class)
        .hasMessageContaining(codec.schema())
        .hasMessageStartingWith("entry 7 of key 'k.x' was written with schema <unknown>");
  }

  @Test
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
}
