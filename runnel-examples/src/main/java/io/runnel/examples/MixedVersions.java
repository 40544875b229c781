package io.runnel.examples;

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
import java.time.Duration;
import java.util.ArrayList;
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
 * <p>Every value read back is compared with what the station sent, converted by hand (not by the
 * codec); exit status 0 only if all of them match and every entry carries the version it was
 * written with.
 */
@Command(
    name = "runnel example MixedVersions",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    description =
        "Stations on v1 and v2 of a reading type feed a hub on v2 over MQTT; the hub restarts on v3"
            + " and reads its v1/v2 history migrated; checks every value.")
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

  private final PrintStream out;

  /** Values read back and compared, of the last run. */
  int checked;

  /** Mismatches of the last run, one line each. */
  final List<String> mismatches = new ArrayList<>();

  /** Readings of the too-early v3 station the v2 hub dead-lettered, in the last run. */
  int deadLettered;

  /** The written version of each hub history entry, in order, of the last run. */
  final List<Integer> writtenVersions = new ArrayList<>();

  MixedVersions(PrintStream out) {
    this.out = out;
  }

  /** The MQTT link logs each (re)connect at INFO: six short-lived clients here, on purpose. */
  static final java.util.logging.Logger QUIET_MQTT =
      java.util.logging.Logger.getLogger("io.runnel.mqtt");

  public static void main(String[] args) {
    QUIET_MQTT.setLevel(java.util.logging.Level.WARNING);
    Cli.main(new MixedVersions(System.out), args);
  }

  @Override
  public Integer call() throws Exception {
    if (perStep < 1 || perStep > 1000) {
      throw new Cli.UsageError("--per-step must be between 1 and 1000, got " + perStep);
    }
    if (Mosquitto.binary() == null) {
      out.flush();
      System.err.println(
          "runnel example MixedVersions: mosquitto is not installed: " + Mosquitto.INSTALL_HINT);
      return Shutdown.EXIT_FAILURE;
    }
    Path work = Files.createTempDirectory("runnel-mixed-");
    Path hubStore = work.resolve("hub");
    List<Sent> sent = new ArrayList<>();
    try (Mosquitto mqtt = Mosquitto.start(work.resolve("mosquitto"))) {
      out.printf(Locale.ROOT, "Mosquitto on 127.0.0.1:%d; hub store %s%n", mqtt.port(), hubStore);

      out.println("\n1. hub on v1; station A on v1");
      try (Hub<ReadingV1> hub = new Hub<>(mqtt, hubStore, ReadingV1.class, Codec.versioned(AT1))) {
        station(mqtt, "A", 1, sent, 0);
        hub.awaitEntries(sent.size());
      }

      out.println("\n2. hub upgraded to v2; station A still on v1, station B on v2");
      try (Hub<ReadingV2> hub = new Hub<>(mqtt, hubStore, ReadingV2.class, Codec.versioned(AT2))) {
        check("hub v2 reads its v1 history", hub.history(), sent, 2);
        station(mqtt, "A", 1, sent, 1);
        station(mqtt, "B", 2, sent, 1);
        hub.awaitEntries(sent.size());
        // a station upgraded too early: the v2 hub cannot know v3, so it must not guess
        List<Sent> early = new ArrayList<>();
        station(mqtt, "C", 3, early, 1);
        DeadLetter first = hub.dead.recv(WAIT);
        for (int i = 1; i < early.size(); i++) {
          hub.dead.recv(WAIT);
        }
        deadLettered = (int) hub.link.status().deadLetters();
        out.printf(
            Locale.ROOT,
            "   the v2 hub dead-lettered station C's %d v3 readings: %s%n",
            deadLettered,
            first.error());
        check("hub v2 history after the mixed step", hub.history(), sent, 2);
      }

      out.println("\n3. hub restarted on v3; station A still on v1, station B upgraded to v3");
      try (Hub<ReadingV3> hub = new Hub<>(mqtt, hubStore, ReadingV3.class, Codec.versioned(AT3))) {
        check("hub v3 reads its v1/v2 history", hub.history(), sent, 3);
        station(mqtt, "A", 1, sent, 2);
        station(mqtt, "B", 3, sent, 2);
        hub.awaitEntries(sent.size());
        List<StoredEntry> all = hub.history();
        check("hub v3 history", all, sent, 3);
        out.println("\n   seq  written  as read on v3");
        for (StoredEntry e : all) {
          writtenVersions.add(e.writtenVersion());
          out.printf(
              Locale.ROOT,
              "   %3d  v%d       %s%n",
              e.sequence(),
              e.writtenVersion(),
              e.decode(hub.codec));
        }
        // an old consumer that was never upgraded reads the same store: v2 and v3 migrated down
        check("a legacy v1 reader", all, sent, 1, AT3.reader(1, ReadingV1.class));
      }
      // each step's entries carry the hub's version of that step
      List<Integer> wantVersions = new ArrayList<>();
      for (int i = 0; i < perStep; i++) {
        wantVersions.add(1);
      }
      for (int i = 0; i < 2 * perStep; i++) {
        wantVersions.add(2);
      }
      for (int i = 0; i < 2 * perStep; i++) {
        wantVersions.add(3);
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
          "%s: %d values read back across versions 1..3, %d mismatches, %d unknown-version"
              + " readings dead-lettered; the hub's history has %d entries written as v1, v2 and"
              + " v3%n",
          ok ? "OK" : "FAILED",
          checked,
          mismatches.size(),
          deadLettered,
          writtenVersions.size());
      if (keep) {
        out.println(
            "inspect it: ./runnel cli store dump " + hubStore + " --key " + HUB + " (as written)");
      }
      return ok ? Shutdown.EXIT_OK : Shutdown.EXIT_FAILURE;
    } finally {
      if (keep) {
        out.println("kept the work folder " + work);
      } else {
        Cli.deleteTree(work, System.err);
      }
    }
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

    Hub(Mosquitto mqtt, Path dir, Class<T> type, Codec<T> codec) throws Exception {
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
      this.runnel = built.start();
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (counter(runnel, "subscribed") < 1) {
        if (System.nanoTime() - deadline > 0) {
          throw new IOException(
              "the hub's subscription was not acknowledged within " + WAIT + ": " + link.status());
        }
        Thread.sleep(10);
      }
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

    List<StoredEntry> history() throws IOException {
      return store.latest(HUB, 100_000);
    }

    @Override
    public void close() {
      try {
        runnel.close();
      } finally {
        store.close();
      }
    }
  }
}
