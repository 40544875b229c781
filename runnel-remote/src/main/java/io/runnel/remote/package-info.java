/**
 * The remote server: a running pipeline watched and driven from outside its JVM.
 *
 * <p>{@link io.runnel.remote.RemoteServer} serves JSON-RPC 2.0 (protocol version 1, see {@code
 * docs/REMOTE.md}) on a WebSocket ({@code /v1}, Jetty) and on a Unix domain socket (one JSON
 * message per line): {@code hello} with a token, {@code records} (with JSON Schemas), {@code get},
 * {@code graph}, {@code inspect}, {@code stats}, {@code watch}/{@code unwatch} with exact missed
 * counts, {@code query} and {@code watch ... since} over a history store, and {@code set} for
 * allow-listed {@code external()} records. {@link io.runnel.remote.ClientToken} and {@link
 * io.runnel.remote.Role} are the credentials; {@link io.runnel.remote.RemoteStats} the server's
 * counters.
 *
 * <p>Values are rendered and {@code set} values decoded by Jackson: in a named module, open the
 * packages of the record types to {@code com.fasterxml.jackson.databind}.
 *
 * <p>Everything else lives in {@code io.runnel.remote.internal}, exported only to Jetty (which
 * calls the WebSocket listener through method handles).
 */
package io.runnel.remote;
