package io.runnel.store;

import io.runnel.LaneSpec;
import io.runnel.RecordKey;
import io.runnel.codec.Codec;
import io.runnel.codec.RecordCodec;
import io.runnel.spi.Checks;
import io.runnel.spi.LogLimiter;
import io.runnel.spi.RecordHook;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Persists a record's values into a {@link HistoryStore}: attach it to the record on the builder.
 *
 * <pre>{@code
 * Runnel.builder()
 *     .configure(Reading.class, Key.INDOOR, r -> r
 *         .source(sensor)
 *         .hook(Persist.to(store, Reading.class).retention(Duration.ofDays(7)).restoreLast()))
 * }</pre>
 *
 * <p>Every value the record's writer produces is handed to the store before it enters the record's
 * buffer; the producer pays that hand-off (no encoding, no I/O), and the store's own thread writes.
 * When the store's queue is full the record's {@link OverflowPolicy} decides. Unless {@link
 * #overflow} sets one:
 *
 * <ul>
 *   <li>a record written on a <b>dedicated or cooperative lane</b> uses {@link
 *       OverflowPolicy#dropOldest()}: the producer never waits; the oldest unwritten value of a
 *       drop-oldest record (or, if there is none, the new value) is dropped from history, counted
 *       per record as {@code persist.dropped}; the pipeline itself loses nothing;
 *   <li>any other record uses the store's default, {@link OverflowPolicy#waitUpTo waitUpTo(100 ms)}
 *       ({@link StoreConfig#DEFAULT_WAIT}): it waits for room, then throws {@link
 *       StoreFullException} to the producer; the value is then neither persisted nor produced, and
 *       counted as {@code persist.rejected}.
 * </ul>
 *
 * <p>{@link OverflowPolicy#fail()} throws at once. The queue is full when either of its bounds is
 * reached, entries or bytes ({@link StoreConfig#queueBytes}: large values such as camera frames
 * reach it first); the counters {@code persist.rejectedOverBytes} and {@code
 * persist.droppedOverBytes} say how many of {@code rejected} and {@code dropped} the byte bound
 * caused.
 *
 * <p><b>A failing store degrades the history, never the pipeline.</b> When the store cannot take a
 * value for another reason than a full queue (it was closed, or its writer failed: disk full, I/O
 * error), the value is still produced into the record; only its history is lost. Each such value is
 * counted ({@code persist.failed}) and logged at WARNING, rate-limited (3 at once, then one a
 * minute). Only an explicit {@link OverflowPolicy#fail()} (set with {@link #overflow}, or the
 * store's default policy when the record takes it) passes every {@link StoreException} to the
 * producer: it asked to hear of every value not persisted.
 *
 * <p>{@link #restoreLast()} puts the newest stored value back into the record's buffer when the
 * pipeline starts, so a restarted device resumes with its last state (a value written by a changed
 * type is reported as a warning and the record starts empty). It is meant for state held in a
 * {@code latest} buffer: on a ring or mailbox, readers see the restored value as a new one (a
 * command would run again). {@link #retention} keeps this record's values at least that long (see
 * {@link HistoryStore#retain}).
 *
 * <p>Configuration follows the project's builder style: {@link #overflow}, {@link #retention} and
 * {@link #restoreLast} return a new {@code Persist} and leave the receiver unchanged, so a
 * configured {@code Persist} can serve as a template. Attached, a {@code Persist} belongs to one
 * record (attaching the same instance twice is a build error). The store is the caller's: close it
 * after the pipeline.
 *
 * @param <T> the record's type
 */
public final class Persist<T> implements RecordHook<T> {

  private final HistoryStore store;
  private final Codec<T> codec;
  private final OverflowPolicy overflow;
  private final boolean restoreLast;
  private final boolean retentionSet;
  private final Duration retention;
  private volatile HistoryStore.Appender<T> appender;
  private final LongAdder appended = new LongAdder();
  private final LongAdder rejected = new LongAdder();
  private final LongAdder rejectedOverBytes = new LongAdder();
  private final LongAdder failed = new LongAdder();

  /** A failed or closed store is logged 3 times at once, then once a minute. */
  private final LogLimiter failureLog = new LogLimiter(3, Duration.ofMinutes(1));

  private Persist(
      HistoryStore store,
      Codec<T> codec,
      OverflowPolicy overflow,
      boolean restoreLast,
      boolean retentionSet,
      Duration retention) {
    this.store = Checks.notNull("store", store);
    this.codec = Checks.notNull("codec", codec);
    this.overflow = overflow;
    this.restoreLast = restoreLast;
    this.retentionSet = retentionSet;
    this.retention = retention;
  }

  /** Persists with {@code codec}. */
  public static <T> Persist<T> to(HistoryStore store, Codec<T> codec) {
    return new Persist<>(store, codec, null, false, false, null);
  }

  /** Persists a Java record type with its derived binary codec ({@link RecordCodec}). */
  public static <R extends Record> Persist<R> to(HistoryStore store, Class<R> type) {
    return to(store, Codec.forRecord(Checks.notNull("type", type)));
  }

  /**
   * A copy that does {@code policy} when the store's queue is full (default: see the class
   * documentation).
   */
  public Persist<T> overflow(OverflowPolicy policy) {
    Checks.notNull("policy", policy);
    return new Persist<>(store, codec, policy, restoreLast, retentionSet, retention);
  }

  /** A copy that keeps this record's values at least {@code maxAge} ({@code null}: forever). */
  public Persist<T> retention(Duration maxAge) {
    if (maxAge != null) {
      Checks.positive("retention", maxAge);
    }
    return new Persist<>(store, codec, overflow, restoreLast, true, maxAge);
  }

  /** A copy that, on start, restores the newest stored value into the record's buffer. */
  public Persist<T> restoreLast() {
    return new Persist<>(store, codec, overflow, true, retentionSet, retention);
  }

  /** The codec values are stored with. */
  public Codec<T> codec() {
    return codec;
  }

  @Override
  public String name() {
    return "persist";
  }

  @Override
  public synchronized void attach(RecordKey key, Class<?> type, LaneSpec writerLane) {
    if (appender != null) {
      throw new IllegalStateException(
          "this Persist is already attached to '"
              + appender.key().id()
              + "'; create one per record");
    }
    Codec.requireUsable(codec); // a broken version chain: listed with the graph's problems
    HistoryStore.Appender<T> a = store.appender(key, codec);
    OverflowPolicy policy = overflow;
    if (policy == null
        && (writerLane.kind() == LaneSpec.Kind.DEDICATED
            || writerLane.kind() == LaneSpec.Kind.COOPERATIVE)) {
      policy = OverflowPolicy.dropOldest(); // never make a hard loop (or a whole lane) wait
    }
    if (policy != null) {
      a = a.withPolicy(policy);
    }
    if (retentionSet) {
      store.retain(key, retention);
    }
    appender = a;
  }

  @Override
  public T restore() throws Exception {
    HistoryStore.Appender<T> a = appender;
    if (!restoreLast || a == null) {
      return null;
    }
    List<StoredEntry> last = store.latest(a.key(), 1);
    return last.isEmpty() ? null : last.get(0).decode(codec);
  }

  @Override
  public void produced(T value) {
    HistoryStore.Appender<T> a = appender;
    try {
      a.append(value);
    } catch (StoreFullException e) {
      rejected.increment(); // fail() or waitUpTo: the producer is told, as documented
      if (e.overBytes()) {
        rejectedOverBytes.increment();
      }
      throw e;
    } catch (StoreException e) {
      failed.increment();
      if (a.policy() instanceof OverflowPolicy.Fail) {
        throw e;
      }
      failureLog.log(
          HistoryStore.LOG,
          System.Logger.Level.WARNING,
          "history: a value of '"
              + a.key().id()
              + "' was produced but not persisted ("
              + failed.sum()
              + " so far, counted as persist.failed): "
              + e.getMessage()
              + ". The record goes on without history; reopen the store to persist again",
          e.getCause());
      return;
    }
    appended.increment();
  }

  @Override
  public Map<String, Long> counters() {
    HistoryStore.Appender<T> a = appender;
    long dropped = a == null ? 0 : store.droppedFor(a.key());
    long droppedOverBytes = a == null ? 0 : store.droppedOverBytesFor(a.key());
    return Map.of(
        "appended",
        appended.sum(),
        "rejected",
        rejected.sum(),
        "rejectedOverBytes",
        rejectedOverBytes.sum(),
        "dropped",
        dropped,
        "droppedOverBytes",
        droppedOverBytes,
        "failed",
        failed.sum());
  }

  @Override
  public String toString() {
    HistoryStore.Appender<T> a = appender;
    return "Persist[" + (a == null ? "unattached" : a.key().id()) + ", " + codec.schema() + "]";
  }
}
