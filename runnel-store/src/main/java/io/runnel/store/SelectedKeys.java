package io.runnel.store;

import io.runnel.store.wal.Segment;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link KeySelector} resolved against the keys a store actually holds, for one {@link
 * HistoryReader}: each key id is decided once, when the reader first meets it (in a segment's key
 * set or on an entry), and whole segments are classified by their key sets so that a page query
 * skips the segments with no selected key and checks no entry of a segment whose keys are all
 * selected.
 *
 * <h2>Implementation overview</h2>
 *
 * <p>The store has no numeric key ids: every entry carries its key id as a string and every
 * segment's index keeps the set of key ids in it ({@link Segment#keys}), which only grows (the
 * writer adds a key before it publishes the entry). {@link #cover} classifies a segment as {@link
 * Coverage#NONE}, {@link Coverage#ALL} or {@link Coverage#SOME} from that set and remembers the
 * answer with the set's size for the last few segments: the set is unchanged while its size is, so
 * a reader that pages through the open segment classifies it again only when a key was added to it.
 * The caller must take the segment's index view <em>before</em> calling {@link #cover}: then every
 * key of an entry visible in the view is in the set (the writer adds the key under the segment's
 * monitor before publishing, and the view is taken under it).
 *
 * <p>Thread-safe: a reader's read methods may be called from any thread. Decisions are kept in a
 * concurrent map of at most {@link #MAX_DECISIONS} key ids (cleared when full: a store with that
 * many distinct keys costs a selector match per entry, never unbounded memory).
 */
final class SelectedKeys {

  /** What a segment holds of the selected keys. */
  enum Coverage {
    /** No selected key: the segment is not read. */
    NONE,
    /** Selected and other keys: each entry is checked. */
    SOME,
    /** Only selected keys: no entry is checked. */
    ALL
  }

  static final int MAX_DECISIONS = 100_000;
  private static final int SEGMENTS_REMEMBERED = 4;

  private final KeySelector selector;
  private final boolean exactOnly;
  private final ConcurrentHashMap<String, Boolean> decisions = new ConcurrentHashMap<>();

  /** Segments classified lately: replaced whole, never mutated. */
  private volatile Classified[] recent = new Classified[0];

  private record Classified(Segment segment, int keyCount, Coverage coverage) {}

  SelectedKeys(KeySelector selector) {
    this.selector = selector;
    this.exactOnly = selector.prefixes().isEmpty();
  }

  KeySelector selector() {
    return selector;
  }

  /** Key ids decided so far (tests: each is decided once). */
  int decided() {
    return decisions.size();
  }

  /** Whether entries of this key id are selected; decided once per id. */
  boolean test(String keyId) {
    Boolean d = decisions.get(keyId);
    if (d == null) {
      d = selector.matches(keyId);
      if (decisions.size() >= MAX_DECISIONS) {
        decisions.clear();
      }
      decisions.put(keyId, d);
    }
    return d;
  }

  /**
   * What {@code segment} holds of the selected keys, judged by its key set now. Take the segment's
   * view before calling (see the class comment).
   */
  Coverage cover(Segment segment) {
    Set<String> keys = segment.keys;
    int count = keys.size(); // before iterating: a key added meanwhile only makes the answer stale
    for (Classified c : recent) {
      if (c.segment == segment && c.keyCount == count) {
        return c.coverage;
      }
    }
    Coverage coverage = classify(keys);
    remember(new Classified(segment, count, coverage));
    return coverage;
  }

  private Coverage classify(Set<String> keys) {
    int selected = 0;
    int seen = 0;
    if (exactOnly && selector.keyIds().size() < keys.size()) {
      // a few named keys in a segment of many: look them up instead of going through the set
      for (String id : selector.keyIds()) {
        if (keys.contains(id)) {
          selected++;
        }
      }
      return selected == 0 ? Coverage.NONE : Coverage.SOME;
    }
    for (String k : keys) {
      seen++;
      if (test(k)) {
        selected++;
      }
    }
    if (selected == 0) {
      return Coverage.NONE;
    }
    return selected == seen ? Coverage.ALL : Coverage.SOME;
  }

  private void remember(Classified c) {
    Classified[] old = recent;
    int n = Math.min(old.length + 1, SEGMENTS_REMEMBERED);
    Classified[] next = new Classified[n];
    next[0] = c;
    int j = 1;
    for (int i = 0; i < old.length && j < n; i++) {
      if (old[i].segment != c.segment) {
        next[j++] = old[i];
      }
    }
    recent = j == n ? next : java.util.Arrays.copyOf(next, j);
  }
}
