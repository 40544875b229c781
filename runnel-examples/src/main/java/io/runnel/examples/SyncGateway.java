package io.runnel.examples;

import io.runnel.RecordKey;
import io.runnel.Runnel;
import io.runnel.RunnelBuilder;
import io.runnel.Shutdown;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
      description =
          "How long the sensors produce, or 'forever' (until SIGTERM/Ctrl-C; default:"
              + " ${DEFAULT-VALUE}).")
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

  /** How readings are encoded in the history, the HTTP batches and the MQTT messages. */
  enum Format {
    json,
    binary
  }

  @Option(
      names = "--format",
      defaultValue = "json",
      description =
          "Payload format of the history, the HTTP batches' values and the MQTT messages:"
              + " ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}, readable with mosquitto_sub;"
              + " binary is Runnel's compact record codec). Use one format per --dir: the MQTT"
              + " link refuses a history written with another codec.")
  Format format;

  @Option(
      names = "--dir",
      description =
          "History directory, kept after the run; a restart resumes forwarding where the last run"
              + " stopped (default: a new temporary directory, deleted at the end).")
  Path dir;

  @Option(
      names = "--drain-timeout",
      defaultValue = "30s",
      converter = TemperatureDemo.DurationConverter.class,
      description =
          "How long to wait at the end for the backlog to drain (default: ${DEFAULT-VALUE}).")
  Duration drainTimeout;

  @Option(
      names = "--status-interval",
      defaultValue = "2s",
      converter = TemperatureDemo.DurationConverter.class,
      description = "How often a status line is printed (default: ${DEFAULT-VALUE}).")
  Duration statusInterval;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description =
          "Read option defaults from this properties file (keys are option names without the"
              + " dashes, e.g. 'endpoint = https://...'); options on the command line win.")
  Path config;

  /** The name of the HTTP sync connector and of its cursor in the history. */
  static final String SYNC_CURSOR = "cloud-sync";

  /** The name of the MQTT link's history cursor. */
  static final String MQTT_CURSOR = "mqtt";

  private final PrintStream out;
  final AtomicLong firstValueAtMillis = new AtomicLong();
  final AtomicLong produced = new AtomicLong();

  /** Cleared at the end of the run: the sensors stop, the connectors drain what was persisted. */
  volatile boolean producing = true;

  /** Set by the run: the figures a test can check. */
  long lost = -1;

  long forwarded = -1;

  /** The history folder of the last run (deleted at its end unless given with --dir). */
  Path storage;

  /** Whether the last run was ended by a shutdown request (a signal). */
  boolean interrupted;

  SyncGateway(PrintStream out) {
    this.out = out;
  }

  public static void main(String[] args) {
    Shutdown.exit(commandLine(new SyncGateway(System.out), System.err, args).execute(args));
  }

  /**
   * The gateway's command line: {@code --config FILE} (looked up before parsing) supplies option
   * defaults from a properties file.
   */
  static CommandLine commandLine(SyncGateway gateway, PrintStream err, String... args) {
    CommandLine cl = Cli.commandLine(gateway, err);
    for (int i = 0; i < args.length; i++) {
      String file = null;
      if (args[i].equals("--config") && i + 1 < args.length) {
        file = args[i + 1];
      } else if (args[i].startsWith("--config=")) {
        file = args[i].substring("--config=".length());
      }
      if (file != null) {
        Path p = Path.of(file);
        if (!Files.isReadable(p)) {
          // reported as a usage error by call(), one line, before anything starts
          gateway.unreadableConfig = p;
        } else {
          cl.setDefaultValueProvider(new CommandLine.PropertiesDefaultProvider(p.toFile()));
        }
      }
    }
    return cl;
  }

  private Path unreadableConfig;

  static RecordKey sensorKey(int i) {
    return RecordKey.of(String.format(Locale.ROOT, "sensor.s%02d", i));
  }

  Codec<Reading> codec() {
    return format == Format.json ? Codec.json(Reading.class) : Codec.forRecord(Reading.class);
  }

  Runnel pipeline(HistoryStore store, List<Connector> connectors) {
    RunnelBuilder b = Runnel.builder().name("gateway");
    connectors.forEach(b::connector);
    Codec<Reading> codec = codec();
    for (int i = 1; i <= sensors; i++) {
      int n = i;
      String name = sensorKey(i).id();
      b.configure(
          Reading.class,
          sensorKey(i),
          r ->
              r.buffer(BufferSpec.latest())
                  .hook(Persist.to(store, codec))
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

  /** The broker address of {@code --mqtt}, checked. */
  record Broker(String host, int port) {
    static Broker parse(String hostPort) {
      int colon = hostPort.lastIndexOf(':');
      int port = -1;
      if (colon > 0) {
        try {
          port = Integer.parseInt(hostPort.substring(colon + 1));
        } catch (NumberFormatException e) {
          port = -1;
        }
      }
      if (port < 1 || port > 65_535) {
        throw new Cli.UsageError("--mqtt wants host:port (port 1..65535), got '" + hostPort + "'");
      }
      return new Broker(hostPort.substring(0, colon), port);
    }

    @Override
    public String toString() {
      return host + ":" + port;
    }
  }

  private void checkArguments() {
    if (unreadableConfig != null) {
      throw new Cli.UsageError("--config " + unreadableConfig + " cannot be read");
    }
    Cli.positive("--duration", duration);
    Cli.positive("--period", period);
    Cli.positive("--drain-timeout", drainTimeout);
    Cli.positive("--status-interval", statusInterval);
    if (sensors < 1) {
      throw new Cli.UsageError("--sensors must be at least 1, got " + sensors);
    }
    if (!(faults >= 0 && faults <= 1)) {
      throw new Cli.UsageError("--faults must be between 0 and 1, got " + faults);
    }
    if (mqttVersion != 3 && mqttVersion != 5) {
      throw new Cli.UsageError("--mqtt-version must be 3 (3.1.1) or 5, got " + mqttVersion);
    }
  }

  @Override
  public Integer call() throws Exception {
    checkArguments();
    Broker broker = mqtt == null ? null : Broker.parse(mqtt);
    storage = Cli.workDir(dir, "--dir", "runnel-gateway");
    // the hook gives the gateway 20 s to stop its sensors, sync its history and print its figures
    try (Shutdown shutdown = Shutdown.install(Duration.ofSeconds(20))) {
      try {
        return run(storage, broker, shutdown);
      } finally {
        if (dir == null) {
          Cli.deleteTree(storage, System.err);
        }
      }
    }
  }

  /** The state of the HTTP sync in a status line: connected, throttled, failing or unreachable. */
  static String httpState(ConnectorStatus s) {
    if (s.connected()) {
      return "connected";
    }
    String error = s.lastError();
    if (error == null) {
      return "connecting";
    }
    Matcher m = HTTP_STATUS.matcher(error);
    if (m.find()) {
      int code = Integer.parseInt(m.group(1));
      Matcher after = RETRY_AFTER.matcher(error);
      String retry = after.find() ? ", retry after " + after.group(1) + " ms" : "";
      if (code == 429) {
        return "throttled by the endpoint (HTTP 429" + retry + ")";
      }
      if (code >= 500) {
        return "endpoint failing (HTTP " + code + retry + ")";
      }
      return "endpoint rejects batches (HTTP " + code + ")";
    }
    return "not connected: " + error;
  }

  private static final Pattern HTTP_STATUS = Pattern.compile(": HTTP (\\d{3})");
  private static final Pattern RETRY_AFTER = Pattern.compile("Retry-After (\\d+) ms");

  /** The state of the MQTT link in a status line. */
  static String mqttState(ConnectorStatus m, long toAck) {
    long acked = historyCounter(m, "acked");
    return m.connected()
        ? "mqtt connected, acked " + acked + "/" + toAck
        : "mqtt NOT connected (acked " + acked + "/" + toAck + "): " + m.lastError();
  }

  private int run(Path history, Broker broker, Shutdown shutdown) throws Exception {
    LocalIngest ingest = endpoint == null ? new LocalIngest(faults, 42, 2_500) : null;
    URI target = endpoint != null ? endpoint : ingest.uri();
    out.printf(
        Locale.ROOT,
        "Sync gateway: %d sensors every %s, persisted to %s (%s), synced to %s%s%s, for %s%n",
        sensors,
        TemperatureDemo.human(period),
        history,
        format,
        target,
        ingest != null ? " (local stand-in, " + Math.round(faults * 100) + "% faulty answers)" : "",
        broker != null ? " and MQTT " + broker + " (v" + mqttVersion + ")" : "",
        TemperatureDemo.human(duration));
    try (HistoryStore store =
        shutdown.closeOnRequest(
            HistoryStore.open(
                StoreConfig.builder(history)
                    .durability(Durability.every(Duration.ofMillis(50)))
                    .build()))) {
      // what earlier runs on this --dir already delivered: before the connectors' cursors
      long syncFrom = store.cursor(SYNC_CURSOR).position();
      long mqttFrom = broker == null ? 0 : store.cursor(MQTT_CURSOR).position();
      if (syncFrom > 0 || store.writtenSequence() >= 0) {
        out.printf(
            Locale.ROOT,
            "Resuming: the history holds entries up to sequence %d; earlier runs delivered %d to"
                + " the endpoint%s%n",
            store.writtenSequence(),
            syncFrom,
            broker != null ? " and " + mqttFrom + " to the broker" : "");
      }
      CloudSync sync =
          CloudSync.builder(store, target)
              .name(SYNC_CURSOR)
              .nodeId("gateway-1")
              .codec(codec())
              .maxBatchEntries(1000)
              .requestTimeout(Duration.ofSeconds(2))
              .backoff(Duration.ofMillis(100), Duration.ofSeconds(5))
              .build();
      List<Connector> connectors = new ArrayList<>(List.of(sync));
      MqttLink link = null;
      if (broker != null) {
        link =
            MqttLink.builder()
                .broker(broker.host(), broker.port())
                .version(mqttVersion)
                .clientId("runnel-gateway-1")
                .build();
        List<RecordKey> keys = new ArrayList<>();
        for (int i = 1; i <= sensors; i++) {
          keys.add(sensorKey(i));
        }
        // one route for all sensors: one thread, one cursor, the store read once for all of them
        link.publishHistory(store, keys, codec(), r -> "gateway-1/" + r.sensor(), MQTT_CURSOR);
        connectors.add(link);
      }
      long t0 = System.nanoTime();
      Runnel runnel = shutdown.closeOnRequest(pipeline(store, connectors));
      Optional<RemoteServer> server;
      try {
        server = remote.start(runnel, store, out);
      } catch (RuntimeException e) {
        runnel.close();
        System.err.println(
            "runnel example SyncGateway: remote access did not start: " + e.getMessage());
        return Shutdown.EXIT_FAILURE;
      }
      runnel.start();
      long deadline = t0 + duration.toNanos();
      long interval = statusInterval.toNanos();
      long nextReport = t0 + interval;
      boolean mqttEverConnected = false;
      while (System.nanoTime() < deadline) {
        long wait = Math.max(1, Math.min(deadline, nextReport) - System.nanoTime());
        if (shutdown.await(Duration.ofNanos(wait))) {
          break;
        }
        if (System.nanoTime() >= nextReport) {
          if (link != null) {
            mqttEverConnected |= link.status().connected();
          }
          statusLine(
              String.format(Locale.ROOT, "%5.1fs", (System.nanoTime() - t0) / 1e9),
              sync,
              link,
              store.writtenSequence() + 1 - mqttFrom);
          nextReport += interval;
        }
      }
      interrupted = shutdown.requested();
      long producingNanos = System.nanoTime() - t0;
      Rss steady = Rss.now();
      double cpuSeconds = cpuSeconds();
      // Stop the sensors (their records close) but keep the connectors running until they drain.
      producing = false;
      runnel.awaitCompletion(Duration.ofSeconds(5));
      long total = produced.get();
      long last = store.sync();
      long mqttToAck = last + 1 - mqttFrom;
      boolean drained = false;
      boolean mqttDone = link == null;
      if (interrupted) {
        out.printf(
            Locale.ROOT,
            "%nInterrupted (shutdown requested after %.1f s): sensors stopped, history synced; not"
                + " waiting for the backlog to drain%s%n",
            producingNanos / 1e9,
            dir != null ? " (a restart with the same --dir forwards it)" : "");
      } else {
        long until = System.nanoTime() + drainTimeout.toNanos();
        long nextDrainReport = System.nanoTime() + interval;
        while (true) {
          drained = drained || sync.awaitForwarded(last, Duration.ofMillis(200));
          if (link != null) {
            ConnectorStatus m = link.status();
            mqttEverConnected |= m.connected();
            mqttDone = historyCounter(m, "acked") >= mqttToAck;
          }
          // a broker never reached during the whole run will not be reached by waiting longer
          boolean mqttHopeless = link != null && !mqttDone && !mqttEverConnected;
          if (drained && (mqttDone || mqttHopeless)) {
            break;
          }
          if (System.nanoTime() - until >= 0 || shutdown.requested()) {
            interrupted = shutdown.requested();
            break;
          }
          if (System.nanoTime() >= nextDrainReport) {
            statusLine("draining", sync, link, mqttToAck);
            nextDrainReport += interval;
          }
        }
      }
      ConnectorStatus s = sync.status();
      ConnectorStatus m = link == null ? null : link.status();
      server.ifPresent(RemoteServer::close);
      runnel.close(); // closes the connectors too
      StoreStats st = store.stats();
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
          drained
              ? "drained"
              : interrupted
                  ? "interrupted"
                  : "NOT drained within " + TemperatureDemo.human(drainTimeout),
          s.counters().getOrDefault("sentEntries", 0L),
          s.counters().getOrDefault("sentBatches", 0L),
          s.retries(),
          s.backlog(),
          s.lastError());
      if (m != null) {
        long acked = historyCounter(m, "acked");
        if (mqttDone) {
          out.printf(
              Locale.ROOT,
              "mqtt: connected; %d published and acknowledged (QoS 1, from history, %s), %d"
                  + " reconnects, last error: %s%n",
              acked,
              format,
              m.retries(),
              m.lastError());
        } else if (!mqttEverConnected) {
          out.printf(
              Locale.ROOT,
              "mqtt: FAILED: the broker %s was not reachable during the run (last error: %s); %d"
                  + " of %d readings published; the rest stay in the history%n",
              broker,
              m.lastError(),
              acked,
              mqttToAck);
        } else {
          out.printf(
              Locale.ROOT,
              "mqtt: %s: %d of %d readings published and acknowledged, %d reconnects, last error:"
                  + " %s%n",
              interrupted
                  ? "interrupted"
                  : "NOT drained within " + TemperatureDemo.human(drainTimeout),
              acked,
              mqttToAck,
              m.retries(),
              m.lastError());
        }
      }
      if (ingest != null) {
        lost = interrupted ? -1 : ingest.missingBetween(syncFrom, last);
        forwarded = ingest.distinctSequences();
        out.printf(
            Locale.ROOT,
            "cloud stand-in: %d requests, %d faults injected, %d duplicate batches (dropped by"
                + " idempotency key), %d distinct readings of the %d to deliver (sequences %d..%d;"
                + " %d before them delivered by earlier runs): %s%n",
            ingest.requests.get(),
            ingest.faults.get(),
            ingest.duplicates.get(),
            forwarded,
            last + 1 - syncFrom,
            syncFrom,
            last,
            syncFrom,
            interrupted ? "loss not checked (interrupted)" : lost + " lost");
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
      if (interrupted) {
        out.println("exit: interrupted (status 143 after SIGTERM, 130 after SIGINT)");
        return Shutdown.EXIT_SIGTERM;
      }
      boolean ok = drained && mqttDone && (ingest == null || lost == 0);
      out.println(ok ? "exit: ok" : "exit: FAILED (see above)");
      return ok ? Shutdown.EXIT_OK : Shutdown.EXIT_FAILURE;
    } finally {
      if (ingest != null) {
        ingest.close();
      }
    }
  }

  private void statusLine(String when, CloudSync sync, MqttLink link, long mqttToAck) {
    ConnectorStatus s = sync.status();
    out.printf(
        Locale.ROOT,
        "  %-8s produced %8d  backlog %6d  forwarded %8d  retries %4d  %s%s%n",
        when,
        produced.get(),
        s.backlog(),
        s.counters().getOrDefault("sentEntries", 0L),
        s.retries(),
        httpState(s),
        link == null ? "" : "  |  " + mqttState(link.status(), mqttToAck));
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
