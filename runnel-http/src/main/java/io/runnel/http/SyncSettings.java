package io.runnel.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.runnel.codec.Codec;
import io.runnel.store.HistoryStore;
import io.runnel.store.KeySelector;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;

/**
 * The validated, immutable configuration of one {@link CloudSync}, made by {@link
 * CloudSync.Builder#build()}. Read by every thread of the sync, written by none.
 *
 * @param cursorName the resolved name of the durable cursor (the connector's name by default); the
 *     {@link io.runnel.store.HistoryReader} keeps the bounds of sent batches in {@code
 *     <cursorName>.sent}
 * @param keys the keys to send ({@link KeySelector#all()} by default)
 * @param credentialHeaders names of the headers marked as credentials with {@link
 *     CloudSync.Builder#credentialHeader} (others may still count as credentials by their name, see
 *     {@link PlaintextCredentials})
 * @param allowPlaintextCredentials whether credentials may go over plain http off loopback
 * @param sslContext null for the JVM's default
 */
record SyncSettings(
    String name,
    HistoryStore store,
    URI endpoint,
    String nodeId,
    String cursorName,
    KeySelector keys,
    Map<Long, Codec<?>> codecs,
    ObjectMapper mapper,
    int maxBatchEntries,
    long maxBatchBytes,
    Duration connectTimeout,
    Duration requestTimeout,
    Duration minBackoff,
    Duration maxBackoff,
    Duration maxRetryAfter,
    Duration closeTimeout,
    Map<String, Supplier<String>> headers,
    Set<String> credentialHeaders,
    boolean allowPlaintextCredentials,
    SSLContext sslContext) {

  SyncSettings {
    keys = java.util.Objects.requireNonNull(keys, "keys");
    codecs = Map.copyOf(codecs);
    headers = Map.copyOf(headers);
    credentialHeaders = Set.copyOf(credentialHeaders);
  }

  /** The credential headers that travel in clear text (plain http); empty over https. */
  List<String> plaintextCredentials() {
    return PlaintextCredentials.exposed(endpoint, headers.keySet(), credentialHeaders);
  }
}
