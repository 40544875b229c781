package io.runnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RecordKeyTest {

  enum Sensors implements RecordKey {
    INDOOR("sensor.temp.indoor"),
    OUTDOOR("sensor.temp.outdoor");

    private final String id;

    Sensors(String id) {
      this.id = id;
    }

    @Override
    public String id() {
      return id;
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"a", "sensor.temp.indoor", "robot-1.joint_3.angle", "9.lives", "x.y.z.w"})
  void validKeys(String id) {
    assertThat(RecordKey.problem(id)).isEmpty();
    assertThat(RecordKey.of(id).id()).isEqualTo(id);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "''|must not be empty",
        "sensor..temp|empty segment at index 7",
        ".sensor|empty segment at index 0",
        "sensor.|ends with '.'",
        "Sensor.temp|uppercase 'S'",
        "sensor.Temp|uppercase 'T'",
        "sensor temp|whitespace",
        "sensor/temp|'/' at index 6",
        "sensor._temp|segment starting with '_'",
      })
  void invalidKeysSayWhatIsWrong(String id, String expected) {
    assertThat(RecordKey.problem(id)).hasValueSatisfying(m -> assertThat(m).contains(expected));
    assertThatThrownBy(() -> RecordKey.of(id))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(expected);
  }

  @Test
  void tooLongAndNullKeysAreRejected() {
    assertThat(RecordKey.problem("a".repeat(201)))
        .hasValueSatisfying(m -> assertThat(m).contains("at most 200"));
    assertThat(RecordKey.problem(null)).isPresent();
  }

  @Test
  void enumKeysWork() {
    assertThat(Sensors.INDOOR.id()).isEqualTo("sensor.temp.indoor");
    assertThat(RecordKey.problem(Sensors.OUTDOOR.id())).isEmpty();
  }
}
