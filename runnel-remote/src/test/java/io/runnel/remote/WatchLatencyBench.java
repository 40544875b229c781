package io.runnel.remote;

import com.fasterxml.jackson.databind.JsonNode;
import io.runnel.RecordKey;
import io.runnel.Runnel;
import io.runnel.buffer.BufferSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Measurements (excluded by default): value produced → received by a watch client on loopback, and
 * what ten watchers of a 10 kHz record cost the producer. Run with {@code ./runnel mvn -B -o -pl
 * runnel-remote -am test -Dtest=WatchLatencyBench -Dgroups=bench -DexcludedGroups=none
 * -Dsurefire.failIfNoSpecifiedTests=false}; figures go to stdout and {@code
 * target/remote-bench.txt}.
 */
@Tag("bench")
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class WatchLatencyBench {
  @TempDir Path tmp;

  /** A value stamped with the producer's {@code System.nanoTime()}. */
  public record Stamp(long seq, long nanos) {}

  static final RecordKey KEY = RecordKey.of("bench.stamp");
  private final StringBuilder report = new StringBuilder();

  /** Produces at {@code rate} per second (paced by spinning), recording produce() time. */
  private static Runnel pipeline(int rate, Recorder produceTime, AtomicBoolean measuring) {
    long period = 1_000_000_000L / rate;
    return Runnel.builder()
        .configure(
            Stamp.class,
            KEY,
            r ->
                r.buffer(BufferSpec.ring(8192))
                    .source(
                        (ctx, out) -> {
                          long next = System.nanoTime();
                          long seq = 0;
                          while (!ctx.isStopping()) {
                            next += period;
                            long wait;
                            while ((wait = next - System.nanoTime()) > 0) {
                              if (wait > 200_000) {
                                Thread.sleep(Duration.ofNanos(wait - 100_000));
                              } else {
                                Thread.onSpinWait();
                              }
                            }
                            long t0 = System.nanoTime();
                            out.produce(new Stamp(seq++, t0));
                            long t1 = System.nanoTime();
                            if (measuring.get()) {
                              produceTime.recordValue(t1 - t0);
                            }
                          }
                        }))
        .build()
        .start();
  }

  @Test
  void latencyProducedToReceived() throws Exception {
    for (Fixture.Kind kind : Fixture.Kind.values()) {
      Recorder unused = new Recorder(3);
      try (Runnel r = pipeline(1000, unused, new AtomicBoolean());
          RemoteServer s =
              RemoteServer.builder(r)
                  .port(0)
                  .unixSocket(tmp.resolve("b-" + kind + ".sock"))
                  .generatedTokenFile(tmp.resolve("t-" + kind))
                  .build()
                  .start()) {
        String token = Files.readAllLines(s.tokenFile().orElseThrow()).get(1).split(" ")[2];
        try (RpcClient c =
            kind == Fixture.Kind.WEBSOCKET
                ? WsClient.connect(s)
                : UnixClient.connect(s.unixSocket().orElseThrow())) {
          c.hello(token);
          c.call("watch", "{\"keys\":[\"bench.stamp\"]}");
          Histogram h = new Histogram(3);
          int warmup = 2000;
          int n = 10_000;
          long missed = 0;
          for (int i = 0; i < warmup + n; ) {
            JsonNode m = c.notification();
            long now = System.nanoTime();
            if (m.get("method").asText().equals("watch.missed")) {
              missed += m.get("params").get("count").asLong();
              continue;
            }
            if (i++ >= warmup) {
              h.recordValue(now - m.get("params").get("value").get("nanos").asLong());
            }
          }
          line(
              String.format(
                  "latency produced->received, %s, 1 kHz, %d values: p50 %.0f us, p99 %.0f us,"
                      + " p99.9 %.0f us, max %.0f us; missed %d",
                  kind.name().toLowerCase(),
                  h.getTotalCount(),
                  h.getValueAtPercentile(50) / 1e3,
                  h.getValueAtPercentile(99) / 1e3,
                  h.getValueAtPercentile(99.9) / 1e3,
                  h.getMaxValue() / 1e3,
                  missed));
        }
      }
    }
    write();
  }

  @Test
  void tenWatchersOfA10kHzRecord() throws Exception {
    Recorder produceTime = new Recorder(3);
    AtomicBoolean measuring = new AtomicBoolean();
    try (Runnel r = pipeline(10_000, produceTime, measuring);
        RemoteServer s =
            RemoteServer.builder(r)
                .port(0)
                .maxConnections(16)
                .generatedTokenFile(tmp.resolve("t10"))
                .build()
                .start()) {
      String token = Files.readAllLines(s.tokenFile().orElseThrow()).get(1).split(" ")[2];
      Thread.sleep(1000); // warm up
      measuring.set(true);
      produceTime.getIntervalHistogram();
      Thread.sleep(5000);
      Histogram without = produceTime.getIntervalHistogram();
      long produced0 = r.inspect().record(KEY.id()).orElseThrow().produced();
      List<RpcClient> clients = new ArrayList<>();
      List<Thread> readers = new ArrayList<>();
      AtomicReference<Throwable> failure = new AtomicReference<>();
      AtomicBoolean stop = new AtomicBoolean();
      long[] values = new long[10];
      long[] missed = new long[10];
      for (int i = 0; i < 10; i++) {
        RpcClient c = WsClient.connect(s);
        clients.add(c);
        c.hello(token);
        c.call("watch", "{\"keys\":[\"bench.stamp\"]}");
        int idx = i;
        readers.add(
            Thread.ofVirtual()
                .start(
                    () -> {
                      try {
                        while (!stop.get()) {
                          JsonNode m = c.poll(Duration.ofMillis(200));
                          if (m == null) {
                            continue;
                          }
                          if ("watch.missed".equals(m.path("method").asText())) {
                            missed[idx] += m.get("params").get("count").asLong();
                          } else if ("watch.value".equals(m.path("method").asText())) {
                            values[idx]++;
                          }
                        }
                      } catch (Throwable t) {
                        failure.set(t);
                      }
                    }));
      }
      Thread.sleep(1000);
      produceTime.getIntervalHistogram();
      long t0 = System.nanoTime();
      Thread.sleep(5000);
      Histogram with = produceTime.getIntervalHistogram();
      double secs = (System.nanoTime() - t0) / 1e9;
      long produced = r.inspect().record(KEY.id()).orElseThrow().produced() - produced0;
      stop.set(true);
      for (Thread t : readers) {
        t.join(5000);
      }
      RemoteStats st = s.stats();
      for (RpcClient c : clients) {
        c.close();
      }
      long delivered = 0;
      long lost = 0;
      for (int i = 0; i < 10; i++) {
        delivered += values[i];
        lost += missed[i];
      }
      line(
          String.format(
              "produce() without watchers: p50 %d ns, p99 %d ns, p99.9 %d ns, max %d ns (%d values)",
              without.getValueAtPercentile(50),
              without.getValueAtPercentile(99),
              without.getValueAtPercentile(99.9),
              without.getMaxValue(),
              without.getTotalCount()));
      line(
          String.format(
              "produce() with 10 WebSocket watchers: p50 %d ns, p99 %d ns, p99.9 %d ns, max %d ns"
                  + " (%d values, %.0f/s over %.1f s)",
              with.getValueAtPercentile(50),
              with.getValueAtPercentile(99),
              with.getValueAtPercentile(99.9),
              with.getMaxValue(),
              with.getTotalCount(),
              with.getTotalCount() / secs,
              secs));
      line(
          String.format(
              "10 watchers since they subscribed: %d values received, %d reported missed (server:"
                  + " delivered %d, missed %d); produced while watched %d",
              delivered, lost, st.watchDelivered(), st.watchMissed(), produced));
      if (failure.get() != null) {
        throw new AssertionError(failure.get());
      }
    }
    write();
  }

  private void line(String s) {
    System.out.println("BENCH " + s);
    report.append(s).append('\n');
  }

  private void write() throws Exception {
    Path out = Path.of("target", "remote-bench.txt");
    Files.writeString(
        out,
        report,
        java.nio.file.StandardOpenOption.CREATE,
        java.nio.file.StandardOpenOption.APPEND);
  }
}
