/**
 * The remote server: a running pipeline watched and driven from outside its JVM over JSON-RPC 2.0,
 * on a WebSocket ({@code /v1}, Jetty) and a Unix domain socket (see {@code docs/REMOTE.md}).
 *
 * <p>The history store is optional ({@code requires static}): without {@code runnel-store} on the
 * module path the server runs live-only (no {@code query}, no {@code watch ... since}).
 */
module io.runnel.remote {
  requires transitive io.runnel.core;
  requires transitive io.runnel.codec;
  requires static io.runnel.store;
  requires com.fasterxml.jackson.databind;
  requires com.fasterxml.jackson.datatype.jsr310;
  requires com.github.victools.jsonschema.generator;
  requires org.eclipse.jetty.server;
  requires org.eclipse.jetty.websocket.server;
  requires org.eclipse.jetty.websocket.api;

  exports io.runnel.remote;
  // Jetty calls the WebSocket listener (WebSocketEndpoint) through method handles
  exports io.runnel.remote.internal to
      org.eclipse.jetty.websocket.common;
  exports io.runnel.remote.internal.foxglove to
      org.eclipse.jetty.websocket.common;
}
