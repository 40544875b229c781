package io.runnel.store;

import io.runnel.RecordKey;
import io.runnel.store.wal.Frame;
import io.runnel.store.wal.SchemaRegistry;
import io.runnel.store.wal.Segment;
import io.runnel.store.wal.SegmentList;
import io.runnel.store.wal.SegmentScanner;
import io.runnel.store.wal.StoreFileSystem;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * The readers over the segments: {@link HistoryStore#query} and {@link HistoryStore#latest}.
 *
 * <p>Each call runs on the caller's thread with its own file channels, over the {@link SegmentList}
 * as it was when the call began and each segment's index {@linkplain Segment#view() view}; it never
 * blocks the writer. It reads only what the writer has published (handed to the OS), so never a
 * partial entry, and skips a segment that retention deleted under it. Whole segments and index
 * blocks whose key set, time range or sequence range cannot match are not read.
 */
final class HistoryQueries {
  private final StoreFileSystem fs;
  private final SegmentList segments;
  private final SchemaRegistry schemas;

  /** Entries decoded by queries; lets tests check that the sparse index avoids full scans. */
  final LongAdder entriesScanned = new LongAdder();

  HistoryQueries(StoreFileSystem fs, SegmentList segments, SchemaRegistry schemas) {
    this.fs = fs;
    this.segments = segments;
    this.schemas = schemas;
  }

  private StoredEntry entry(Frame f) {
    entriesScanned.increment();
    return new StoredEntry(f.sequence(), f.timestampMicros(), f.key(), f.codecId(), f.payload())
        .withSchemas(schemas);
  }

  /** See {@link HistoryStore#query}. */
  List<StoredEntry> query(Query query) throws IOException {
    return scan(query, null, Long.MAX_VALUE).entries();
  }

  /**
   * What {@link #scan} found, and where it stopped when it ran out of budget first.
   *
   * @param stoppedBefore the sequence after the last entry scanned if the budget ran out before the
   *     limit or the end was reached (every entry of the range before it was looked at); else -1
   */
  record Scan(List<StoredEntry> entries, long stoppedBefore) {}

  /**
   * {@link #query(Query)} of the entries whose key {@code selected} selects as well (null: no
   * further selection): segments without a selected key are not read, and entries of a segment
   * holding only selected keys are not checked one by one. Looks at no more than {@code budget}
   * entries at or after the query's first sequence, selected or not, so that a read of a rare key
   * through a long history of others is bounded.
   */
  Scan scan(Query query, SelectedKeys selected, long budget) throws IOException {
    List<StoredEntry> result = new ArrayList<>();
    long[] state = {0, -1}; // entries looked at in the range; where the budget ran out
    for (Segment seg : segments.current()) {
      Segment.View v = seg.view(); // before the key set: see SelectedKeys
      if (!mayMatch(seg, v, query)) {
        continue;
      }
      SelectedKeys.Coverage coverage =
          selected == null ? SelectedKeys.Coverage.ALL : selected.cover(seg);
      if (coverage == SelectedKeys.Coverage.NONE) {
        continue;
      }
      boolean check = coverage == SelectedKeys.Coverage.SOME;
      try (FileChannel ch = openForQuery(seg)) {
        if (ch == null) {
          continue;
        }
        SegmentScanner scanner = SegmentScanner.of(ch);
        int first =
            query.fromSequence() > v.segmentFirstSeq()
                ? v.blockForSequence(query.fromSequence())
                : 0;
        for (int b = first; b < v.blocks(); b++) {
          if (v.blockMaxTs(b) < query.fromMicros() || v.blockMinTs(b) >= query.toMicros()) {
            continue;
          }
          scanner.scan(
              v.blockStart(b),
              v.blockEnd(b),
              seg.baseSequence,
              (offset, frame, f) -> {
                if (check && !selected.test(f.key())) {
                  entriesScanned.increment(); // another key's: no StoredEntry made
                } else {
                  StoredEntry e = entry(f);
                  if (query.matches(e)) {
                    result.add(e);
                  }
                }
                if (f.sequence() >= query.fromSequence() && ++state[0] >= budget) {
                  state[1] = f.sequence() + 1;
                  return false;
                }
                return result.size() < query.limit();
              });
          if (result.size() >= query.limit() || state[1] >= 0) {
            return new Scan(result, state[1]);
          }
        }
      }
    }
    return new Scan(result, -1);
  }

  /** See {@link HistoryStore#latest}. */
  List<StoredEntry> latest(RecordKey key, int n) throws IOException {
    String id = key.id();
    ArrayDeque<StoredEntry> result = new ArrayDeque<>();
    List<Segment> segs = segments.current();
    for (int i = segs.size() - 1; i >= 0 && result.size() < n; i--) {
      Segment seg = segs.get(i);
      if (!seg.keys.contains(id)) {
        continue;
      }
      Segment.View v = seg.view();
      try (FileChannel ch = openForQuery(seg)) {
        if (ch == null) {
          continue;
        }
        SegmentScanner scanner = SegmentScanner.of(ch);
        for (int b = v.blocks() - 1; b >= 0 && result.size() < n; b--) {
          List<StoredEntry> block = new ArrayList<>();
          scanner.scan(
              v.blockStart(b),
              v.blockEnd(b),
              seg.baseSequence,
              (offset, frame, f) -> {
                StoredEntry e = entry(f);
                if (e.key().equals(id)) {
                  block.add(e);
                }
                return true;
              });
          for (int j = block.size() - 1; j >= 0 && result.size() < n; j--) {
            result.addFirst(block.get(j));
          }
        }
      }
    }
    return new ArrayList<>(result);
  }

  private static boolean mayMatch(Segment seg, Segment.View v, Query q) {
    return v.entries() > 0
        && v.segmentLastSeq() >= q.fromSequence()
        && v.segmentMaxTs() >= q.fromMicros()
        && v.segmentMinTs() < q.toMicros()
        && (q.key() == null || seg.keys.contains(q.key()));
  }

  private FileChannel openForQuery(Segment seg) throws IOException {
    try {
      return fs.open(seg.path, StandardOpenOption.READ);
    } catch (NoSuchFileException e) {
      if (seg.deleted()) {
        return null; // removed by retention while the query ran
      }
      throw e;
    }
  }
}
