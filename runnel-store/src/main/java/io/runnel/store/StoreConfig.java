package io.runnel.store;

import io.runnel.spi.Checks;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;

/**
 * How a {@link HistoryStore} is set up. Immutable; build with {@link #builder(Path)}:
 *
 * <pre>{@code
 * StoreConfig config = StoreConfig.builder(Path.of("/var/lib/robot/history"))
 *     .durability(Durability.everyBatch())
 *     .retention(new Retention(Duration.ofDays(7), 2L << 30))
 *     .build();
 * }</pre>
 */
public final class StoreConfig {

  /** The default overflow wait: 100 ms, then {@link StoreFullException}. */
  public static final Duration DEFAULT_WAIT = Duration.ofMillis(100);

  /** The default byte bound of the hand-off queue: 64 MiB. */
  public static final long DEFAULT_QUEUE_BYTES = 64L << 20;

  private final Path directory;
  private final Durability durability;
  private final OverflowPolicy overflow;
  private final int queueCapacity;
  private final long queueBytes;
  private final long segmentBytes;
  private final int indexInterval;
  private final Retention retention;
  private final Duration retentionCheckInterval;
  private final InstantSource clock;

  private StoreConfig(Builder b) {
    this.directory = b.directory;
    this.durability = b.durability;
    this.overflow = b.overflow;
    this.queueCapacity = b.queueCapacity;
    this.queueBytes = b.queueBytes;
    this.segmentBytes = b.segmentBytes;
    this.indexInterval = b.indexInterval;
    this.retention = b.retention;
    this.retentionCheckInterval = b.retentionCheckInterval;
    this.clock = b.clock;
  }

  public static Builder builder(Path directory) {
    return new Builder(directory);
  }

  public Path directory() {
    return directory;
  }

  public Durability durability() {
    return durability;
  }

  public OverflowPolicy overflow() {
    return overflow;
  }

  public int queueCapacity() {
    return queueCapacity;
  }

  /** The hand-off queue's byte bound; see {@link Builder#queueBytes(long)}. */
  public long queueBytes() {
    return queueBytes;
  }

  public long segmentBytes() {
    return segmentBytes;
  }

  public int indexInterval() {
    return indexInterval;
  }

  public Retention retention() {
    return retention;
  }

  public Duration retentionCheckInterval() {
    return retentionCheckInterval;
  }

  public InstantSource clock() {
    return clock;
  }

  /**
   * Builder; every setting has a default. Immutable: every option returns a new builder and leaves
   * the receiver unchanged, so a partly configured builder can serve as a template.
   */
  public static final class Builder {
    private final Path directory;
    private Durability durability = Durability.everyBatch();
    private OverflowPolicy overflow = OverflowPolicy.waitUpTo(DEFAULT_WAIT);
    private int queueCapacity = 8192;
    private long queueBytes = DEFAULT_QUEUE_BYTES;
    private long segmentBytes = 64L << 20;
    private int indexInterval = 64;
    private Retention retention = Retention.keepAll();
    private Duration retentionCheckInterval = Duration.ofSeconds(10);
    private InstantSource clock = InstantSource.system();

    private Builder(Path directory) {
      this.directory = Checks.notNull("directory", directory);
    }

    private Builder(Builder o) {
      this.directory = o.directory;
      this.durability = o.durability;
      this.overflow = o.overflow;
      this.queueCapacity = o.queueCapacity;
      this.queueBytes = o.queueBytes;
      this.segmentBytes = o.segmentBytes;
      this.indexInterval = o.indexInterval;
      this.retention = o.retention;
      this.retentionCheckInterval = o.retentionCheckInterval;
      this.clock = o.clock;
    }

    /** When to fsync; default {@link Durability#everyBatch()} (group commit). */
    public Builder durability(Durability durability) {
      Builder b = new Builder(this);
      b.durability = Checks.notNull("durability", durability);
      return b;
    }

    /**
     * The default overflow policy of {@link HistoryStore#append}; default wait 100 ms, then fail.
     */
    public Builder overflow(OverflowPolicy overflow) {
      Builder b = new Builder(this);
      b.overflow = Checks.notNull("overflow", overflow);
      return b;
    }

    /**
     * Entries the hand-off queue holds; rounded up to a power of two; default 8192, at most 2^24.
     * The queue is bounded in bytes too ({@link #queueBytes}): whichever bound is reached first
     * makes it full.
     */
    public Builder queueCapacity(int capacity) {
      Checks.positive("queueCapacity", capacity);
      Checks.notAbove("queueCapacity", capacity, "2^24", 1 << 24);
      Builder b = new Builder(this);
      b.queueCapacity = capacity;
      return b;
    }

    /**
     * Bytes the hand-off queue holds at most (default 64 MiB, at least 64 KiB): values are queued
     * unencoded, so this bounds the memory that large values (camera frames, blobs) can pin while
     * the writer is behind. Each queued value accounts for its codec's size estimate ({@link
     * io.runnel.codec.Codec#sizeHint}, taken on the producer's thread: exact for {@code byte[]}, an
     * upper bound for {@link io.runnel.codec.RecordCodec} but for non-ASCII text, nothing for a
     * codec that cannot tell, such as {@code JsonCodec}) plus 64 bytes of bookkeeping. When a value
     * would pass the bound the overflow policy acts as for a full queue of entries; each such
     * outcome is also counted on its own ({@code ...OverBytes} in {@link StoreStats}). A value
     * larger than the whole bound is refused at once (dropped under drop-oldest): keep the bound
     * above the largest value (the store takes entries up to 16 MiB).
     */
    public Builder queueBytes(long bytes) {
      Checks.atLeast("queueBytes", bytes, 64 << 10);
      Builder b = new Builder(this);
      b.queueBytes = bytes;
      return b;
    }

    /** Size at which a segment is sealed and a new one started; default 64 MiB, minimum 4 KiB. */
    public Builder segmentBytes(long bytes) {
      Checks.atLeast("segmentBytes", bytes, 4096);
      Builder b = new Builder(this);
      b.segmentBytes = bytes;
      return b;
    }

    /** Every how many entries the sparse index keeps an offset; default 64. */
    public Builder indexInterval(int entries) {
      Builder b = new Builder(this);
      b.indexInterval = Checks.positive("indexInterval", entries);
      return b;
    }

    /** Which segments to delete; default keep all. */
    public Builder retention(Retention retention) {
      Builder b = new Builder(this);
      b.retention = Checks.notNull("retention", retention);
      return b;
    }

    /** How often the writer thread applies retention; default 10 s (and at every segment roll). */
    public Builder retentionCheckInterval(Duration interval) {
      Builder b = new Builder(this);
      b.retentionCheckInterval = Checks.positive("retentionCheckInterval", interval);
      return b;
    }

    /** The wall clock that timestamps appends and ages segments; default the system clock. */
    public Builder clock(InstantSource clock) {
      Builder b = new Builder(this);
      b.clock = Checks.notNull("clock", clock);
      return b;
    }

    public StoreConfig build() {
      return new StoreConfig(this);
    }
  }
}
