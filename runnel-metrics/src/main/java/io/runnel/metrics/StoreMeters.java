package io.runnel.metrics;

import io.micrometer.core.instrument.Tags;
import io.runnel.store.HistoryStore;
import io.runnel.store.StoreStats;
import java.util.function.ToDoubleFunction;

/**
 * A store's meters, from one {@link StoreStats} per refresh, tagged {@code store=<directory>}.
 *
 * <p>This is the only class of the module that names the store's types: it is loaded only when a
 * store was given, so the module runs without runnel-store on the class path
 * (StorelessClassPathTest).
 */
final class StoreMeters implements MeterSource {
  private final HistoryStore store;
  private final String name;
  private volatile StoreStats stats;

  StoreMeters(HistoryStore store) {
    this.store = store;
    this.name = store.directory().toString();
  }

  @Override
  public void refresh() {
    stats = store.stats();
  }

  @Override
  public Object shape() {
    return name;
  }

  @Override
  public void specs(SpecList out) {
    Tags t = Tags.of("store", name);
    out.counter(
            "runnel.store.appended",
            "Values accepted into the hand-off queue",
            t,
            s(StoreStats::appended))
        .counter(
            "runnel.store.appends.waited",
            "Appends that found the queue full and waited (policy wait)",
            t,
            s(StoreStats::waited))
        .counter(
            "runnel.store.appends.wait.timeouts",
            "Appends that waited and gave up (StoreFullException)",
            t,
            s(StoreStats::waitTimeouts))
        .counter(
            "runnel.store.dropped.oldest",
            "Queued values dropped to make room (policy drop-oldest)",
            t,
            s(StoreStats::droppedOldest))
        .counter(
            "runnel.store.rejected",
            "Appends refused at once (policy fail)",
            t,
            s(StoreStats::rejected))
        .gauge("runnel.store.queued", "Values in the hand-off queue now", t, s(StoreStats::queued))
        .counter(
            "runnel.store.written",
            "Entries written to segment files by this process",
            t,
            s(StoreStats::written))
        .counter(
            "runnel.store.encode.failures",
            "Values the writer could not encode (their sequence is a gap)",
            t,
            s(StoreStats::encodeFailures))
        .counter(
            "runnel.store.batches",
            "Batches the writer took from the queue",
            t,
            s(StoreStats::batches))
        .counter("runnel.store.fsyncs", "Forces of segment files", t, s(StoreStats::fsyncs))
        .gauge(
            "runnel.store.sequence.written",
            "Highest sequence handed to the OS",
            t,
            s(StoreStats::writtenSequence))
        .gauge(
            "runnel.store.sequence.durable",
            "Highest sequence known to be on stable storage (-1: none)",
            t,
            s(StoreStats::durableSequence))
        .gauge("runnel.store.segments", "Segment files", t, s(StoreStats::segments))
        .gauge("runnel.store.size", "bytes", "Bytes in segment files", t, s(StoreStats::totalBytes))
        .gauge(
            "runnel.store.damaged.regions",
            "Damaged byte ranges found inside segments on open",
            t,
            s(StoreStats::damagedRegions))
        .gauge(
            "runnel.store.damaged",
            "bytes",
            "Bytes in damaged ranges found on open",
            t,
            s(StoreStats::damagedBytes))
        .gauge(
            "runnel.store.torn.tail",
            "bytes",
            "Bytes cut from the tail of the last segment on open",
            t,
            s(StoreStats::tornTailBytes))
        .counter(
            "runnel.store.segments.deleted",
            "Segments deleted by retention",
            t,
            s(StoreStats::segmentsDeleted))
        .counter(
            "runnel.store.cursor.overruns",
            "Segments deleted by the size limit although a cursor had not passed them",
            t,
            s(StoreStats::cursorOverruns));
  }

  private java.util.function.DoubleSupplier s(ToDoubleFunction<StoreStats> f) {
    return () -> {
      StoreStats st = stats;
      return st == null ? Double.NaN : f.applyAsDouble(st);
    };
  }
}
