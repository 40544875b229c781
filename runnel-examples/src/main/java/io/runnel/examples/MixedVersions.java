package io.runnel.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.runnel.RecordKey;
import io.runnel.Runnel;
import io.runnel.Shutdown;
import io.runnel.buffer.BufferSpec;
import io.runnel.buffer.Producer;
import io.runnel.codec.Codec;
import io.runnel.codec.Versions;
import io.runnel.mqtt.DeadLetter;
import io.runnel.mqtt.MqttLink;
import io.runnel.mqtt.Qos;
import io.runnel.remote.RemoteServer;
import io.runnel.store.Durability;
import io.runnel.store.HistoryStore;
import io.runnel.store.Persist;
import io.runnel.store.StoreConfig;
import io.runnel.store.StoredEntry;
import io.runnel.testbed.Mosquitto;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A fleet that is never upgraded at once: two stations on different versions of a reading type feed
 * one hub over a real Mosquitto, the hub persists what it receives, is upgraded twice, and reads
 * its whole history at each version. Three steps, one hub store:
 *
 * <ol>
 *   <li>the hub on v1, station A on v1: the history holds v1 entries;
 *   <li>the hub upgraded to v2; station A still on v1, station B on v2: A's readings arrive
 *       migrated up (humidity unknown, NaN), the hub reads its v1 history as v2; station C,
 *       upgraded too early to v3, is dead-lettered (a v2 hub cannot know v3) with an error naming
 *       the versions, and the hub keeps running;
 *   <li>the hub restarted on v3 (Kelvin), station B upgraded to v3, A still on v1: the hub reads
 *       its v1 and v2 history as v3; a legacy v1 reader of the same store reads the v2 and v3
 *       entries migrated down.
 * </ol>
 *
 * <p>In steps 2 and 3 the hub also serves the remote protocol (loopback, a free port, a read token
 * generated for the run into an owner-only file of the work folder, never printed), and the demo
 * runs the real command line against it as a user would, {@code ./runnel cli query hub.readings
 * --url ... --token-file ...} as a separate process ({@link CliProcess}), and prints what it shows:
 * every entry as the hub's current version, with the version it was written in. With {@code
 * --serve} the v3 hub and its server stay up after the checks until Ctrl-C, for the user's own
 * commands.
 *
 * <p>Every value read back, from the store and through the CLI, is compared with what the station
 * sent, converted by hand (not by the codec); exit status 0 only if all of them match and every
 * entry carries the version it was written with; 1 otherwise; 2 for bad arguments; 130 or 143 after
 * Ctrl-C or SIGTERM (the summary so far is printed, the work folder deleted).
 */
@Command(
    name = "runnel example MixedVersions",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    description =
        "Stations on v1 and v2 of a reading type feed a hub on v2 over MQTT; the hub restarts on v3"
            + " and reads its v1/v2 history migrated; the remote CLI shows it; checks every value.")
public final class MixedVersions implements Callable<Integer> {

  /** The first reading type: Celsius only. */
  public record ReadingV1(String station, double celsius, long at) {}

  /** Version 2 adds the relative humidity (percent; NaN when not measured). */
  public record ReadingV2(String station, double celsius, double humidity, long at) {}

  /** Version 3 is in Kelvin. */
  public record ReadingV3(String station, double kelvin, double humidity, long at) {}

  static final double ZERO_CELSIUS = 273.15;

  static ReadingV2 up1(ReadingV1 v) {
    return new ReadingV2(v.station(), v.celsius(), Double.NaN, v.at());
  }

  static ReadingV1 down2(ReadingV2 v) {
    return new ReadingV1(v.station(), v.celsius(), v.at());
  }

  static ReadingV3 up2(ReadingV2 v) {
    return new ReadingV3(v.station(), v.celsius() + ZERO_CELSIUS, v.humidity(), v.at());
  }

  static ReadingV2 down3(ReadingV3 v) {
    return new ReadingV2(v.station(), v.kelvin() - ZERO_CELSIUS, v.humidity(), v.at());
  }

  /** What a v1 deployment knows: v1 only. */
  static final Versions<ReadingV1> AT1 = Versions.of(ReadingV1.class, 1);

  /** What a v2 deployment knows: v2, and v1 with migrations both ways. */
  static final Versions<ReadingV2> AT2 =
      Versions.of(ReadingV2.class, 2)
          .from(1, ReadingV1.class, MixedVersions::up1, MixedVersions::down2);

  /** What a v3 deployment knows. */
  static final Versions<ReadingV3> AT3 =
      Versions.of(ReadingV3.class, 3)
          .from(2, ReadingV2.class, MixedVersions::up2, MixedVersions::down3)
          .from(1, ReadingV1.class, MixedVersions::up1, MixedVersions::down2);

  static final RecordKey HUB = RecordKey.of("hub.readings");
  static final RecordKey OUT = RecordKey.of("station.out");
  static final RecordKey DEAD = RecordKey.of("hub.dead");
  static final String TOPICS = "mixed/+/reading";
  static final Duration WAIT = Duration.ofSeconds(20);

  /** What a station sent: its version, and the values in Celsius (and humidity, or NaN). */
  record Sent(int version, String station, double celsius, double humidity, long at) {
    /** This reading as a reader on {@code v} must see it, converted by hand. */
    Object expectedAt(int v) {
      double h = version == 1 ? Double.NaN : humidity; // v1 never had it
      return switch (v) {
        case 1 -> new ReadingV1(station, celsius, at);
        case 2 -> new ReadingV2(station, celsius, h, at);
        default -> new ReadingV3(station, celsius + ZERO_CELSIUS, h, at);
      };
    }
  }

  @Option(
      names = "--per-step",
      defaultValue = "4",
      description = "Readings each station sends per step (default: ${DEFAULT-VALUE}).")
  int perStep;

  @Option(names = "--keep", description = "Keep the work folder (the hub's store) at the end.")
  boolean keep;

  @Option(
      names = "--serve",
      description =
          "After the checks, keep the v3 hub and its remote server running until Ctrl-C, for your"
              + " own ./runnel cli commands (printed).")
  boolean serve;

  @Option(
      names = "--cli-jar",
      paramLabel = "JAR",
      description =
          "The runnel-cli jar to run (default: runnel-cli/target/runnel-cli.jar of this source"
              + " tree, which ./runnel example builds).")
  Path cliJar;

  private final PrintStream out;

  /** Values read back and compared, of the last run. */
  int checked;

  /** Mismatches of the last run, one line each. */
  final List<String> mismatches = new ArrayList<>();

  /** Readings of the too-early v3 station the v2 hub dead-lettered, in the last run. */
  int deadLettered;

  /** The written version of each hub history entry, in order, of the last run. */
  final List<Integer> writtenVersions = new ArrayList<>();

  /** What the stations sent in the last run, in the order the hub's history holds it. */
  final List<Sent> sent = new ArrayList<>();

  /** What the remote CLI printed about the hub in the last run: at v2, then at v3. */
  final List<CliView> cliViews = new ArrayList<>();

  /** Whether the v3 hub serves until a shutdown request (guarded by this). */
  private boolean serving;

  /** The hub's read token of the last run (the tests check that it is never printed). */
  String readToken;

  /** One run of the remote CLI against the hub on {@code version}. */
  record CliView(int version, List<String> args, CliProcess.Result result) {}

  /** How long one run of the CLI may take, JVM start included (a loaded 2-core device: ~1 s). */
  static final Duration CLI_WAIT = Duration.ofSeconds(60);

  private static final ObjectMapper JSON = new ObjectMapper();

  MixedVersions(PrintStream out) {
    this.out = out;
  }

  /** The MQTT link logs each (re)connect at INFO: six short-lived clients here, on purpose. */
  static final java.util.logging.Logger QUIET_MQTT =
      java.util.logging.Logger.getLogger("io.runnel.mqtt");

  /** Jetty and the remote server log their start and stop at INFO: two servers here. */
  static final java.util.logging.Logger QUIET_JETTY =
      java.util.logging.Logger.getLogger("org.eclipse.jetty");

  static final java.util.logging.Logger QUIET_REMOTE =
      java.util.logging.Logger.getLogger("io.runnel.remote");

  public static void main(String[] args) {
    QUIET_MQTT.setLevel(java.util.logging.Level.WARNING);
    QUIET_JETTY.setLevel(java.util.logging.Level.WARNING);
    QUIET_REMOTE.setLevel(java.util.logging.Level.WARNING);
    Cli.main(new MixedVersions(System.out), args);
  }

  @Override
  public Integer call() throws Exception {
    if (perStep < 1 || perStep > 1000) {
      throw new Cli.UsageError("--per-step must be between 1 and 1000, got " + perStep);
    }
    CliProcess cli = CliProcess.find(cliJar).orElse(null);
    if (cli == null) {
      out.flush();
      System.err.println(
          "runnel example MixedVersions: the remote CLI is not built: "
              + CliProcess.sourceTreeJar().map(Path::toString).orElse("runnel-cli.jar")
              + " is missing (./runnel cli --help builds it; or give --cli-jar JAR)");
      return Shutdown.EXIT_FAILURE;
    }
    if (Mosquitto.binary() == null) {
      out.flush();
      System.err.println(
          "runnel example MixedVersions: mosquitto is not installed: " + Mosquitto.INSTALL_HINT);
      return Shutdown.EXIT_FAILURE;
    }
    checked = 0;
    serving = false;
    deadLettered = 0;
    mismatches.clear();
    writtenVersions.clear();
    sent.clear();
    cliViews.clear();
    Path work = Files.createTempDirectory("runnel-mixed-");
    try (Shutdown shutdown = Shutdown.install()) {
      Thread main = Thread.currentThread();
      // wakes a wait of the steps (a running CLI process is destroyed); not once serving, where
      // the request itself ends the wait and the hub then closes in order
      shutdown.onRequest(
          () -> {
            synchronized (this) {
              if (!serving) {
                main.interrupt();
              }
            }
          });
      try {
        return run(work, cli, shutdown);
      } catch (Exception e) {
        if (!shutdown.requested()) {
          throw e;
        }
        Thread.interrupted();
        out.println();
        out.printf(
            Locale.ROOT,
            "Interrupted (shutdown requested): %d values read back so far, %d mismatches%n",
            checked,
            mismatches.size());
        return Shutdown.EXIT_SIGTERM; // the JVM's status after a signal is 128 + signal anyway
      } finally {
        // before the Shutdown closes: once it has, the JVM may end at once after a signal
        if (keep) {
          Files.deleteIfExists(work.resolve(TOKEN_FILE)); // its server is gone
          out.println("kept the work folder " + work);
        } else {
          Cli.deleteTree(work, System.err);
        }
      }
    }
  }

  /** The hub's token file in the work folder: one read token, this run's. */
  static final String TOKEN_FILE = "hub.token";

  private int run(Path work, CliProcess cli, Shutdown shutdown) throws Exception {
    Path hubStore = work.resolve("hub");
    Path tokens = writeReadToken(work.resolve(TOKEN_FILE));
    try (Mosquitto mqtt = Mosquitto.start(work.resolve("mosquitto"))) {
      out.printf(Locale.ROOT, "Mosquitto on 127.0.0.1:%d; hub store %s%n", mqtt.port(), hubStore);
      out.printf(Locale.ROOT, "The remote CLI: %s%n", cli.origin());

      out.println("\n1. hub on v1; station A on v1");
      try (Hub<ReadingV1> hub =
          new Hub<>(mqtt, hubStore, ReadingV1.class, Codec.versioned(AT1), null)) {
        station(mqtt, "A", 1, sent, 0);
        hub.awaitEntries(sent.size());
      }

      out.println("\n2. hub upgraded to v2; station A still on v1, station B on v2");
      try (Hub<ReadingV2> hub =
          new Hub<>(mqtt, hubStore, ReadingV2.class, Codec.versioned(AT2), tokens)) {
        check("hub v2 reads its v1 history", hub.history(), sent, 2);
        station(mqtt, "A", 1, sent, 1);
        station(mqtt, "B", 2, sent, 1);
        hub.awaitEntries(sent.size());
        // a station upgraded too early: the v2 hub cannot know v3, so it must not guess
        List<Sent> early = new ArrayList<>();
        station(mqtt, "C", 3, early, 1);
        DeadLetter first = null;
        for (int i = 0; i < early.size(); i++) {
          DeadLetter d = hub.dead.recv(WAIT);
          if (d == null) {
            throw new IOException(
                "the v2 hub dead-lettered " + i + " of station C's v3 readings within " + WAIT);
          }
          first = first == null ? d : first;
        }
        deadLettered = (int) hub.link.status().deadLetters();
        out.printf(
            Locale.ROOT,
            "   the v2 hub dead-lettered station C's %d v3 readings: %s%n",
            deadLettered,
            first.error());
        check("hub v2 history after the mixed step", hub.history(), sent, 2);
        remoteView(cli, hub, tokens, work, 2);
      }

      out.println("\n3. hub restarted on v3; station A still on v1, station B upgraded to v3");
      try (Hub<ReadingV3> hub =
          new Hub<>(mqtt, hubStore, ReadingV3.class, Codec.versioned(AT3), tokens)) {
        check("hub v3 reads its v1/v2 history", hub.history(), sent, 3);
        station(mqtt, "A", 1, sent, 2);
        station(mqtt, "B", 3, sent, 2);
        hub.awaitEntries(sent.size());
        List<StoredEntry> all = hub.history();
        check("hub v3 history", all, sent, 3);
        for (StoredEntry e : all) {
          writtenVersions.add(e.writtenVersion());
        }
        // an old consumer that was never upgraded reads the same store: v2 and v3 migrated down
        check("a legacy v1 reader", all, sent, 1, AT3.reader(1, ReadingV1.class));
        List<String> query = remoteView(cli, hub, tokens, work, 3);

        List<Integer> wantVersions = new ArrayList<>();
        for (int i = 0; i < sent.size(); i++) {
          wantVersions.add(writtenVersion(i));
        }
        if (!writtenVersions.equals(wantVersions)) {
          mismatches.add("written versions " + writtenVersions + ", expected " + wantVersions);
        }
        if (deadLettered != perStep) {
          mismatches.add(
              "the v2 hub dead-lettered " + deadLettered + " of " + perStep + " v3 readings");
        }
        boolean ok = mismatches.isEmpty() && checked > 0;
        out.println();
        mismatches.forEach(m -> out.println("MISMATCH " + m));
        out.printf(
            Locale.ROOT,
            "%s: %d values read back across versions 1..3 (from the store and through the remote"
                + " CLI), %d mismatches, %d unknown-version readings dead-lettered; the hub's"
                + " history has %d entries written as v1, v2 and v3%n",
            ok ? "OK" : "FAILED",
            checked,
            mismatches.size(),
            deadLettered,
            writtenVersions.size());
        if (keep) {
          out.println(
              "inspect it: ./runnel cli store dump "
                  + hubStore
                  + " --key "
                  + HUB
                  + " (as written)");
        }
        if (!serve) {
          out.println(
              "look yourself: ./runnel example MixedVersions --serve keeps the v3 hub up, then"
                  + " ./runnel cli "
                  + String.join(" ", query)
                      .replaceFirst(" --url .*", " --url ... --token-file ..."));
          return ok ? Shutdown.EXIT_OK : Shutdown.EXIT_FAILURE;
        }
        String at = " --url " + hub.url() + " --token-file " + tokens;
        out.println("\nServing the v3 hub until Ctrl-C (--serve); look yourself:");
        out.println("  ./runnel cli " + String.join(" ", query));
        out.println("  ./runnel cli ls" + at);
        out.println("  ./runnel cli get " + HUB + at);
        out.flush();
        synchronized (this) {
          serving = true; // an interrupt sent before this one is seen by awaitRequest
        }
        shutdown.awaitRequest();
        out.println("Interrupted (shutdown requested): the hub stops; " + (ok ? "OK" : "FAILED"));
        return Shutdown.EXIT_SIGTERM; // the JVM's status after a signal is 128 + signal anyway
      }
    }
  }

  /**
   * Writes a fresh read token for the hub's remote server into {@code file} (owner-only, in
   * token-file format, which the server and the CLI both read) and remembers it for the tests.
   */
  private Path writeReadToken(Path file) throws IOException {
    byte[] random = new byte[24];
    new SecureRandom().nextBytes(random);
    readToken = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    Files.createFile(
        file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(
        file,
        "# runnel example MixedVersions: the hub's read token, valid while this run serves\n"
            + "mixed-demo read "
            + readToken
            + "\n");
    return file;
  }

  /** The version the hub wrote the {@code i}th entry of its history in: its own, that step. */
  int writtenVersion(int i) {
    return i < perStep ? 1 : i < 3 * perStep ? 2 : 3;
  }

  /**
   * Runs {@code runnel cli query hub.readings} against the hub's server, prints what it shows and
   * checks it: every entry sent so far, as the hub's {@code version}, with its written version.
   *
   * @return the CLI's arguments (what a user types after {@code ./runnel cli})
   */
  private List<String> remoteView(CliProcess cli, Hub<?> hub, Path tokens, Path work, int version)
      throws IOException, InterruptedException {
    List<String> args =
        List.of("query", HUB.id(), "--url", hub.url(), "--token-file", tokens.toString());
    out.printf(
        Locale.ROOT,
        "%n   the remote CLI's view of the v%d hub (seq, time, written version, value as v%d):%n"
            + "   $ ./runnel cli %s%n",
        version,
        version,
        String.join(" ", args));
    CliProcess.Result r = cli.run(args, CLI_WAIT, work);
    r.lines().forEach(l -> out.println("   " + l));
    r.stderr().lines().filter(l -> !l.isBlank()).forEach(l -> out.println("   (stderr) " + l));
    cliViews.add(new CliView(version, args, r));
    checkCliView("the remote CLI on the v" + version + " hub", r, sent, version);
    return args;
  }

  /**
   * Compares the CLI's JSON lines ({@code {seq,time,version,value}}) with {@code sent} converted by
   * hand to {@code version}, and each entry's written version with {@link #writtenVersion}.
   */
  void checkCliView(String what, CliProcess.Result r, List<Sent> sent, int version) {
    int bad = 0;
    List<String> lines = r.lines();
    if (r.exitCode() != 0) {
      mismatches.add(what + ": exit status " + r.exitCode() + ": " + r.stderr().strip());
      bad++;
    }
    if (lines.size() != sent.size()) {
      mismatches.add(what + ": " + lines.size() + " entries, " + sent.size() + " sent");
      bad++;
    }
    Class<?> type =
        switch (version) {
          case 1 -> ReadingV1.class;
          case 2 -> ReadingV2.class;
          default -> ReadingV3.class;
        };
    long lastSeq = -1;
    for (int i = 0; i < Math.min(lines.size(), sent.size()); i++) {
      checked++;
      String problem;
      try {
        JsonNode entry = JSON.readTree(lines.get(i));
        long seq = entry.path("seq").asLong(-1);
        int written = entry.path("version").asInt(-1);
        // "NaN" (JSON has no NaN) reads back as Double.NaN; an unknown field fails
        Object got = JSON.treeToValue(entry.path("value"), type);
        Object want = sent.get(i).expectedAt(version);
        problem =
            seq <= lastSeq
                ? "seq " + seq + " after " + lastSeq
                : written != writtenVersion(i)
                    ? "written version " + written + ", expected " + writtenVersion(i)
                    : !close(got, want) ? got + ", not " + want : null;
        lastSeq = seq;
      } catch (IOException | IllegalArgumentException e) {
        problem = "cannot read it as a v" + version + " entry: " + Cli.oneLine(e);
      }
      if (problem != null) {
        mismatches.add(what + ": line " + (i + 1) + " " + lines.get(i) + ": " + problem);
        bad++;
      }
    }
    out.printf(
        Locale.ROOT,
        "   %-40s %2d entries as v%d: %s%n",
        what,
        lines.size(),
        version,
        bad == 0 ? "all as expected" : bad + " WRONG");
  }

  private void check(String what, List<StoredEntry> entries, List<Sent> sent, int version) {
    Codec<?> codec =
        switch (version) {
          case 1 -> Codec.versioned(AT1);
          case 2 -> Codec.versioned(AT2);
          default -> Codec.versioned(AT3);
        };
    check(what, entries, sent, version, codec);
  }

  /** Decodes {@code entries} with {@code codec} and compares with {@code sent} converted. */
  private void check(
      String what, List<StoredEntry> entries, List<Sent> sent, int version, Codec<?> codec) {
    int bad = 0;
    if (entries.size() != sent.size()) {
      mismatches.add(what + ": " + entries.size() + " entries, " + sent.size() + " sent");
      bad++;
    }
    for (int i = 0; i < Math.min(entries.size(), sent.size()); i++) {
      Object got = entries.get(i).decode(codec);
      Object want = sent.get(i).expectedAt(version);
      checked++;
      if (!close(got, want)) {
        mismatches.add(
            what + ": entry " + entries.get(i).sequence() + " is " + got + ", not " + want);
        bad++;
      }
    }
    out.printf(
        Locale.ROOT,
        "   %-40s %2d entries as v%d: %s%n",
        what,
        entries.size(),
        version,
        bad == 0 ? "all as expected" : bad + " WRONG");
  }

  /** Equal, but Kelvin within 1e-9 (Celsius + 273.15 - 273.15 need not be the same double). */
  private static boolean close(Object got, Object want) {
    if (got instanceof ReadingV3 g && want instanceof ReadingV3 w) {
      return g.station().equals(w.station())
          && Math.abs(g.kelvin() - w.kelvin()) < 1e-9
          && Double.compare(g.humidity(), w.humidity()) == 0
          && g.at() == w.at();
    }
    if (got instanceof ReadingV2 g && want instanceof ReadingV2 w) {
      return g.station().equals(w.station())
          && Math.abs(g.celsius() - w.celsius()) < 1e-9
          && Double.compare(g.humidity(), w.humidity()) == 0
          && g.at() == w.at();
    }
    if (got instanceof ReadingV1 g && want instanceof ReadingV1 w) {
      return g.station().equals(w.station())
          && Math.abs(g.celsius() - w.celsius()) < 1e-9
          && g.at() == w.at();
    }
    return false;
  }

  /**
   * Station {@code name} on {@code version} publishes {@link #perStep} readings to the hub (QoS 1)
   * and stops once the broker acknowledged them; each is added to {@code sent}.
   */
  private void station(Mosquitto mqtt, String name, int version, List<Sent> sent, int step)
      throws Exception {
    MqttLink link =
        MqttLink.builder()
            .name("mqtt")
            .broker("127.0.0.1", mqtt.port())
            .clientId("mixed-station-" + name)
            .build();
    String topic = "mixed/" + name + "/reading";
    List<Sent> mine = new ArrayList<>();
    for (int i = 0; i < perStep; i++) {
      long at = step * 1000L + i;
      double celsius = (name.equals("A") ? 10 : 20) + step + i * 0.25;
      mine.add(new Sent(version, name, celsius, 40 + i, at));
    }
    Object first =
        switch (version) {
          case 1 ->
              run(
                  link,
                  ReadingV1.class,
                  Codec.versioned(AT1),
                  topic,
                  mine,
                  x -> new ReadingV1(x.station(), x.celsius(), x.at()));
          case 2 ->
              run(
                  link,
                  ReadingV2.class,
                  Codec.versioned(AT2),
                  topic,
                  mine,
                  x -> new ReadingV2(x.station(), x.celsius(), x.humidity(), x.at()));
          default ->
              run(
                  link,
                  ReadingV3.class,
                  Codec.versioned(AT3),
                  topic,
                  mine,
                  x ->
                      new ReadingV3(x.station(), x.celsius() + ZERO_CELSIUS, x.humidity(), x.at()));
        };
    sent.addAll(mine);
    out.printf(
        Locale.ROOT,
        "   station %s on v%d sent %d readings, the first %s%n",
        name,
        version,
        perStep,
        first);
  }

  /** Runs a station pipeline that publishes {@code values}; returns the first value sent. */
  private <T> T run(
      MqttLink link,
      Class<T> type,
      Codec<T> codec,
      String topic,
      List<Sent> values,
      java.util.function.Function<Sent, T> asType)
      throws Exception {
    try (Runnel station =
        Runnel.builder()
            .name("station")
            .connector(link)
            .configure(
                type,
                OUT,
                c ->
                    c.external()
                        .buffer(BufferSpec.ring(1024))
                        .tapTask("mqtt", link.publish(codec, topic, Qos.AT_LEAST_ONCE)))
            .build()
            .start()) {
      Producer<T> p = station.producer(type, OUT);
      T first = asType.apply(values.get(0));
      for (Sent s : values) {
        p.produce(asType.apply(s));
      }
      long deadline = System.nanoTime() + WAIT.toNanos();
      // sent and acknowledged (QoS 1): nothing queued or in flight
      while (counter(station, "sent") < values.size()
          || station.inspect().connector("mqtt").orElseThrow().backlog() > 0) {
        if (System.nanoTime() - deadline > 0) {
          throw new IOException(
              "the broker did not acknowledge the station's readings within "
                  + WAIT
                  + ": "
                  + station.inspect().connector("mqtt").orElseThrow());
        }
        Thread.sleep(10);
      }
      return first;
    }
  }

  private static long counter(Runnel runnel, String name) {
    Long v = runnel.inspect().connector("mqtt").orElseThrow().counters().get(name);
    return v == null ? 0 : v;
  }

  /** The hub at one version: one MQTT subscription to every station, persisted. */
  private static final class Hub<T> implements AutoCloseable {
    final Codec<T> codec;
    final MqttLink link;
    final io.runnel.buffer.Reader<DeadLetter> dead;
    private final HistoryStore store;
    private final Runnel runnel;

    /** The remote server, or null when the hub is not served. */
    private final RemoteServer server;

    /**
     * Starts the hub; with {@code tokens}, also its remote server on a free loopback port, which
     * accepts the tokens of that file and answers history queries with {@code codec}.
     */
    Hub(Mosquitto mqtt, Path dir, Class<T> type, Codec<T> codec, Path tokens) throws Exception {
      this.codec = codec;
      this.store =
          HistoryStore.open(
              StoreConfig.builder(dir).durability(Durability.every(Duration.ofMillis(20))).build());
      this.link =
          MqttLink.builder()
              .name("mqtt")
              .broker("127.0.0.1", mqtt.port())
              .clientId("mixed-hub")
              .deadLetters(DEAD)
              .build();
      Runnel built =
          Runnel.builder()
              .name("hub")
              .connector(link)
              .configure(
                  type,
                  HUB,
                  c ->
                      c.buffer(BufferSpec.ring(1024))
                          .hook(Persist.to(store, codec))
                          .source(link.subscribe(TOPICS, codec, Qos.AT_LEAST_ONCE)))
              .configure(DeadLetter.class, DEAD, c -> c.external())
              .build();
      this.dead = built.subscribe(DeadLetter.class, DEAD);
      Runnel started = built.start();
      RemoteServer served = null;
      try {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (counter(started, "subscribed") < 1) {
          if (System.nanoTime() - deadline > 0) {
            throw new IOException(
                "the hub's subscription was not acknowledged within "
                    + WAIT
                    + ": "
                    + link.status());
          }
          Thread.sleep(10);
        }
        if (tokens != null) {
          served =
              RemoteServer.builder(started)
                  .port(0)
                  .tokenFile(tokens)
                  .history(store)
                  .codec(HUB, codec)
                  .foxglove(false)
                  .build()
                  .start();
        }
      } catch (Exception | Error e) {
        try {
          started.close();
        } finally {
          store.close();
        }
        throw e;
      }
      this.runnel = started;
      this.server = served;
    }

    /** Waits until the hub's history holds {@code n} entries (what the stations sent). */
    void awaitEntries(int n) throws Exception {
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (history().size() < n) {
        if (System.nanoTime() - deadline > 0) {
          throw new IOException(
              "the hub persisted "
                  + history().size()
                  + " of "
                  + n
                  + " readings within "
                  + WAIT
                  + ": "
                  + runnel.inspect().connector("mqtt").orElseThrow());
        }
        Thread.sleep(20);
      }
    }

    /** The remote server's WebSocket URL. */
    String url() {
      return server.webSocketUri().orElseThrow();
    }

    List<StoredEntry> history() throws IOException {
      return store.latest(HUB, 100_000);
    }

    @Override
    public void close() {
      try {
        if (server != null) {
          server.close();
        }
      } finally {
        try {
          runnel.close();
        } finally {
          store.close();
        }
      }
    }
  }
}
