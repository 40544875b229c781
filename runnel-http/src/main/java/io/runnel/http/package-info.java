/**
 * Cloud sync over HTTP: store and forward of a {@link io.runnel.store.HistoryStore}'s persisted
 * history to an HTTP endpoint ({@link io.runnel.http.CloudSync}).
 *
 * <p>The contract in short: only durable entries are sent, in sequence order, in batches bounded by
 * entries and bytes; each batch is a JSON body POSTed with {@code Idempotency-Key: <node>-<first
 * sequence>} and re-sent byte for byte until a 2xx arrives; only then does the durable store cursor
 * move (and is persisted). Delivery is at least once, and exactly once for a receiver that
 * de-duplicates by the key. Failures (timeouts, resets, 5xx, 429, an unresolvable host) are retried
 * with capped exponential backoff and full jitter or the server's {@code Retry-After}; nothing is
 * dropped and nothing waits without a timeout. Each sync runs on its own thread and reports its
 * state through {@link io.runnel.spi.Connector#status()}.
 */
package io.runnel.http;
