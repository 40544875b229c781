package io.runnel;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RecordTypeTest {

  record Setpoint(double celsius) {}

  @Test
  void aRecordsTypeIsFoundByItsIdAndAnUnknownIdIsEmpty() {
    try (Runnel runnel =
        Runnel.builder()
            .configure(Setpoint.class, RecordKey.of("config.setpoint"), r -> r.external())
            .build()) {
      assertThat(runnel.recordType("config.setpoint")).contains(Setpoint.class);
      assertThat(runnel.recordType("config.other")).isEmpty();
      // what a tool that knows only the id does with it
      Class<?> type = runnel.recordType("config.setpoint").orElseThrow();
      assertThat(runnel.producer(type, RecordKey.of("config.setpoint"))).isNotNull();
    }
  }
}
