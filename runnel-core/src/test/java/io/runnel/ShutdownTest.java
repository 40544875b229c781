package io.runnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The signals helper in real processes: a child JVM runs {@link App}, the test sends it a signal
 * (only to the PID it started) and checks what the child printed and its exit status.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ShutdownTest {

  /** The child: a pipeline that runs until a request; its mode is the first argument. */
  public static final class App {
    public static void main(String[] args) throws Exception {
      String mode = args[0];
      int status;
      try (Shutdown shutdown = Shutdown.install(Duration.ofMillis(1500))) {
        Runnel runnel =
            shutdown.closeOnRequest(
                Runnel.builder()
                    .configure(
                        Long.class,
                        RecordKey.of("ticks"),
                        r ->
                            r.source(
                                (ctx, out) -> {
                                  for (long i = 0; ; i++) {
                                    ctx.sleep(Duration.ofMillis(10));
                                    out.produce(i);
                                  }
                                }))
                    .build()
                    .start());
        shutdown.closeOnRequest(() -> System.out.println("hook closed a resource"));
        shutdown.onRequest(() -> System.out.println("onRequest ran"));
        System.out.println("ready");
        boolean interrupted = shutdown.await(Duration.ofSeconds("normal".equals(mode) ? 0 : 30));
        if ("stuck".equals(mode)) {
          Thread.sleep(60_000); // never finishes: the hook must close the resources itself
        }
        runnel.close();
        System.out.println(interrupted ? "interrupted; summary printed" : "done; summary printed");
        status = interrupted ? Shutdown.EXIT_SIGTERM : 3;
      }
      Shutdown.exit(status);
    }
  }

  private record Run(int status, List<String> lines) {}

  private static Run run(String mode, String signal) throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process p =
        new ProcessBuilder(
                java.toString(),
                "-Xmx64m",
                "-cp",
                System.getProperty("java.class.path"),
                App.class.getName(),
                mode)
            .redirectErrorStream(true)
            .start();
    try {
      List<String> lines = new ArrayList<>();
      BufferedReader in =
          new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      String line;
      while ((line = in.readLine()) != null) {
        lines.add(line);
        if (line.equals("ready") && signal != null) {
          signal(p, signal);
        }
      }
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("child exits: %s", lines).isTrue();
      return new Run(p.exitValue(), lines);
    } finally {
      p.destroyForcibly();
    }
  }

  private static void signal(Process p, String signal) throws IOException, InterruptedException {
    // not Process.destroy(): it also closes the child's output, which the test still reads
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).start();
    assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(kill.exitValue()).isZero();
  }

  @Test
  void sigtermLetsTheApplicationPrintItsSummaryAndExitsWith143() throws Exception {
    Run r = run("wait", "TERM");
    assertThat(r.lines()).as("%s", r.lines()).contains("interrupted; summary printed");
    assertThat(r.lines()).doesNotContain("hook closed a resource");
    assertThat(r.lines()).filteredOn("onRequest ran"::equals).hasSize(1);
    assertThat(r.status()).as("%s", r.lines()).isEqualTo(Shutdown.EXIT_SIGTERM);
  }

  @Test
  void sigintExitsWith130() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeFalse(
        io.runnel.testbed.Signals.ignored(io.runnel.testbed.Signals.SIGINT),
        io.runnel.testbed.Signals.sigintIgnoredReason());
    Run r = run("wait", "INT");
    assertThat(r.lines()).as("%s", r.lines()).contains("interrupted; summary printed");
    assertThat(r.status()).as("%s", r.lines()).isEqualTo(Shutdown.EXIT_SIGINT);
  }

  @Test
  void aStuckApplicationHasItsResourcesClosedByTheHookWithinTheTimeout() throws Exception {
    long t0 = System.nanoTime();
    Run r = run("stuck", "TERM");
    long millis = (System.nanoTime() - t0) / 1_000_000;
    assertThat(r.lines())
        .as("%s", r.lines())
        .contains("hook closed a resource")
        .anyMatch(l -> l.contains("did not finish within 1500 ms; closing 2 resource(s)"))
        .doesNotContain("interrupted; summary printed");
    assertThat(r.status()).isEqualTo(Shutdown.EXIT_SIGTERM);
    assertThat(millis).as("bounded by the timeout, not the 60 s sleep").isLessThan(20_000);
  }

  @Test
  void withoutASignalTheApplicationsOwnStatusIsTheExitStatus() throws Exception {
    Run r = run("normal", null);
    assertThat(r.lines()).as("%s", r.lines()).contains("done; summary printed");
    assertThat(r.status()).isEqualTo(3);
  }

  @Test
  void closeRemovesTheHookAndOnRequestActionsRunOnceRequested() throws Exception {
    AtomicInteger ran = new AtomicInteger();
    Shutdown s = Shutdown.install(Duration.ofSeconds(1)).onRequest(ran::incrementAndGet);
    assertThat(s.requested()).isFalse();
    assertThat(s.await(Duration.ofMillis(20))).isFalse();
    assertThat(s.requestedAt()).isEmpty();
    s.close();
    s.close();
    assertThat(Shutdown.shuttingDown()).isFalse();
    assertThat(ran).hasValue(0);
    assertThatThrownBy(() -> Shutdown.install(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("timeout");
  }
}
