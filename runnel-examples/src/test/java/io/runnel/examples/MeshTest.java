package io.runnel.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.Shutdown;
import io.runnel.testbed.Mosquitto;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The sensor mesh for real, briefly: Mosquitto, Kafka, three station processes, the hub and the
 * cloud consumer; one station and the Kafka broker killed and restarted. Nothing may be lost.
 */
class MeshTest {

  @Test
  @Timeout(value = 150, unit = TimeUnit.SECONDS)
  void everyReadingOfEveryStationArrivesThroughKillsOfAStationAndOfKafka() throws Exception {
    if (Mosquitto.binary() == null) {
      assertThat(System.getenv("CI")).as("CI must install mosquitto").isNull();
      Assumptions.abort("mosquitto is not installed: " + Mosquitto.INSTALL_HINT);
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    Mesh mesh = new Mesh(out);
    int status =
        Cli.commandLine(mesh, out).execute("--duration", "16s", "--stations", "3", "--rate", "100");
    String text = bytes.toString(StandardCharsets.UTF_8);
    System.out.println(text);

    assertThat(status).as(text).isEqualTo(Shutdown.EXIT_OK);
    assertThat(mesh.kills).isEqualTo(2);
    assertThat(mesh.expected).containsOnlyKeys("s01", "s02", "s03");
    assertThat(mesh.verdicts).containsOnlyKeys("s01", "s02", "s03");
    for (MeshNode.Verdict v : mesh.verdicts.values()) {
      // 16 s at 100/s, less the killed station's second away and the start-up: well over 800
      assertThat(v.expected()).as(v.toString()).isGreaterThan(800);
      assertThat(v.received()).as(v.toString()).isEqualTo(v.expected());
      assertThat(v.missing()).as(v.toString()).isZero();
    }
    assertThat(mesh.latency).as(text).contains("p50=").contains("p99=");
    assertThat(text).contains("killed station-1 (kill -9").contains("killed the Kafka broker");
    // the hub was given no station list: it added one record per station while running
    assertThat(text).as(text).contains("HUB discovered=3 station.records=3 rejected=0 missed=0 ");
    // the hub's Kafka route forwards the station records (a prefix route): each reading is
    // persisted once at the hub, in its station's record, not a second time in hub.readings
    java.util.regex.Matcher hub =
        java.util.regex.Pattern.compile("HUB .* persisted=(\\d+) ").matcher(text);
    assertThat(hub.find()).as(text).isTrue();
    long readings = mesh.expected.values().stream().mapToLong(Long::longValue).sum();
    assertThat(Long.parseLong(hub.group(1))).as(text).isLessThan(readings * 3 / 2);
    assertThat(text).containsPattern("OK: \\d+ readings persisted by 3 stations");
    // one Kafka key per station record, <record>@<node>: each station's readings in one partition
    assertThat(text).as(text).contains(" 0 readings on the site topic, 0 keyed other than ");
  }
}
