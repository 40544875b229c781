package io.runnel.remote.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The server's view of the history store. Only {@link StoreHistory} touches {@code runnel-store}
 * classes, and it is loaded only when a store is configured: a server without one runs with the
 * store's jar absent.
 */
interface History {

  /**
   * One history entry, decoded (migrated to the server's version where its codec is versioned).
   *
   * @param writtenVersion the version the entry was written in; 0 for an unversioned codec
   */
  record Entry(long seq, long timeMicros, Object value, int writtenVersion) {}

  /** Whether {@code key}'s values are persisted into the store. */
  boolean persisted(String key);

  /** Like {@link #persisted(String)}, given the record's hook counters from a snapshot. */
  boolean persisted(String key, java.util.Map<String, Long> hookCounters);

  /**
   * Entries of {@code key} with {@code seq >= fromSeq} and {@code fromMicros <= time < toMicros},
   * at most {@code limit}, decoded.
   *
   * @throws RpcException {@code internal} if the store cannot be read, {@code decode_failed}-like
   *     {@code internal} for a codec mismatch (the message names the key and both codec ids)
   */
  List<Entry> page(String key, long fromSeq, long fromMicros, long toMicros, int limit)
      throws RpcException;

  /** The store's durable sequence (every entry up to it is on stable storage); -1 if none. */
  long durableSequence();

  /** Waits up to {@code timeout} until {@code seq} is durable; false if it did not happen. */
  boolean awaitDurable(long seq, Duration timeout) throws InterruptedException;

  /**
   * The version of {@code key}'s type the server decodes history into: its codec's {@code
   * version()}, 0 for an unversioned codec.
   */
  int version(String key);

  /** The store's counters, as JSON. */
  JsonNode stats();

  static long micros(Instant t) {
    return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1000);
  }

  static Instant instant(long micros) {
    return Instant.ofEpochSecond(
        Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000L);
  }
}
