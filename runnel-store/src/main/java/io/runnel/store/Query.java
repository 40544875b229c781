package io.runnel.store;

import io.runnel.RecordKey;
import java.time.Instant;

/**
 * A selection of entries: optionally one key, a time range {@code [from, to)}, a first sequence,
 * and at most {@code limit} results in sequence order. Immutable; start with {@link #all()}.
 *
 * <pre>{@code
 * store.query(Query.all().key(Key.INDOOR).between(t0, t1).limit(1000));
 * store.query(Query.all().fromSequence(cursor.position()).limit(500));   // paging onwards
 * }</pre>
 */
public record Query(String key, long fromMicros, long toMicros, long fromSequence, int limit) {

  /** The default and the largest limit. */
  public static final int MAX_LIMIT = 1_000_000;

  public Query {
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new IllegalArgumentException("query limit must be 1.." + MAX_LIMIT + ": " + limit);
    }
  }

  /** Every entry (up to {@link #MAX_LIMIT}). */
  public static Query all() {
    return new Query(null, Long.MIN_VALUE, Long.MAX_VALUE, 0, MAX_LIMIT);
  }

  /** Only entries of this key. */
  public Query key(RecordKey key) {
    return new Query(key.id(), fromMicros, toMicros, fromSequence, limit);
  }

  /** Only entries with {@code from <= timestamp < to}. */
  public Query between(Instant from, Instant to) {
    return betweenMicros(micros(from), micros(to));
  }

  /** Only entries with {@code from <= timestampMicros < to}. */
  public Query betweenMicros(long from, long to) {
    return new Query(key, from, to, fromSequence, limit);
  }

  /** Only entries with a sequence {@code >= sequence}. */
  public Query fromSequence(long sequence) {
    return new Query(key, fromMicros, toMicros, sequence, limit);
  }

  /** At most this many entries (the first ones in sequence order). */
  public Query limit(int limit) {
    return new Query(key, fromMicros, toMicros, fromSequence, limit);
  }

  boolean matches(StoredEntry e) {
    return e.sequence() >= fromSequence
        && e.timestampMicros() >= fromMicros
        && e.timestampMicros() < toMicros
        && (key == null || key.equals(e.key()));
  }

  /** Epoch microseconds, saturated at the ends of {@code long}. */
  static long micros(Instant t) {
    try {
      return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1000);
    } catch (ArithmeticException e) {
      return t.getEpochSecond() < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }
}
