package io.runnel.http;

import io.runnel.spi.ConnectorStatus;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the sync thread publishes about itself: written by the sync thread only (the loop, the
 * batcher and the sender it runs), read by any thread through {@link CloudSync#status()}.
 *
 * <p>Counters are updated before the cursor moves, so whoever sees the cursor move (for example
 * {@link CloudSync#awaitForwarded}) sees the counters of that batch too.
 */
final class SyncStatus {
  volatile boolean connected;
  volatile String lastError;

  /** The entry limit of new batches: the configured one, or less after a 413. */
  volatile int batchLimit;

  final AtomicLong retries = new AtomicLong();
  final AtomicLong sentEntries = new AtomicLong();
  final AtomicLong sentBatches = new AtomicLong();
  final AtomicLong sentBytes = new AtomicLong();
  final AtomicLong requests = new AtomicLong();
  final AtomicLong failedRequests = new AtomicLong();
  final AtomicLong timeouts = new AtomicLong();
  final AtomicLong rejected = new AtomicLong();
  final AtomicLong oversizeEntries = new AtomicLong();
  final AtomicLong undecodedEntries = new AtomicLong();

  SyncStatus(int batchLimit) {
    this.batchLimit = batchLimit;
  }

  ConnectorStatus snapshot(String name, String kind, long position, long backlog) {
    Map<String, Long> c = new LinkedHashMap<>();
    c.put("sentEntries", sentEntries.get());
    c.put("sentBatches", sentBatches.get());
    c.put("sentBytes", sentBytes.get());
    c.put("requests", requests.get());
    c.put("failedRequests", failedRequests.get());
    c.put("timeouts", timeouts.get());
    c.put("rejected", rejected.get());
    c.put("oversizeEntries", oversizeEntries.get());
    c.put("undecodedEntries", undecodedEntries.get());
    c.put("cursor", position);
    c.put("batchLimit", (long) batchLimit);
    return new ConnectorStatus(name, kind, connected, lastError, backlog, retries.get(), 0, c);
  }
}
