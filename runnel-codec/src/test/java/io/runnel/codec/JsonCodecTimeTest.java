package io.runnel.codec;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import org.junit.jupiter.api.Test;

/** The default JSON codec handles {@code java.time} values (the README's {@code Reading}). */
class JsonCodecTimeTest {

  record Reading(String sensor, double celsius, Instant at) {}

  record Schedule(LocalDate day, Duration every) {}

  @Test
  void encodesAndDecodesAnInstantAsAnIsoString() {
    Codec<Reading> codec = Codec.json(Reading.class);
    Reading r = new Reading("indoor", 21.5, Instant.parse("2026-03-01T12:00:00.123456789Z"));
    byte[] bytes = codec.encode(r);
    assertThat(new String(bytes, StandardCharsets.UTF_8))
        .contains("\"at\":\"2026-03-01T12:00:00.123456789Z\"");
    assertThat(codec.decode(bytes)).isEqualTo(r);
  }

  @Test
  void encodesAndDecodesOtherJavaTimeTypes() {
    Codec<Schedule> codec = Codec.json(Schedule.class);
    Schedule s = new Schedule(LocalDate.of(2026, 3, 1), Duration.ofMillis(1500));
    byte[] bytes = codec.encode(s);
    assertThat(new String(bytes, StandardCharsets.UTF_8))
        .isEqualTo("{\"day\":\"2026-03-01\",\"every\":\"PT1.5S\"}");
    assertThat(codec.decode(bytes)).isEqualTo(s);
  }
}
