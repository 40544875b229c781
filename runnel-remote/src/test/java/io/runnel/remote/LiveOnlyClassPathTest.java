package io.runnel.remote;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.runnel.RecordKey;
import io.runnel.Runnel;
import io.runnel.buffer.BufferSpec;
import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store is optional: a child JVM whose class path lacks runnel-store serves a live pipeline
 * (hello, records, watch, and {@code no_history} for query).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LiveOnlyClassPathTest {
  @TempDir Path tmp;

  /** A counter record served live. */
  public record Count(long n) {}

  @Test
  void serverRunsWithoutTheStore() throws Exception {
    String cp =
        Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
            .filter(e -> !e.contains("runnel-store"))
            .collect(Collectors.joining(File.pathSeparator));
    assertThat(cp).doesNotContain("runnel-store").contains("jetty");
    Process child =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                cp,
                Main.class.getName(),
                tmp.toString())
            .redirectErrorStream(true)
            .start();
    boolean ended = child.waitFor(40, TimeUnit.SECONDS);
    String out = new String(child.getInputStream().readAllBytes());
    if (!ended) {
      child.destroyForcibly();
    }
    assertThat(ended).as("child ended; output:\n" + out).isTrue();
    assertThat(child.exitValue()).as(out).isZero();
    assertThat(out).contains("LIVE-ONLY OK").doesNotContain("NoClassDefFoundError");
  }

  /** The child: a pipeline, a server on a Unix socket, one client. */
  public static final class Main {
    public static void main(String[] args) throws Exception {
      Path dir = Path.of(args[0]);
      try {
        Class.forName("io.runnel.store.HistoryStore");
        throw new AssertionError("runnel-store is on the class path");
      } catch (ClassNotFoundException expected) {
        // as intended
      }
      RecordKey key = RecordKey.of("live.count");
      try (Runnel r =
              Runnel.builder()
                  .configure(
                      Count.class,
                      key,
                      x ->
                          x.buffer(BufferSpec.ring(64))
                              .source(
                                  (ctx, o) -> {
                                    long n = 0;
                                    while (!ctx.isStopping()) {
                                      o.produce(new Count(n++));
                                      ctx.sleep(Duration.ofMillis(2));
                                    }
                                  }))
                  .build()
                  .start();
          RemoteServer s =
              RemoteServer.builder(r)
                  .webSocket(false)
                  .unixSocket(dir.resolve("live.sock"))
                  .generatedTokenFile(dir.resolve("tokens"))
                  .build()
                  .start();
          UnixClient c = UnixClient.connect(dir.resolve("live.sock"))) {
        String token =
            java.nio.file.Files.readAllLines(s.tokenFile().orElseThrow()).get(1).split(" ")[2];
        JsonNode hello = c.hello(token);
        check(!hello.get("capabilities").toString().contains("query"), "no query capability");
        check(c.call("records", null).get("result").get("records").size() == 1, "records");
        check(
            c.call("query", "{\"key\":\"live.count\"}")
                .get("error")
                .get("data")
                .get("reason")
                .asText()
                .equals("no_history"),
            "query gets no_history");
        c.call("watch", "{\"keys\":[\"live.count\"]}");
        check(c.notification().get("method").asText().equals("watch.value"), "watch");
      }
      System.out.println("LIVE-ONLY OK");
    }

    private static void check(boolean ok, String what) {
      if (!ok) {
        throw new AssertionError("failed: " + what);
      }
    }
  }
}
