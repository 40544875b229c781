package io.runnel.examples;

import io.runnel.Shutdown;
import io.runnel.testbed.KafkaBroker;
import io.runnel.testbed.Mosquitto;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The sensor mesh, for real: a local Mosquitto and a local Kafka broker, station processes that
 * persist simulated readings and publish them over MQTT from their history, a hub process that
 * joins them into site records and forwards everything to Kafka from its own history, and a cloud
 * consumer that checks every reading of every station arrived. Mid-run one station process and the
 * Kafka broker are killed ({@code kill -9}) and restarted. Exit status 0 only if nothing was lost.
 *
 * <p>The roles run as separate JVMs ({@link MeshNode}); this class is the orchestrator.
 */
@Command(
    name = "runnel example Mesh",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    description =
        "Stations -> MQTT -> hub -> Kafka -> cloud, in separate processes, with a station and the"
            + " Kafka broker killed (kill -9) and restarted mid-run; checks nothing was lost.")
public final class Mesh implements Callable<Integer> {

  @Option(
      names = "--duration",
      defaultValue = "30s",
      converter = TemperatureDemo.DurationConverter.class,
      description = "How long the stations produce (default: ${DEFAULT-VALUE}).")
  Duration duration;

  @Option(
      names = "--stations",
      defaultValue = "3",
      description = "Simulated stations (default: ${DEFAULT-VALUE}).")
  int stations;

  @Option(
      names = "--station-processes",
      defaultValue = "0",
      description =
          "JVMs the stations share, each with its own history (default: one per station, at most"
              + " 3).")
  int stationProcesses;

  @Option(
      names = "--rate",
      defaultValue = "100",
      description = "Readings per second of each station (default: ${DEFAULT-VALUE}).")
  int rate;

  @Option(
      names = "--partitions",
      defaultValue = "3",
      description = "Partitions of the Kafka topic of the readings (default: ${DEFAULT-VALUE}).")
  int partitions;

  @Option(
      names = "--broker-inflight",
      defaultValue = "0",
      description =
          "Mosquitto's max_inflight_messages: QoS 1 messages in flight per client, both ways"
              + " (default: Mosquitto's own, 20).")
  int brokerInflight;

  private Mosquitto.Options mosquittoOptions() {
    Mosquitto.Options o = new Mosquitto.Options();
    if (brokerInflight > 0) {
      o.extra.add("max_inflight_messages " + brokerInflight);
    }
    return o;
  }

  @Option(
      names = "--keep",
      description = "Keep the work folder (logs, histories) instead of deleting it.")
  boolean keep;

  @Option(
      names = "--no-faults",
      description = "Do not kill and restart a station and the Kafka broker.")
  boolean noFaults;

  @Option(
      names = "--drain-timeout",
      defaultValue = "60s",
      converter = TemperatureDemo.DurationConverter.class,
      description =
          "How long the cloud may take at the end to receive the rest (default: ${DEFAULT-VALUE}).")
  Duration drainTimeout;

  private final PrintStream out;

  /** The cloud's verdict per station of the last run; empty until the cloud reported. */
  final Map<String, MeshNode.Verdict> verdicts = new LinkedHashMap<>();

  /** The cloud's latency line of the last run ({@code p50=... p99=...}). */
  String latency;

  /** Readings the stations said they persisted, per station, in the last run. */
  final Map<String, Long> expected = new LinkedHashMap<>();

  /** CPU seconds per process of the last run, one line. */
  String cpu;

  private static String cpuSeconds(ProcessHandle p) {
    return p.info()
        .totalCpuDuration()
        .map(d -> String.format(Locale.ROOT, "%.1f", d.toMillis() / 1000.0))
        .orElse("?");
  }

  /** Faults injected in the last run (kills). */
  int kills;

  Mesh(PrintStream out) {
    this.out = out;
  }

  public static void main(String[] args) {
    Cli.main(new Mesh(System.out), args);
  }

  private long t0 = System.nanoTime();

  private void say(String fmt, Object... args) {
    out.printf(
        Locale.ROOT,
        "[%6.1fs] %s%n",
        (System.nanoTime() - t0) / 1e9,
        String.format(Locale.ROOT, fmt, args));
  }

  @Override
  public Integer call() throws Exception {
    Cli.positive("--duration", duration);
    Cli.positive("--drain-timeout", drainTimeout);
    if (stations < 1 || stations > 999) {
      throw new Cli.UsageError("--stations must be between 1 and 999, got " + stations);
    }
    if (rate < 1 || rate > 10_000) {
      throw new Cli.UsageError("--rate must be between 1 and 10000 per second, got " + rate);
    }
    if (partitions < 1) {
      throw new Cli.UsageError("--partitions must be at least 1, got " + partitions);
    }
    int jvms = stationProcesses == 0 ? Math.min(stations, 3) : stationProcesses;
    if (jvms < 1 || jvms > stations) {
      throw new Cli.UsageError(
          "--station-processes must be between 1 and --stations (" + stations + "), got " + jvms);
    }
    if (Mosquitto.binary() == null) {
      out.flush();
      System.err.println(
          "runnel example Mesh: mosquitto is not installed: " + Mosquitto.INSTALL_HINT);
      return Shutdown.EXIT_FAILURE;
    }
    // the broker launcher's admin client logs every refused connection while Kafka restarts
    MeshNode.QUIET_KAFKA.setLevel(java.util.logging.Level.SEVERE);
    t0 = System.nanoTime();
    Path work = Files.createTempDirectory("runnel-mesh-");
    List<Child> children = new ArrayList<>();
    try (Shutdown shutdown = Shutdown.install(Duration.ofSeconds(30));
        Mosquitto mqtt = Mosquitto.start(work.resolve("mosquitto"), mosquittoOptions());
        KafkaBroker kafka = KafkaBroker.start(work.resolve("kafka"))) {
      say(
          "Mosquitto on 127.0.0.1:%d, Kafka on %s (started in %d ms); work dir %s",
          mqtt.port(), kafka.bootstrap(), kafka.lastStartMillis(), work);
      kafka.createTopic(MeshNode.READINGS_TOPIC, partitions);
      kafka.createTopic(MeshNode.SITE_TOPIC, 1);
      List<String> nodes = new ArrayList<>();
      for (int i = 1; i <= stations; i++) {
        nodes.add(String.format(Locale.ROOT, "s%02d", i));
      }
      Child cloud =
          start(children, work, "cloud", "--kafka", kafka.bootstrap(), "--nodes", join(nodes));
      Child hub =
          start(
              children,
              work,
              "hub",
              "--kafka",
              kafka.bootstrap(),
              "--mqtt-port",
              Integer.toString(mqtt.port()),
              "--dir",
              work.resolve("hub").toString());
      cloud.awaitLine("READY", Duration.ofSeconds(90));
      hub.awaitLine("READY", Duration.ofSeconds(90));
      List<Child> stationChildren = new ArrayList<>();
      for (int p = 0; p < jvms; p++) {
        List<String> mine = new ArrayList<>();
        for (int i = p; i < nodes.size(); i += jvms) {
          mine.add(nodes.get(i));
        }
        stationChildren.add(
            start(
                children,
                work,
                "station-" + (p + 1),
                "--mqtt-port",
                Integer.toString(mqtt.port()),
                "--nodes",
                join(mine),
                "--rate",
                Integer.toString(rate),
                "--dir",
                work.resolve("station-" + (p + 1)).toString()));
      }
      for (Child c : children) {
        c.awaitLine("READY", Duration.ofSeconds(90));
      }
      say(
          "%d stations in %d processes at %d readings/s each, hub, cloud: running for %s",
          stations, jvms, rate, TemperatureDemo.human(duration));
      long runStart = System.nanoTime();
      long end = runStart + duration.toNanos();
      if (!noFaults) {
        Child victim = stationChildren.get(0);
        sleepUntil(runStart + duration.toNanos() / 4, shutdown);
        long pid = victim.process.pid();
        victim.kill();
        kills++;
        say("killed %s (kill -9, pid %d)", victim.name, pid);
        Thread.sleep(1_000);
        victim.restart();
        victim.awaitLine("READY", Duration.ofSeconds(60));
        say("restarted %s (pid %d) on its history", victim.name, victim.process.pid());

        sleepUntil(runStart + duration.toNanos() / 2, shutdown);
        kafka.kill();
        kills++;
        say("killed the Kafka broker (kill -9)");
        Thread.sleep(2_000);
        kafka.restart();
        say("restarted the Kafka broker (ready in %d ms)", kafka.lastStartMillis());
      }
      sleepUntil(end, shutdown);
      if (shutdown.requested()) {
        say("interrupted: stopping");
      }
      // what each process spent (CPU seconds over the run): what saturates first
      StringBuilder cpu = new StringBuilder("CPU s (whole run):");
      for (Child c : children) {
        cpu.append(' ').append(c.name).append('=').append(cpuSeconds(c.process.toHandle()));
      }
      cpu.append(" kafka=").append(cpuSeconds(kafka.process()));
      cpu.append(" mosquitto=").append(cpuSeconds(mqtt.process()));
      cpu.append(" (this machine: ")
          .append(Runtime.getRuntime().availableProcessors())
          .append(" cores; load ")
          .append(
              String.format(
                  Locale.ROOT,
                  "%.1f",
                  java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                      .getSystemLoadAverage()))
          .append(")");
      this.cpu = cpu.toString();
      say("stopping the stations");
      for (Child s : stationChildren) {
        s.send("stop");
      }
      for (Child s : stationChildren) {
        String done = s.awaitLine("DONE", Duration.ofSeconds(60));
        for (String kv : done.substring("DONE".length()).trim().split(" ")) {
          String[] p = kv.split("=");
          expected.put(p[0], Long.parseLong(p[1]));
        }
        s.awaitExit(Duration.ofSeconds(30));
      }
      long total = expected.values().stream().mapToLong(Long::longValue).sum();
      say("the stations persisted %d readings; waiting for the cloud to receive them", total);
      StringBuilder expect = new StringBuilder("EXPECT");
      expected.forEach((k, v) -> expect.append(' ').append(k).append('=').append(v));
      expect.append(" timeout=").append(drainTimeout.toMillis());
      cloud.send(expect.toString());
      cloud.awaitExit(drainTimeout.plusSeconds(30));
      for (String line : cloud.lines) {
        if (line.startsWith("VERDICT ")) {
          MeshNode.Verdict v = MeshNode.Verdict.parse(line);
          verdicts.put(v.node(), v);
        } else if (line.startsWith("LATENCY ")) {
          latency = line.substring("LATENCY ".length());
        }
      }
      hub.send("stop");
      String hubDone = hub.awaitLine("DONE", Duration.ofSeconds(30));
      hub.awaitExit(Duration.ofSeconds(30));
      // the report
      long missing = 0;
      long dups = 0;
      long received = 0;
      out.println();
      out.println("station  persisted   received   missing  duplicates");
      for (Map.Entry<String, Long> e : expected.entrySet()) {
        MeshNode.Verdict v = verdicts.get(e.getKey());
        if (v == null) {
          out.printf(
              Locale.ROOT, "%-7s %10d   (the cloud did not report)%n", e.getKey(), e.getValue());
          missing += e.getValue();
          continue;
        }
        if (v.expected() != e.getValue()) {
          throw new IllegalStateException("the cloud checked " + v + " but the station said " + e);
        }
        out.printf(
            Locale.ROOT,
            "%-7s %10d %10d %9d %11d%n",
            v.node(),
            v.expected(),
            v.received(),
            v.missing(),
            v.duplicates());
        missing += v.missing();
        dups += v.duplicates();
        received += v.received();
      }
      for (String line : cloud.lines) {
        if (line.startsWith("THROUGHPUT ")
            || line.startsWith("MISSING ")
            || line.startsWith("MISROUTED ")
            || line.startsWith("MISKEYED ")) {
          out.println(line);
        }
      }
      out.println("HUB " + hubDone.substring("DONE".length()).trim());
      out.println(this.cpu);
      out.println("LATENCY station produce -> cloud consumer (ms): " + latency);
      boolean ok = missing == 0 && total > 0 && verdicts.size() == expected.size();
      out.printf(
          Locale.ROOT,
          "%s: %d readings persisted by %d stations, %d received, %d missing, %d duplicates"
              + " (%d processes killed and restarted)%n",
          ok ? "OK" : "LOST",
          total,
          stations,
          received,
          missing,
          dups,
          kills);
      return ok ? Shutdown.EXIT_OK : Shutdown.EXIT_FAILURE;
    } finally {
      for (Child c : children) {
        c.kill();
      }
      if (keep) {
        out.println("kept the work folder " + work);
      } else {
        Cli.deleteTree(work, System.err);
      }
    }
  }

  private static String join(List<String> nodes) {
    return String.join(",", nodes);
  }

  private static void sleepUntil(long nanoTime, Shutdown shutdown) throws InterruptedException {
    while (System.nanoTime() - nanoTime < 0 && !shutdown.requested()) {
      Thread.sleep(Math.min(100, Math.max(1, (nanoTime - System.nanoTime()) / 1_000_000)));
    }
  }

  private Child start(List<Child> children, Path work, String name, String... args)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx160m");
    cmd.add("-Xss512k");
    cmd.add("-XX:+UseSerialGC");
    cmd.add("-cp");
    cmd.add(childClassPath());
    cmd.add(MeshNode.class.getName());
    cmd.add(name.startsWith("station") ? "station" : name);
    cmd.addAll(List.of(args));
    Child c = new Child(name, cmd, work.resolve(name + ".log"));
    children.add(c);
    c.launch();
    return c;
  }

  /** The class path of this JVM (and its module path, as surefire runs modular tests). */
  static String childClassPath() {
    List<String> parts = new ArrayList<>();
    for (String prop : List.of("jdk.module.path", "java.class.path")) {
      String v = System.getProperty(prop);
      if (v != null && !v.isBlank()) {
        parts.add(v);
      }
    }
    return String.join(java.io.File.pathSeparator, parts);
  }

  /** A child process: its output goes to a log file; marker lines are kept. */
  final class Child {
    final String name;
    final List<String> cmd;
    final Path log;
    final List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
    final Map<String, Boolean> seen = new ConcurrentHashMap<>();
    Process process;
    private PrintWriter stdin;

    Child(String name, List<String> cmd, Path log) {
      this.name = name;
      this.cmd = cmd;
      this.log = log;
    }

    void launch() throws IOException {
      lines.clear();
      process =
          new ProcessBuilder(cmd)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.PIPE)
              .start();
      stdin =
          new PrintWriter(
              new java.io.OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8),
              true);
      Process p = process;
      Thread pump =
          new Thread(
              () -> {
                try (BufferedReader r =
                        new BufferedReader(
                            new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                    OutputStream file =
                        Files.newOutputStream(
                            log,
                            java.nio.file.StandardOpenOption.CREATE,
                            java.nio.file.StandardOpenOption.APPEND)) {
                  for (String line; (line = r.readLine()) != null; ) {
                    file.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                    if (line.startsWith("READY")
                        || line.startsWith("DONE")
                        || line.startsWith("VERDICT")
                        || line.startsWith("LATENCY")
                        || line.startsWith("THROUGHPUT")
                        || line.startsWith("MISSING")
                        || line.startsWith("MISROUTED")
                        || line.startsWith("MISKEYED")) {
                      lines.add(line);
                    }
                  }
                } catch (IOException e) {
                  // the process ended
                }
              },
              "mesh-" + name + "-output");
      pump.setDaemon(true);
      pump.start();
    }

    void send(String line) {
      stdin.println(line);
    }

    /** Waits for an output line starting with {@code marker}, or fails with the log's end. */
    String awaitLine(String marker, Duration timeout) throws IOException, InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (true) {
        for (String l : lines) {
          if (l.startsWith(marker)) {
            return l;
          }
        }
        if (!process.isAlive()) {
          Thread.sleep(200); // the pump may still be copying the last lines
          for (String l : lines) {
            if (l.startsWith(marker)) {
              return l;
            }
          }
          throw new IOException(
              name + " exited with " + process.exitValue() + " before '" + marker + "': " + tail());
        }
        if (System.nanoTime() - deadline > 0) {
          throw new IOException(
              name + " did not say '" + marker + "' within " + timeout + ": " + tail());
        }
        Thread.sleep(20);
      }
    }

    void awaitExit(Duration timeout) throws IOException, InterruptedException {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IOException(name + " did not exit within " + timeout + ": " + tail());
      }
    }

    String tail() {
      try {
        List<String> all = Files.readAllLines(log);
        return "its log ends:\n  "
            + String.join("\n  ", all.subList(Math.max(0, all.size() - 15), all.size()));
      } catch (IOException e) {
        return "(no log: " + e + ")";
      }
    }

    /** {@code kill -9}, if running. */
    void kill() throws InterruptedException {
      if (process != null && process.isAlive()) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    }

    void restart() throws IOException {
      launch();
    }
  }
}
