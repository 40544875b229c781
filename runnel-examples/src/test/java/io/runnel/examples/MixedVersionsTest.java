package io.runnel.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.Shutdown;
import io.runnel.testbed.Mosquitto;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The mixed-version demo on a real Mosquitto: stations on v1 and v2 (then v3) feed one hub that is
 * upgraded from v1 to v2 to v3 on the same store; every value read back must be the sent one
 * converted by hand, and every entry must carry the version it was written with.
 */
class MixedVersionsTest {

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void aHubUpgradedTwiceReadsEveryVersionOfItsHistoryMigrated() throws Exception {
    if (Mosquitto.binary() == null) {
      assertThat(System.getenv("CI")).as("CI must install mosquitto").isNull();
      Assumptions.abort("mosquitto is not installed: " + Mosquitto.INSTALL_HINT);
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    MixedVersions demo = new MixedVersions(out);
    int status = Cli.commandLine(demo, out).execute("--per-step", "3");
    String text = bytes.toString(StandardCharsets.UTF_8);
    System.out.println(text);

    assertThat(status).as(text).isEqualTo(Shutdown.EXIT_OK);
    assertThat(demo.mismatches).as(text).isEmpty();
    // step 1: 3 entries written by the hub on v1; step 2: 6 on v2; step 3: 6 on v3
    List<Integer> want = new ArrayList<>();
    for (int v : new int[] {1, 1, 1, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3}) {
      want.add(v);
    }
    assertThat(demo.writtenVersions).isEqualTo(want);
    // read back: 3 (v2 reads v1) + 9 + 9 (v3 reads v1/v2) + 15 + 15 (the legacy v1 reader)
    assertThat(demo.checked).isEqualTo(3 + 9 + 9 + 15 + 15);
    // a v1 reading of station A as the v3 hub reads it: Kelvin, humidity unknown
    assertThat(text)
        .contains("ReadingV3[station=A, kelvin=283.15, humidity=NaN, at=0]")
        // a v2 reading of station B: humidity kept
        .contains("ReadingV3[station=B, kelvin=294.15, humidity=40.0, at=1000]")
        .containsPattern("OK: 51 values read back across versions 1..3, 0 mismatches, 3")
        .contains("is version 3")
        .contains("knows versions 1..2");
    assertThat(demo.deadLettered).isEqualTo(3);
  }
}
