package io.runnel.store.wal;

import io.runnel.spi.LogLimiter;
import io.runnel.store.Retention;
import io.runnel.store.StoreCursor;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Trims the history: deletes whole segments from the oldest end by age and size ({@link
 * Retention}), respecting per-key age limits and the store's durable cursors.
 *
 * <h2>Model</h2>
 *
 * <p>Runs on the writer thread (at every segment roll and every retention check interval) and on
 * any thread that calls {@code HistoryStore.applyRetention()}; runs are serialised by the {@link
 * SegmentList}'s monitor, under which the list is read and its deleted segments dropped. Never
 * deletes the last (active) segment. Any other segment goes on age when every key in it is past its
 * own limit ({@link #retain}) and no cursor still needs it, wherever it is in the list: a
 * long-lived key keeps the segments it appears in, not the newer ones after it (the history then
 * has holes between them). Segments go on size from the oldest end, while the store is larger than
 * the limit, even if a cursor needs them: that is counted ({@link #cursorOverruns()}) and logged at
 * WARNING naming the cursor. A deleted segment is marked first, so a query that can no longer open
 * its file skips it.
 */
public final class SegmentRetention {
  private static final System.Logger LOG = System.getLogger("io.runnel.store");

  private final StoreFileSystem fs;
  private final Path dir;
  private final Retention retention;
  private final InstantSource clock;
  private final SegmentList segments;
  private final Collection<StoreCursor> cursors;

  /** Per-key age limits overriding the store's; an empty value is "forever". */
  private final Map<String, Optional<Duration>> keyAges = new ConcurrentHashMap<>();

  private final AtomicLong segmentsDeleted = new AtomicLong();
  private final AtomicLong cursorOverruns = new AtomicLong();

  /** A failing retention retries every check interval: logged 3 at once, then one an hour. */
  private final LogLimiter failureLog = new LogLimiter(3, java.time.Duration.ofHours(1));

  /**
   * @param cursors a live view of the store's cursors
   */
  public SegmentRetention(
      StoreFileSystem fs,
      Path dir,
      Retention retention,
      InstantSource clock,
      SegmentList segments,
      Collection<StoreCursor> cursors) {
    this.fs = fs;
    this.dir = dir;
    this.retention = retention;
    this.clock = clock;
    this.segments = segments;
    this.cursors = cursors;
  }

  /** Keeps values of {@code key} at least {@code maxAge} (null: forever); see the class comment. */
  public void retain(String key, Duration maxAge) {
    keyAges.put(key, Optional.ofNullable(maxAge));
  }

  /** Segments deleted so far. */
  public long segmentsDeleted() {
    return segmentsDeleted.get();
  }

  /** Segments deleted by the size limit although a cursor had not passed them. */
  public long cursorOverruns() {
    return cursorOverruns.get();
  }

  private static long micros(Duration d) {
    try {
      return Math.addExact(Math.multiplyExact(d.getSeconds(), 1_000_000L), d.getNano() / 1000);
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }

  /** The age limit of a segment: the longest of its keys' limits; null if one keeps forever. */
  private Duration ageLimitOf(Segment s, Duration storeAge) {
    if (keyAges.isEmpty() || s.keys.isEmpty()) {
      return storeAge;
    }
    Duration longest = null;
    for (String k : s.keys) {
      Optional<Duration> own = keyAges.get(k);
      Duration age = own != null ? own.orElse(null) : storeAge;
      if (age == null) {
        return null;
      }
      if (longest == null || age.compareTo(longest) > 0) {
        longest = age;
      }
    }
    return longest;
  }

  /**
   * Applies the retention policy now.
   *
   * @return how many segments were deleted
   */
  public int apply() throws IOException {
    Retention r = retention;
    List<Segment> deleted = new ArrayList<>();
    synchronized (segments) {
      List<Segment> segs = segments.current();
      if (segs.size() <= 1) {
        return 0;
      }
      long total = 0;
      for (Segment s : segs) {
        total += s.size();
      }
      long minCursor = Long.MAX_VALUE;
      String holder = null;
      for (StoreCursor c : cursors) {
        if (c.position() < minCursor) {
          minCursor = c.position();
          holder = c.name();
        }
      }
      long now = EntryFormat.epochMicros(clock.instant());
      List<Segment> kept = new ArrayList<>();
      for (int i = 0; i < segs.size() - 1; i++) {
        Segment s = segs.get(i);
        boolean cursorBehind = s.entries() > 0 && s.lastSequence() >= minCursor;
        boolean tooBig = total > r.maxBytes();
        Duration age = ageLimitOf(s, r.maxAge());
        boolean tooOld = age != null && s.maxTimestamp() < now - Math.min(now, micros(age));
        if (tooBig) {
          if (cursorBehind) {
            cursorOverruns.incrementAndGet();
            LOG.log(
                Level.WARNING,
                "retention size limit ("
                    + r.maxBytes()
                    + " bytes) deletes "
                    + s.path
                    + " although cursor '"
                    + holder
                    + "' is at sequence "
                    + minCursor
                    + " (the segment ends at "
                    + s.lastSequence()
                    + "); those entries will not be forwarded");
          }
        } else if (!(tooOld && !cursorBehind)) {
          kept.add(s); // and look further: a newer segment may hold only shorter-lived keys
          continue;
        }
        total -= s.size();
        deleted.add(s);
      }
      if (deleted.isEmpty()) {
        return 0;
      }
      kept.add(segs.getLast());
      segments.replace(kept);
    }
    for (Segment s : deleted) {
      s.markDeleted();
      fs.delete(s.path);
      segmentsDeleted.incrementAndGet();
      LOG.log(
          Level.INFO,
          "history retention deleted " + s.path + " (sequences up to " + s.lastSequence() + ")");
    }
    return deleted.size();
  }

  /** {@link #apply()}, logging a failure instead of throwing it (the writer thread's call). */
  void applyQuietly() {
    try {
      apply();
    } catch (IOException e) {
      failureLog.log(LOG, Level.WARNING, "history retention in " + dir + " failed; will retry", e);
    }
  }
}
