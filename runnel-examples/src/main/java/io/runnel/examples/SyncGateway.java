package io.runnel.examples;

import io.runnel.RecordKey;
import io.runnel.Runnel;
import io.runnel.RunnelBuilder;
import io.runnel.Ticker;
import io.runnel.buffer.BufferSpec;
import io.runnel.codec.Codec;
import io.runnel.http.CloudSync;
import io.runnel.mqtt.MqttLink;
import io.runnel.remote.RemoteServer;
import io.runnel.spi.Connector;
import io.runnel.spi.ConnectorStatus;
import io.runnel.store.Durability;
import io.runnel.store.HistoryStore;
import io.runnel.store.Persist;
import io.runnel.store.StoreConfig;
import io.runnel.store.StoreStats;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The edge sync gateway: simulated sensors produce readings concurrently, every reading is
 * persisted in the write-ahead history, and a {@link CloudSync} connector forwards the history in
 * batches to a cloud endpoint. By default the endpoint is a local stand-in ({@link LocalIngest})
 * that fails, throttles and stalls a share of requests, so the run shows store and forward at work;
 * at the end the gateway checks that every persisted reading arrived.
 */
@Command(
    name = "runnel example SyncGateway",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    description = "Sensors -> history -> batched HTTP sync to a (local, faulty) cloud endpoint.")
public final class SyncGateway implements Callable<Integer> {

  /** One sensor reading. */
  public record Reading(String sensor, long seq, double value, Instant at) {}

  @Option(
      names = "--duration",
      defaultValue = "10s",
      converter = TemperatureDemo.DurationConverter.class,
      description = "How long the sensors produce (default: ${DEFAULT-VALUE}).")
  Duration duration;

  @Option(
      names = "--sensors",
      defaultValue = "50",
      description = "Simulated sensors (default: ${DEFAULT-VALUE}).")
  int sensors;

  @Option(
      names = "--period",
      defaultValue = "20ms",
      converter = TemperatureDemo.DurationConverter.class,
      description = "Each sensor's sampling period (default: ${DEFAULT-VALUE}).")
  Duration period;

  @Option(
      names = "--endpoint",
      description =
          "Cloud ingest URL (default: a local stand-in on 127.0.0.1 started by the example).")
  URI endpoint;

  @Option(
      names = "--faults",
      defaultValue = "0.1",
      description =
          "Share of requests the local stand-in answers with a fault: 500, 429, or too slow"
              + " (default: ${DEFAULT-VALUE}).")
  double faults;

  @Option(
      names = "--mqtt",
      description =
          "Also publish every persisted reading to this MQTT broker, host:port, from history at QoS 1"
              + " (default: off).")
  String mqtt;

  @Option(
      names = "--mqtt-version",
      defaultValue = "5",
      description = "MQTT protocol version, 3 (3.1.1) or 5 (default: ${DEFAULT-VALUE}).")
  int mqttVersion;

  @Option(names = "--dir", description = "History directory (default: a new temporary directory).")
  Path dir;

  @Option(
      names = "--drain-timeout",
      defaultValue = "30s",
      converter = TemperatureDemo.DurationConverter.class,
      description =
          "How long to wait at the end for the backlog to drain (default: ${DEFAULT-VALUE}).")
  Duration drainTimeout;

  private final PrintStream out;
  final AtomicLong firstValueAtMillis = new AtomicLong();
  final AtomicLong produced = new AtomicLong();

  /** Cleared at the end of the run: the sensors stop, the connectors drain what was persisted. */
  volatile boolean producing = true;

  /** Set by the run: the figures a test can check. */
  long lost = -1;

  long forwarded = -1;

  SyncGateway(PrintStream out) {
    this.out = out;
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new SyncGateway(System.out)).execute(args));
  }

  static RecordKey sensorKey(int i) {
    return RecordKey.of(String.format(Locale.ROOT, "sensor.s%02d", i));
  }

  Runnel pipeline(HistoryStore store, List<Connector> connectors) {
    RunnelBuilder b = Runnel.builder().name("gateway");
    connectors.forEach(b::connector);
    for (int i = 1; i <= sensors; i++) {
      int n = i;
      String name = sensorKey(i).id();
      b.configure(
          Reading.class,
          sensorKey(i),
          r ->
              r.buffer(BufferSpec.latest())
                  .hook(Persist.to(store, Reading.class))
                  .source(
                      (ctx, o) -> {
                        SplittableRandom random = new SplittableRandom(n);
                        // spread the sensors over the period, as real ones would be
                        ctx.sleep(Duration.ofNanos(period.toNanos() * n / sensors));
                        Ticker ticker = ctx.ticker(period);
                        double value = 20;
                        for (long seq = 0; producing; seq++) {
                          ticker.await();
                          value += random.nextGaussian() * 0.05;
                          o.produce(new Reading(name, seq, value, ctx.now()));
                          firstValueAtMillis.compareAndSet(0, System.currentTimeMillis());
                          produced.incrementAndGet();
                        }
                      }));
    }
    return b.build();
  }

  @CommandLine.Mixin RemoteOptions remote = new RemoteOptions();

  @Override
  public Integer call() throws Exception {
    Path history =
        dir != null ? Files.createDirectories(dir) : Files.createTempDirectory("runnel-gateway");
    LocalIngest ingest = endpoint == null ? new LocalIngest(faults, 42, 2_500) : null;
    URI target = endpoint != null ? endpoint : ingest.uri();
    out.printf(
        Locale.ROOT,
        "Sync gateway: %d sensors every %s, persisted to %s, synced to %s%s, for %s%n",
        sensors,
        TemperatureDemo.human(period),
        history,
        target,
        ingest != null ? " (local stand-in, " + Math.round(faults * 100) + "% faulty answers)" : "",
        TemperatureDemo.human(duration));
    try (HistoryStore store =
        HistoryStore.open(
            StoreConfig.builder(history)
                .durability(Durability.every(Duration.ofMillis(50)))
                .build())) {
      CloudSync sync =
          CloudSync.builder(store, target)
              .nodeId("gateway-1")
              .codec(Codec.forRecord(Reading.class))
              .maxBatchEntries(1000)
              .requestTimeout(Duration.ofSeconds(2))
              .backoff(Duration.ofMillis(100), Duration.ofSeconds(5))
              .build();
      List<Connector> connectors = new ArrayList<>(List.of(sync));
      MqttLink link = null;
      if (mqtt != null) {
        int colon = mqtt.lastIndexOf(':');
        if (colon < 0) {
          throw new CommandLine.ParameterException(
              new CommandLine(this), "--mqtt wants host:port, got " + mqtt);
        }
        link =
            MqttLink.builder()
                .broker(mqtt.substring(0, colon), Integer.parseInt(mqtt.substring(colon + 1)))
                .version(mqttVersion)
                .clientId("runnel-gateway-1")
                .build();
        List<RecordKey> keys = new ArrayList<>();
        for (int i = 1; i <= sensors; i++) {
          keys.add(sensorKey(i));
        }
        // one route for all sensors: one thread, one cursor, the store read once for all of them
        link.publishHistory(
            store, keys, Codec.forRecord(Reading.class), r -> "gateway-1/" + r.sensor(), "mqtt");
        connectors.add(link);
      }
      long t0 = System.nanoTime();
      Runnel runnel = pipeline(store, connectors);
      Optional<RemoteServer> server;
      try {
        server = remote.start(runnel, store, out);
      } catch (RuntimeException e) {
        runnel.close();
        System.err.println(
            "runnel example SyncGateway: remote access did not start: " + e.getMessage());
        return 1;
      }
      runnel.start();
      long deadline = t0 + duration.toNanos();
      long nextReport = t0 + 2_000_000_000L;
      List<Long> backlogs = new ArrayList<>();
      while (System.nanoTime() < deadline) {
        Thread.sleep(
            Math.max(1, Math.min(deadline, nextReport) - System.nanoTime()) / 1_000_000 + 1);
        if (System.nanoTime() >= nextReport) {
          ConnectorStatus s = sync.status();
          backlogs.add(s.backlog());
          out.printf(
              Locale.ROOT,
              "  %5.1fs  produced %8d  backlog %6d  forwarded %8d  retries %4d  %s%n",
              (System.nanoTime() - t0) / 1e9,
              produced.get(),
              s.backlog(),
              s.counters().getOrDefault("sentEntries", 0L),
              s.retries(),
              s.connected() ? "connected" : "not connected: " + s.lastError());
          nextReport += 2_000_000_000L;
        }
      }
      long producingNanos = System.nanoTime() - t0;
      Rss steady = Rss.now();
      double cpuSeconds = cpuSeconds();
      // Stop the sensors (their records close) but keep the connectors running until they drain.
      producing = false;
      runnel.awaitCompletion(Duration.ofSeconds(5));
      long total = produced.get();
      long last = store.sync();
      boolean drained = sync.awaitForwarded(last, drainTimeout);
      ConnectorStatus s = sync.status();
      ConnectorStatus m = null;
      if (link != null) {
        long until = System.nanoTime() + drainTimeout.toNanos();
        while (historyCounter(link.status(), "acked") < last + 1 && System.nanoTime() < until) {
          Thread.sleep(50);
        }
        m = link.status();
      }
      server.ifPresent(RemoteServer::close);
      runnel.close(); // closes the sync connector too
      StoreStats st = store.stats();
      long stored = last + 1;
      out.printf(
          Locale.ROOT,
          "%nproduced %d readings in %.1f s (%.0f/s); persisted %d (queue-full rejections %d)%n",
          total,
          producingNanos / 1e9,
          total / (producingNanos / 1e9),
          st.written(),
          st.rejected() + st.waitTimeouts());
      out.printf(
          Locale.ROOT,
          "sync: %s; forwarded %d entries in %d batches, %d retries, backlog %d, last error: %s%n",
          drained ? "drained" : "NOT drained within " + TemperatureDemo.human(drainTimeout),
          s.counters().getOrDefault("sentEntries", 0L),
          s.counters().getOrDefault("sentBatches", 0L),
          s.retries(),
          s.backlog(),
          s.lastError());
      if (m != null) {
        out.printf(
            Locale.ROOT,
            "mqtt: %s; %d published and acknowledged (QoS 1, from history), %d reconnects, last"
                + " error: %s%n",
            m.connected() ? "connected" : "not connected",
            historyCounter(m, "acked"),
            m.retries(),
            m.lastError());
      }
      if (ingest != null) {
        lost = ingest.missingUpTo(last);
        forwarded = ingest.distinctSequences();
        out.printf(
            Locale.ROOT,
            "cloud stand-in: %d requests, %d faults injected, %d duplicate batches (dropped by"
                + " idempotency key), %d distinct readings of the %d persisted while producing: %d"
                + " lost%n",
            ingest.requests.get(),
            ingest.faults.get(),
            ingest.duplicates.get(),
            forwarded,
            stored,
            lost);
      }
      long startup = firstValueAtMillis.get() - ManagementFactory.getRuntimeMXBean().getStartTime();
      out.printf(
          Locale.ROOT,
          "memory: RSS %d MB (peak %d MB), heap used %d MB of %d MB max; CPU %.2f s (%.0f%% of one"
              + " core while producing); start-up to first reading %d ms%n",
          steady.rssKb / 1024,
          steady.peakKb / 1024,
          (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) >> 20,
          Runtime.getRuntime().maxMemory() >> 20,
          cpuSeconds,
          100 * cpuSeconds / (producingNanos / 1e9),
          startup);
      return drained && (ingest == null || lost == 0) ? 0 : 1;
    } finally {
      if (ingest != null) {
        ingest.close();
      }
    }
  }

  /** A counter summed over the link's history routes ({@code history.<cursor>.<name>}). */
  static long historyCounter(ConnectorStatus s, String name) {
    return s.counters().entrySet().stream()
        .filter(e -> e.getKey().startsWith("history.") && e.getKey().endsWith("." + name))
        .mapToLong(java.util.Map.Entry::getValue)
        .sum();
  }

  private static double cpuSeconds() {
    return ProcessHandle.current().info().totalCpuDuration().map(Duration::toNanos).orElse(0L)
        / 1e9;
  }

  /** Resident memory from {@code /proc/self/status} (Linux); -1 elsewhere. */
  record Rss(long rssKb, long peakKb) {
    static Rss now() {
      long rss = -1;
      long peak = -1;
      try {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
          if (line.startsWith("VmRSS:")) {
            rss = Long.parseLong(line.replaceAll("\\D", ""));
          } else if (line.startsWith("VmHWM:")) {
            peak = Long.parseLong(line.replaceAll("\\D", ""));
          }
        }
      } catch (IOException | RuntimeException e) {
        // not Linux: leave -1
      }
      return new Rss(rss, peak);
    }
  }
}
