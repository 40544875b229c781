package io.runnel.store;

import io.runnel.RecordKey;
import io.runnel.RuntimeContext;
import io.runnel.Source;
import io.runnel.buffer.Producer;
import io.runnel.codec.Codec;
import io.runnel.codec.CodecException;
import io.runnel.spi.LogLimiter;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;

/**
 * Replays one key's history into a running pipeline: a {@link Source} that reads the store in pages
 * (memory stays bounded however long the range) and produces each stored value, then ends (so the
 * record closes and everything downstream drains).
 *
 * <pre>{@code
 * Replay<Reading> replay = Replay.of(store, Key.INDOOR, Reading.class)
 *     .between(from, to)
 *     .recordedPace(1.0);                 // or .asFastAsPossible() (the default)
 * Runnel.builder().configure(Reading.class, Key.INDOOR_REPLAY, r -> r.source(replay)) ...
 * }</pre>
 *
 * <p>At recorded pace, the value stored at wall-clock time {@code t} is produced {@code (t - t0) /
 * speed} after the first one, on absolute deadlines of the pipeline's clock (so there is no drift,
 * and under {@code Simulation} a day of history replays in simulated time). A stored value that
 * does not decode (written by a changed type) is skipped, counted in {@link #skipped()} and logged
 * (the first few, then every 1000th).
 *
 * <p>A {@code Replay} is a description: each run (a restart of the source included) replays the
 * range from its start, up to what was written when the run began. Values replayed into a persisted
 * record are persisted again (and are not replayed again by the same run).
 *
 * @param <T> the value type
 */
public final class Replay<T> implements Source<T> {

  /** Entries read from the store per query. */
  static final int PAGE = 4096;

  private final HistoryStore store;
  private final RecordKey key;
  private final Codec<T> codec;
  private final Instant from;
  private final Instant to;
  private final double speed; // 0: as fast as possible
  private final LongAdder replayed = new LongAdder();
  private final LongAdder skipped = new LongAdder();

  /** Undecodable entries are logged 3 at once, then one a minute. */
  private final LogLimiter skipLog = new LogLimiter(3, java.time.Duration.ofMinutes(1));

  private Replay(
      HistoryStore store, RecordKey key, Codec<T> codec, Instant from, Instant to, double speed) {
    this.store = store;
    this.key = key;
    this.codec = codec;
    this.from = from;
    this.to = to;
    this.speed = speed;
  }

  /** Replays every stored value of {@code key}, decoded with {@code codec}, as fast as possible. */
  public static <T> Replay<T> of(HistoryStore store, RecordKey key, Codec<T> codec) {
    return new Replay<>(
        Objects.requireNonNull(store, "store"),
        Objects.requireNonNull(key, "key"),
        Objects.requireNonNull(codec, "codec"),
        null,
        null,
        0);
  }

  /** Like {@link #of(HistoryStore, RecordKey, Codec)} with a record's derived codec. */
  public static <R extends Record> Replay<R> of(HistoryStore store, RecordKey key, Class<R> type) {
    return of(store, key, Codec.forRecord(type));
  }

  /** Only values stored at {@code from <= t < to} (either may be null: unbounded). */
  public Replay<T> between(Instant from, Instant to) {
    if (from != null && to != null && !from.isBefore(to)) {
      throw new IllegalArgumentException("replay range is empty: " + from + " .. " + to);
    }
    return new Replay<>(store, key, codec, from, to, speed);
  }

  /** Produces values with their recorded spacing divided by {@code speed} (1.0: real time). */
  public Replay<T> recordedPace(double speed) {
    if (!(speed > 0) || Double.isInfinite(speed)) {
      throw new IllegalArgumentException("replay speed must be positive and finite: " + speed);
    }
    return new Replay<>(store, key, codec, from, to, speed);
  }

  /** Produces values as fast as the pipeline takes them (the default). */
  public Replay<T> asFastAsPossible() {
    return new Replay<>(store, key, codec, from, to, 0);
  }

  /** Values produced so far, over every run. */
  public long replayed() {
    return replayed.sum();
  }

  /** Stored values skipped because they did not decode. */
  public long skipped() {
    return skipped.sum();
  }

  @Override
  public void run(RuntimeContext ctx, Producer<T> out) throws Exception {
    Query q = Query.all().key(key).limit(PAGE);
    if (from != null || to != null) {
      q =
          q.betweenMicros(
              from == null ? Long.MIN_VALUE : Query.micros(from),
              to == null ? Long.MAX_VALUE : Query.micros(to));
    }
    long next = 0;
    // Only what was written when the replay began: replaying into a record that is itself
    // persisted under the same key must not chase its own appends.
    long last = store.writtenSequence();
    long firstMicros = Long.MIN_VALUE;
    long startNanos = 0;
    for (; ; ) {
      List<StoredEntry> page = store.query(q.fromSequence(next));
      for (StoredEntry e : page) {
        if (e.sequence() > last) {
          return;
        }
        next = e.sequence() + 1;
        T value;
        try {
          value = e.decode(codec);
        } catch (CodecException ex) {
          skipped.increment();
          skipLog.log(
              ctx.log(),
              System.Logger.Level.WARNING,
              "replay of '"
                  + key.id()
                  + "' skips sequence "
                  + e.sequence()
                  + " ("
                  + skipped.sum()
                  + " skipped so far): "
                  + ex.getMessage());
          continue;
        }
        if (speed > 0) {
          if (firstMicros == Long.MIN_VALUE) {
            firstMicros = e.timestampMicros();
            startNanos = ctx.nanoTime();
          } else {
            // a clock that went backwards replays at once; huge gaps saturate instead of wrapping
            double offsetNanos = Math.max(0, (e.timestampMicros() - firstMicros) * 1000.0 / speed);
            long offset =
                offsetNanos >= Long.MAX_VALUE / 2 ? Long.MAX_VALUE / 2 : (long) offsetNanos;
            ctx.sleepUntil(startNanos + offset);
          }
        }
        out.produce(value);
        replayed.increment();
      }
      if (page.size() < PAGE) {
        return;
      }
    }
  }

  @Override
  public String toString() {
    return "Replay["
        + key.id()
        + (from != null || to != null ? ", " + from + " .. " + to : "")
        + (speed > 0 ? ", pace x" + speed : ", fast")
        + "]";
  }
}
