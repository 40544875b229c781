package io.runnel.store.wal;

import java.util.ArrayList;
import java.util.List;

/**
 * The store's segments, oldest first, as an immutable list replaced on every change (copy on
 * write). Readers (queries, stats) take {@link #current()} without a lock and keep a consistent
 * list for as long as they like; the two writers, the writer thread ({@link #add} at a segment
 * roll) and retention ({@link SegmentRetention}, which drops a prefix), change it under this
 * object's monitor.
 */
public final class SegmentList {
  private volatile List<Segment> segments;

  public SegmentList(List<Segment> initial) {
    this.segments = List.copyOf(initial);
  }

  /** The segments now, oldest first; never changes afterwards. */
  public List<Segment> current() {
    return segments;
  }

  /** Writer thread: appends a new active segment. */
  synchronized void add(Segment s) {
    List<Segment> l = new ArrayList<>(segments);
    l.add(s);
    segments = List.copyOf(l);
  }

  /** Retention, holding this object's monitor: replaces the list. */
  void replace(List<Segment> l) {
    segments = List.copyOf(l);
  }
}
