package io.runnel.store;

import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Objects;

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

  private final Path directory;
  private final Durability durability;
  private final OverflowPolicy overflow;
  private final int queueCapacity;
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

  /** Builder; every setting has a default. */
  public static final class Builder {
    private final Path directory;
    private Durability durability = Durability.everyBatch();
    private OverflowPolicy overflow = OverflowPolicy.waitUpTo(DEFAULT_WAIT);
    private int queueCapacity = 8192;
    private long segmentBytes = 64L << 20;
    private int indexInterval = 64;
    private Retention retention = Retention.keepAll();
    private Duration retentionCheckInterval = Duration.ofSeconds(10);
    private InstantSource clock = InstantSource.system();

    private Builder(Path directory) {
      this.directory = Objects.requireNonNull(directory, "directory");
    }

    /** When to fsync; default {@link Durability#everyBatch()} (group commit). */
    public Builder durability(Durability durability) {
      this.durability = Objects.requireNonNull(durability, "durability");
      return this;
    }

    /**
     * The default overflow policy of {@link HistoryStore#append}; default wait 100 ms, then fail.
     */
    public Builder overflow(OverflowPolicy overflow) {
      this.overflow = Objects.requireNonNull(overflow, "overflow");
      return this;
    }

    /** Entries the hand-off queue holds; rounded up to a power of two; default 8192. */
    public Builder queueCapacity(int capacity) {
      if (capacity < 1 || capacity > (1 << 24)) {
        throw new IllegalArgumentException("queue capacity must be 1..2^24: " + capacity);
      }
      this.queueCapacity = capacity;
      return this;
    }

    /** Size at which a segment is sealed and a new one started; default 64 MiB, minimum 4 KiB. */
    public Builder segmentBytes(long bytes) {
      if (bytes < 4096) {
        throw new IllegalArgumentException("segment size must be at least 4096 bytes: " + bytes);
      }
      this.segmentBytes = bytes;
      return this;
    }

    /** Every how many entries the sparse index keeps an offset; default 64. */
    public Builder indexInterval(int entries) {
      if (entries < 1) {
        throw new IllegalArgumentException("index interval must be positive: " + entries);
      }
      this.indexInterval = entries;
      return this;
    }

    /** Which segments to delete; default keep all. */
    public Builder retention(Retention retention) {
      this.retention = Objects.requireNonNull(retention, "retention");
      return this;
    }

    /** How often the writer thread applies retention; default 10 s (and at every segment roll). */
    public Builder retentionCheckInterval(Duration interval) {
      if (interval.isNegative() || interval.isZero()) {
        throw new IllegalArgumentException("retention check interval must be positive");
      }
      this.retentionCheckInterval = interval;
      return this;
    }

    /** The wall clock that timestamps appends and ages segments; default the system clock. */
    public Builder clock(InstantSource clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    public StoreConfig build() {
      return new StoreConfig(this);
    }
  }
}
