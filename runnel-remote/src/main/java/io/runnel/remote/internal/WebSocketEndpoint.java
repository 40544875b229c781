package io.runnel.remote.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.ExecutionException;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.exceptions.MessageTooLargeException;

/**
 * One WebSocket connection: Jetty's listener (its frames, in order, one at a time) and the {@link
 * Transport} of its {@link io.runnel.remote.internal.Session}. Public only because Jetty invokes a
 * listener's methods through method handles (the package is exported to Jetty alone).
 */
/** One WebSocket connection: Jetty's listener and the session's {@link Transport}. */
public final class WebSocketEndpoint implements Session.Listener.AutoDemanding, Transport {
  private final String remote;
  volatile io.runnel.remote.internal.Session session;
  volatile Principal principal;
  private volatile Session ws;
  private volatile boolean closing;

  private final ServerRuntime runtime;

  /** How long a closing connection may take to answer the close frame. */
  static final java.time.Duration CLOSE_GRACE = java.time.Duration.ofSeconds(2);

  WebSocketEndpoint(ServerRuntime runtime, String remote) {
    this.runtime = runtime;
    this.remote = remote;
  }

  /** Whether Jetty opened the connection (an upgrade can still fail after it was admitted). */
  volatile boolean opened;

  @Override
  public void onWebSocketOpen(Session ws) {
    this.ws = ws;
    opened = true;
    session.open(principal);
  }

  @Override
  public void onWebSocketText(String message) {
    session.onMessage(message);
  }

  @Override
  public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
    callback.succeed();
    session.onBinary();
  }

  @Override
  public void onWebSocketError(Throwable cause) {
    if (cause instanceof MessageTooLargeException) {
      runtime.rejected(Reason.MESSAGE_TOO_BIG, remote, cause.getMessage());
      runtime.counters().connectionsRejected.increment();
    }
  }

  @Override
  public void onWebSocketClose(int statusCode, String reason) {
    session.ended();
  }

  @Override
  public String kind() {
    return "websocket";
  }

  @Override
  public String remote() {
    return remote;
  }

  @Override
  public void send(String message) throws IOException {
    Session s = ws;
    if (s == null || !s.isOpen()) {
      throw new IOException("connection closed");
    }
    Callback.Completable done = new Callback.Completable();
    s.sendText(message, done);
    try {
      done.get();
    } catch (ExecutionException e) {
      throw new IOException("send failed: " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while sending");
    }
  }

  @Override
  public void close(Reason reason, String message) {
    Session s = ws;
    closing = true;
    if (s != null) {
      s.close(
          WebSocketTransport.closeCode(reason),
          WebSocketTransport.closeText(reason, message),
          Callback.NOOP);
      // a client that never answers the close frame must not keep its slot: hard close soon
      runtime.schedule(s::disconnect, CLOSE_GRACE);
    }
  }

  @Override
  public void abort() {
    Session s = ws;
    if (s != null && !closing) {
      s.disconnect();
    }
  }
}
