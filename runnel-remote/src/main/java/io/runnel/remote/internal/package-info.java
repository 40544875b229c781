/**
 * The remote server's implementation (not exported; see {@code docs/REMOTE.md} for the protocol).
 *
 * <p>One class per concern: {@link io.runnel.remote.internal.ServerRuntime} (the running server,
 * admission, the timer and the slow-client reaper), {@link io.runnel.remote.internal.Session} (one
 * connection's protocol state, transport-agnostic), {@link io.runnel.remote.internal.Outbox} (its
 * bounded outbound side and writer thread), {@link io.runnel.remote.internal.Methods} (the
 * methods), {@link io.runnel.remote.internal.Writes} ({@code set} and the audit log), {@link
 * io.runnel.remote.internal.Subscription} with {@link io.runnel.remote.internal.LiveFeed} and
 * {@link io.runnel.remote.internal.HistoryFeed} (watches), {@link io.runnel.remote.internal.Tokens}
 * (authentication), {@link io.runnel.remote.internal.TokenBucket} (request rate), {@link
 * io.runnel.remote.internal.Schemas} (JSON Schemas), {@link io.runnel.remote.internal.History} /
 * {@link io.runnel.remote.internal.StoreHistory} (the optional store; only the latter touches
 * {@code runnel-store}), {@link io.runnel.remote.internal.WebSocketTransport} / {@link
 * io.runnel.remote.internal.WebSocketEndpoint} / {@link io.runnel.remote.internal.HttpRoutes}
 * (Jetty) and {@link io.runnel.remote.internal.UnixSocketTransport}.
 */
package io.runnel.remote.internal;
