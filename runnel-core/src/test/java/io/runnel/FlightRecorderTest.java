package io.runnel;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Scheduling shows up in JDK Flight Recorder (and so in JDK Mission Control). */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FlightRecorderTest {

  @Test
  void watchdogReportsAndTicksAreRecordedAsJfrEvents(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("runnel.jfr");
    long[] reports = new long[1];
    try (Recording recording = new Recording()) {
      recording.enable("io.runnel.Watchdog");
      recording.enable("io.runnel.Tick");
      recording.enable("io.runnel.TaskRun");
      recording.start();
      try (Runnel runnel =
          Runnel.builder()
              .lane("strict", LaneSpec.virtual().watchdog(Duration.ofMillis(20)))
              .configure(
                  Integer.class,
                  RecordKey.of("jfr.slow"),
                  r ->
                      r.lane("strict")
                          .source(
                              (ctx, out) -> {
                                Ticker ticker = ctx.ticker(Duration.ofMillis(1));
                                for (int i = 0; i < 5; i++) {
                                  ticker.await();
                                }
                                LaneTest.busyLoop(Duration.ofMillis(200));
                              }))
              .build()
              .start()) {
        assertThat(runnel.awaitCompletion(Duration.ofSeconds(20))).isTrue();
        reports[0] = runnel.inspect().lane("strict").orElseThrow().watchdogReports();
      }
      recording.stop();
      recording.dump(file);
    }
    List<RecordedEvent> events = RecordingFile.readAllEvents(file);
    // At least the busy loop; the first run episode may be reported too when JFR's instrumentation
    // of the event classes makes it slower than the 20 ms limit.
    List<RecordedEvent> watchdog =
        events.stream()
            .filter(e -> e.getEventType().getName().equals("io.runnel.Watchdog"))
            .toList();
    assertThat(watchdog).isNotEmpty().hasSize((int) reports[0]);
    assertThat(watchdog)
        .allSatisfy(
            e -> {
              assertThat(e.getString("task")).isEqualTo("runnel:jfr.slow/source");
              assertThat(e.getString("key")).isEqualTo("jfr.slow");
              assertThat(e.getString("lane")).isEqualTo("strict");
              assertThat(e.getLong("runningNanos"))
                  .isGreaterThan(TimeUnit.MILLISECONDS.toNanos(20));
            });
    assertThat(events)
        .filteredOn(e -> e.getEventType().getName().equals("io.runnel.Tick"))
        .hasSize(5);
    // the 200 ms busy loop is a run episode far above the 1 ms threshold; the ticks are far below
    assertThat(events)
        .filteredOn(e -> e.getEventType().getName().equals("io.runnel.TaskRun"))
        .anySatisfy(
            e -> {
              assertThat(e.getString("task")).isEqualTo("runnel:jfr.slow/source");
              assertThat(e.getString("lane")).isEqualTo("strict");
              assertThat(e.getLong("runNanos")).isGreaterThanOrEqualTo(200_000_000L);
            });
    assertThat(Files.size(file)).isPositive();
  }
}
