package io.runnel.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.RecordKey;
import io.runnel.codec.Codec;
import io.runnel.store.wal.EntryFormat;
import io.runnel.store.wal.SchemaRegistry;
import io.runnel.store.wal.SegmentScanner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The store survives a power cut at any I/O operation: a randomized, seeded workload (appends of
 * several keys and sizes with several codecs, syncs, cursor advances, segment rolls at 4 KiB,
 * retention by size) runs on a {@link PowerCutFileSystem}; the power goes at a random operation
 * (possibly during open and recovery); the store is opened again on what a real power cut could
 * have left, and must hold every entry up to the durable sequence seen before the cut, byte for
 * byte, serve no torn or foreign entry and no duplicate, keep no cursor ahead of the surviving
 * data, name every surviving entry's schema in {@code schemas.txt}, and open without an exception.
 * Each iteration cuts the power several times in a row (a cut can hit the repair of the previous
 * one).
 *
 * <p>Bounded: runs for {@code -Dpowercut.seconds} (default 15) or {@code -Dpowercut.iterations}
 * iterations, whichever ends first. Reproduce a failure with {@code -Dpowercut.seed=<seed>
 * -Dpowercut.iterations=1} (the writer thread's timing still varies between runs).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PowerCutTest {

  static final Path DIR = Path.of("/powercut/store");
  static final String[] CURSORS = {"cloud", "mqtt"};
  static final int GENERATIONS = 3;

  static final RecordKey[] KEYS = {
    RecordKey.of("sensor.a"),
    RecordKey.of("sensor.b"),
    RecordKey.of("robot.state"),
    RecordKey.of("log.line")
  };

  /** One codec per key, and a second one for the first key (a changed schema). */
  static final List<Codec<byte[]>> CODECS =
      List.of(
          raw(0xa1, "a:v1"),
          raw(0xb1, "b:v1"),
          raw(0xc1, "state"),
          raw(0xd1, "log"),
          raw(0xa2, "a:v2"));

  record Expected(String key, long codecId, byte[] payload) {}

  static Codec<byte[]> raw(long id, String schema) {
    return new Codec<>() {
      @Override
      public long id() {
        return id;
      }

      @Override
      public String schema() {
        return "raw(" + schema + ")";
      }

      @Override
      public byte[] encode(byte[] value) {
        return value;
      }

      @Override
      public byte[] decode(byte[] bytes) {
        return bytes;
      }
    };
  }

  /** Totals over the run. */
  static final class Tally {
    long iterations;
    long cuts;
    long cutsDuringOpen;
    long cutsAfterWorkload;
    long entriesChecked;
    long durableChecked;
    long entriesLost;
    long removedByRetention;
    long writesDropped;
    long writesTorn;
    long dirOpsUndone;

    /** Mean I/O operations of a whole generation (workload done before the cut). */
    double meanOps = 200;

    String durability = "";

    /** Per kind of violation (its text without numbers): how often, and the first one. */
    final Map<String, long[]> kinds = new TreeMap<>();

    final Map<String, String> firstOfKind = new TreeMap<>();

    void violation(long seed, int generation, String what) {
      String kind =
          durability.replaceAll("[0-9]+", "N")
              + ": "
              + what.replaceAll("[0-9a-f]*[0-9][0-9a-f]*", "N");
      kinds.computeIfAbsent(kind, k -> new long[1])[0]++;
      firstOfKind.putIfAbsent(
          kind, "seed " + seed + " (" + durability + ") generation " + generation + ": " + what);
    }
  }

  @Test
  void survivesAPowerCutAtAnyIoOperation() throws Exception {
    long base = Long.getLong("powercut.seed", System.nanoTime());
    long budget = TimeUnit.SECONDS.toNanos(Long.getLong("powercut.seconds", 15));
    long maxIterations = Long.getLong("powercut.iterations", 100_000);
    Tally t = new Tally();
    long start = System.nanoTime();
    java.util.logging.Logger storeLog = java.util.logging.Logger.getLogger("io.runnel.store");
    java.util.logging.Level level = storeLog.getLevel();
    storeLog.setLevel(java.util.logging.Level.OFF); // thousands of expected failures and repairs
    try {
      for (long i = 0; i < maxIterations && System.nanoTime() - start < budget; i++) {
        iteration(base + i, t);
        t.iterations++;
      }
    } finally {
      storeLog.setLevel(level);
    }
    System.out.printf(
        "[power cut] base seed %d: %d iterations, %d cuts (%d during open/recovery, %d after the"
            + " workload), %d entries checked byte for byte (%d of them at or below the durable"
            + " sequence), %d lost, %d removed by retention; unsynced writes dropped %d, torn %d;"
            + " directory operations undone %d; %.1f s%n",
        base,
        t.iterations,
        t.cuts,
        t.cutsDuringOpen,
        t.cutsAfterWorkload,
        t.entriesChecked,
        t.durableChecked,
        t.entriesLost,
        t.removedByRetention,
        t.writesDropped,
        t.writesTorn,
        t.dirOpsUndone,
        (System.nanoTime() - start) / 1e9);
    t.kinds.forEach(
        (kind, n) ->
            System.out.println(
                "[power cut] " + n[0] + " x " + kind + "; first: " + t.firstOfKind.get(kind)));
    assertThat(t.firstOfKind.values()).as("violations, first of each kind").isEmpty();
    assertThat(t.entriesLost).isZero();
    if (!Boolean.getBoolean("powercut.quick")) {
      assertThat(t.cuts).as("cuts simulated").isGreaterThanOrEqualTo(1000);
    }
  }

  private static StoreConfig config(Random rnd) {
    int d = rnd.nextInt(10);
    Durability durability =
        d < 6
            ? Durability.everyBatch()
            : d < 8 ? Durability.every(Duration.ofMillis(1 + rnd.nextInt(3))) : Durability.never();
    return StoreConfig.builder(DIR)
        .segmentBytes(4096)
        .durability(durability)
        .retention(Retention.maxBytes(12_000 + rnd.nextInt(30_000)))
        .retentionCheckInterval(Duration.ofHours(1))
        .build();
  }

  private static void iteration(long seed, Tally t) {
    Random rnd = new Random(seed);
    StoreConfig config = config(rnd);
    t.durability = describe(config.durability());
    PowerCutFileSystem fs = new PowerCutFileSystem();
    fs.makeDurableDirectories(DIR.getParent());
    Map<Long, Expected> expected = new TreeMap<>();
    Map<String, Long> committed = new TreeMap<>(); // cursor -> last advanceTo that returned
    long recoveredDurable = -1;
    HistoryStore store = null; // open after a check, or null: opened with the cut armed
    for (int g = 0; g < GENERATIONS; g++) {
      long opsBefore = fs.operations();
      // one generation in ten runs to its end (and measures how many operations that takes); the
      // others cut at a uniformly random operation of a typical generation
      boolean measure = rnd.nextInt(10) == 0;
      fs.cutAt(measure ? Long.MAX_VALUE / 2 : 1 + rnd.nextInt((int) Math.max(2, t.meanOps)));
      boolean openedNow = store == null;
      try {
        if (store == null) {
          store = HistoryStore.open(config, fs);
        }
        workload(store, rnd, expected, committed);
      } catch (StoreException | IOException | UncheckedIOException e) {
        if (!fs.isCut()) {
          t.violation(seed, g, "the workload failed without a power cut: " + e);
          return;
        }
      }
      if (!fs.isCut()) {
        t.cutsAfterWorkload++;
        if (measure) {
          t.meanOps += (fs.operations() - opsBefore - t.meanOps) / 8;
        }
        fs.cutNow();
      } else if (openedNow && store == null) {
        t.cutsDuringOpen++;
      }
      t.cuts++;
      long durableSeen = store == null ? recoveredDurable : store.durableSequence();
      if (store != null) {
        closeQuietly(store);
        store = null;
      }
      Set<Long> deleted = new TreeSet<>(); // sequences in segments retention deleted
      for (byte[] content : fs.deletedFiles().values()) {
        sequencesIn(content, deleted);
      }

      PowerCutFileSystem.Damage[] damage = new PowerCutFileSystem.Damage[1];
      fs = fs.rebooted(rnd, damage);
      if (rnd.nextInt(8) == 0) {
        // as after restoring the store from a backup without its cursors: the store creates the
        // directory again while its segments exist (no segment creation forces the directory)
        try {
          fs.removeDurably(DIR.resolve("cursors"));
          committed.clear();
        } catch (IOException e) {
          // no store directory survived
        }
      }
      t.writesDropped += damage[0].writesDropped();
      t.writesTorn += damage[0].writesTorn();
      t.dirOpsUndone += damage[0].dirOpsUndone();
      HistoryStore reopened;
      try {
        reopened = HistoryStore.open(config, fs);
      } catch (IOException | RuntimeException e) {
        t.violation(seed, g, "the store does not open after the power cut: " + e);
        return;
      }
      try {
        expected = check(reopened, fs, seed, g, durableSeen, expected, deleted, committed, t);
        recoveredDurable = reopened.durableSequence();
      } catch (IOException | RuntimeException e) {
        t.violation(seed, g, "reading the store after the power cut failed: " + e);
        closeQuietly(reopened);
        return;
      }
      if (rnd.nextBoolean() && g < GENERATIONS - 1) {
        store = reopened; // the next cut hits the workload on this store
      } else {
        try {
          reopened.close();
        } catch (RuntimeException e) {
          t.violation(seed, g, "close after recovery failed: " + e);
          return;
        }
      }
    }
  }

  private static void workload(
      HistoryStore store, Random rnd, Map<Long, Expected> expected, Map<String, Long> committed)
      throws IOException {
    int steps = 40 + rnd.nextInt(120);
    for (int s = 0; s < steps; s++) {
      int action = rnd.nextInt(100);
      if (action < 70) {
        int k = rnd.nextInt(KEYS.length);
        Codec<byte[]> codec = k == 0 && rnd.nextInt(3) == 0 ? CODECS.get(4) : CODECS.get(k);
        byte[] payload =
            new byte[rnd.nextInt(12) == 0 ? 900 + rnd.nextInt(3000) : rnd.nextInt(200)];
        rnd.nextBytes(payload);
        long seq = store.append(KEYS[k], payload, codec);
        expected.put(seq, new Expected(KEYS[k].id(), codec.id(), payload));
      } else if (action < 80) {
        try {
          store.awaitDurable(store.sync(), Duration.ofMillis(500));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      } else if (action < 90) {
        StoreCursor c = store.cursor(CURSORS[rnd.nextInt(CURSORS.length)]);
        long target = store.durableSequence() + 1;
        if (target > c.position()) {
          c.advanceTo(target);
          committed.put(c.name(), target);
        }
      } else if (action < 94) {
        store.applyRetention();
      } else {
        LockSupport.parkNanos(rnd.nextInt(300_000)); // let the writer run
      }
    }
  }

  /** Checks the reopened store; returns what it holds (the expectation for the next cut). */
  private static Map<Long, Expected> check(
      HistoryStore store,
      PowerCutFileSystem fs,
      long seed,
      int g,
      long durableSeen,
      Map<Long, Expected> expected,
      Set<Long> deleted,
      Map<String, Long> committed,
      Tally t)
      throws IOException {
    List<StoredEntry> served = store.query(Query.all().limit(Query.MAX_LIMIT));
    if (Boolean.getBoolean("powercut.debug")) {
      System.out.println(
          "[power cut debug] generation "
              + g
              + ": durable seen "
              + durableSeen
              + ", deleted "
              + deleted
              + ", files "
              + fs.list(DIR)
              + ", served "
              + served.stream().map(StoredEntry::sequence).toList()
              + ", expected "
              + expected.keySet());
    }
    SchemaRegistry schemas = SchemaRegistry.load(fs, DIR);
    Map<Long, Expected> survivors = new TreeMap<>();
    long previous = -1;
    for (StoredEntry e : served) {
      if (e.sequence() <= previous) {
        t.violation(
            seed, g, "sequence " + e.sequence() + " served after " + previous + " (duplicate?)");
        continue;
      }
      previous = e.sequence();
      Expected x = expected.get(e.sequence());
      if (x == null
          || !x.key().equals(e.key())
          || x.codecId() != e.codecId()
          || !Arrays.equals(x.payload(), e.payload())) {
        t.violation(seed, g, "entry " + e.sequence() + " served but never appended so (torn?)");
        continue;
      }
      t.entriesChecked++;
      if (e.sequence() <= durableSeen) {
        t.durableChecked++;
      }
      if (schemas.describe(e.codecId()) == null) {
        t.violation(
            seed,
            g,
            "schemas.txt lacks the schema of surviving entry "
                + e.sequence()
                + " (codec "
                + Long.toHexString(e.codecId())
                + ")");
      }
      survivors.put(e.sequence(), x);
    }
    for (long seq : expected.keySet()) {
      if (seq > durableSeen || survivors.containsKey(seq)) {
        continue;
      }
      if (deleted.contains(seq)) {
        t.removedByRetention++;
        continue;
      }
      t.entriesLost++;
      t.violation(
          seed,
          g,
          "durable entry " + seq + " lost (durable sequence before the cut " + durableSeen + ")");
    }
    long end = store.durableSequence();
    for (String name : CURSORS) {
      long position = store.cursor(name).position();
      long advanced = committed.getOrDefault(name, 0L);
      if (position < advanced) {
        t.violation(
            seed,
            g,
            "cursor '"
                + name
                + "' at "
                + position
                + " although advanceTo("
                + advanced
                + ") returned before the cut");
      }
      committed.put(name, position);
      if (position > end + 1) {
        t.violation(
            seed,
            g,
            "cursor '"
                + name
                + "' at "
                + position
                + " is ahead of the data (durable end "
                + end
                + ")");
      }
    }
    return survivors;
  }

  /** Adds the sequences of the valid entries of a segment file's bytes. */
  private static void sequencesIn(byte[] segment, Set<Long> into) {
    SegmentScanner.Source source =
        (dst, pos) -> {
          if (pos >= segment.length) {
            return -1;
          }
          int n = (int) Math.min(dst.remaining(), segment.length - pos);
          dst.put(segment, (int) pos, n);
          return n;
        };
    try {
      new SegmentScanner(source, 4096)
          .scan(
              EntryFormat.FILE_HEADER_BYTES,
              segment.length,
              0,
              (offset, bytes, e) -> into.add(e.sequence()));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private static String describe(Durability d) {
    return d instanceof Durability.Interval i
        ? "every " + i.interval().toMillis() + " ms"
        : d.getClass().getSimpleName();
  }

  private static void closeQuietly(HistoryStore store) {
    try {
      store.close();
    } catch (RuntimeException e) {
      // the power is off: closing fails as it may
    }
  }
}
