package io.runnel.metrics;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.runnel.Runnel;
import io.runnel.spi.Checks;
import io.runnel.spi.Durations;
import io.runnel.spi.LogLimiter;
import io.runnel.store.HistoryStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.DoubleSupplier;

/**
 * A pipeline's records, tasks, lanes and connectors, and optionally a history store, as Micrometer
 * meters (see the module's README for every name and tag).
 *
 * <pre>{@code
 * MeterRegistry registry = ...;
 * RunnelMetrics.builder(runnel).store(store).tags(Tags.of("pipeline", "gateway")).build()
 *     .bindTo(registry);
 * }</pre>
 *
 * <p><b>One snapshot per scrape.</b> Meters never call {@link Runnel#inspect()} themselves: they
 * read the last snapshot, and the first meter read after the snapshot has grown older than {@link
 * Builder#maxSnapshotAge} (default {@value #DEFAULT_MAX_SNAPSHOT_AGE_MILLIS} ms) takes a new one
 * (one {@code inspect()}, one {@code stats()} per store). A registry that reads all meters within
 * that age, as a Prometheus scrape does, therefore sees one consistent snapshot. {@link #refresh()}
 * takes one now ({@link PrometheusScrape} does so before each scrape).
 *
 * <p><b>Meters follow the pipeline.</b> Each refresh compares what exists (record keys, hook
 * counter names, task ids, lanes, connectors and their counter names, whether a task's tickers
 * fired yet) with what it saw before; when that changed, the meters of every registry this binder
 * is bound to are brought in line: new ones registered, those of things that are gone removed.
 * Records or tasks added at run time thus appear at the next refresh.
 *
 * <p>A snapshot that fails (it should not) is logged rate-limited and counted ({@code
 * runnel.metrics.snapshot.failures}); the meters keep the previous values. Thread-safe.
 */
public final class RunnelMetrics implements MeterBinder {
  /** The default {@link Builder#maxSnapshotAge}, in milliseconds. */
  public static final long DEFAULT_MAX_SNAPSHOT_AGE_MILLIS = 1000;

  private static final System.Logger LOG = System.getLogger(RunnelMetrics.class.getName());

  private final GraphMeters graph;
  private final List<MeterSource> sources;
  private final Tags tags;
  private final long maxAgeNanos;
  private final LogLimiter logLimiter = new LogLimiter(3, Duration.ofMinutes(1));
  private final AtomicLong failures = new AtomicLong();

  private final Object refreshLock = new Object();
  private volatile long refreshedAtNanos;
  private volatile boolean refreshed;

  /** Guarded by {@link #refreshLock}: the shape the current specs were made for. */
  private Object shape;

  private volatile List<MeterSpec> specs = List.of();
  private final List<Bound> bound = new CopyOnWriteArrayList<>();

  private RunnelMetrics(Builder b) {
    this.graph = new GraphMeters(b.runnel);
    List<MeterSource> s = new ArrayList<>();
    s.add(graph);
    s.addAll(b.stores);
    this.sources = List.copyOf(s);
    this.tags = b.tags;
    this.maxAgeNanos = b.maxAgeNanos;
  }

  /** A binding of {@code runnel}'s meters with the defaults. */
  public static RunnelMetrics of(Runnel runnel) {
    return builder(runnel).build();
  }

  /** A builder for a binding of {@code runnel}'s meters. */
  public static Builder builder(Runnel runnel) {
    return new Builder(runnel);
  }

  /**
   * Registers the meters of the current snapshot in {@code registry} (and later ones, see above).
   */
  @Override
  public void bindTo(MeterRegistry registry) {
    Objects.requireNonNull(registry, "registry");
    refresh();
    synchronized (refreshLock) {
      for (Bound b : bound) {
        if (b.registry == registry) {
          return; // bound already: its meters follow the pipeline
        }
      }
      Bound b = new Bound(registry);
      b.reconcile(specs);
      bound.add(b);
    }
  }

  /**
   * Takes a new snapshot now and brings the meters in line with it. Meters call this themselves
   * when their snapshot is stale; call it to read values that are fresher than the maximum age.
   */
  public void refresh() {
    synchronized (refreshLock) {
      takeSnapshot();
    }
  }

  /** Pipeline snapshots ({@link Runnel#inspect()}) taken so far by this binding. */
  public long snapshots() {
    return graph.snapshots();
  }

  /** What a meter reads: refreshes first if the snapshot is older than the maximum age. */
  double read(DoubleSupplier value) {
    if (!refreshed || System.nanoTime() - refreshedAtNanos > maxAgeNanos) {
      synchronized (refreshLock) {
        if (!refreshed || System.nanoTime() - refreshedAtNanos > maxAgeNanos) {
          takeSnapshot();
        }
      }
    }
    return value.getAsDouble();
  }

  /** Under {@link #refreshLock}. */
  private void takeSnapshot() {
    try {
      for (MeterSource s : sources) {
        s.refresh();
      }
    } catch (RuntimeException e) {
      failures.incrementAndGet();
      logLimiter.log(
          LOG,
          System.Logger.Level.WARNING,
          "runnel-metrics: could not take a snapshot; the meters keep their previous values",
          e);
      if (!refreshed) {
        throw e; // nothing to show yet: a first snapshot must work (bindTo reports it)
      }
      refreshedAtNanos = System.nanoTime(); // not again for every meter of this scrape
      return;
    }
    refreshedAtNanos = System.nanoTime();
    refreshed = true;
    List<Object> now = new ArrayList<>(sources.size());
    for (MeterSource s : sources) {
      now.add(s.shape());
    }
    if (!now.equals(shape)) {
      shape = now;
      SpecList out = new SpecList(tags);
      out.counter(
          "runnel.metrics.snapshot.failures",
          "Snapshots the metrics binding could not take (logged)",
          Tags.empty(),
          failures::get);
      for (MeterSource s : sources) {
        s.specs(out);
      }
      specs = List.copyOf(out.list());
      for (Bound b : bound) {
        b.reconcile(specs);
      }
    }
  }

  /** One registry this binding is bound to, with the meters it registered there. */
  private final class Bound {
    final MeterRegistry registry;
    final Map<String, Meter> meters = new HashMap<>();

    Bound(MeterRegistry registry) {
      this.registry = registry;
    }

    void reconcile(List<MeterSpec> wanted) {
      Set<String> ids = new HashSet<>();
      for (MeterSpec spec : wanted) {
        String id = spec.identity();
        ids.add(id);
        if (!meters.containsKey(id)) {
          meters.put(id, spec.register(registry, RunnelMetrics.this));
        }
      }
      meters
          .entrySet()
          .removeIf(
              e -> {
                if (ids.contains(e.getKey())) {
                  return false;
                }
                registry.remove(e.getValue());
                return true;
              });
    }
  }

  /** Configures a {@link RunnelMetrics}. */
  public static final class Builder {
    private final Runnel runnel;
    private final List<MeterSource> stores = new ArrayList<>();
    private Tags tags = Tags.empty();
    private long maxAgeNanos = Duration.ofMillis(DEFAULT_MAX_SNAPSHOT_AGE_MILLIS).toNanos();

    private Builder(Runnel runnel) {
      this.runnel = Objects.requireNonNull(runnel, "runnel");
    }

    /**
     * Also measures {@code store} (its {@code StoreStats}), tagged {@code store=<directory>}. Needs
     * runnel-store on the class path; nothing else in this module does.
     */
    @SuppressWarnings("exports") // the store is optional (requires static), as in runnel-mqtt
    public Builder store(HistoryStore store) {
      stores.add(new StoreMeters(Objects.requireNonNull(store, "store")));
      return this;
    }

    /**
     * Tags added to every meter, e.g. {@code pipeline=gateway} when one registry serves several.
     */
    public Builder tags(Iterable<Tag> tags) {
      this.tags = this.tags.and(Objects.requireNonNull(tags, "tags"));
      return this;
    }

    /**
     * How old a snapshot may be before the next meter read takes a new one (default {@value
     * RunnelMetrics#DEFAULT_MAX_SNAPSHOT_AGE_MILLIS} ms). Keep it below the scrape interval and
     * above the time a scrape takes.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder maxSnapshotAge(Duration age) {
      this.maxAgeNanos = Durations.saturatedNanos(Checks.positive("maxSnapshotAge", age));
      return this;
    }

    /** The binding; bind it to a registry with {@link RunnelMetrics#bindTo}. */
    public RunnelMetrics build() {
      return new RunnelMetrics(this);
    }
  }
}
