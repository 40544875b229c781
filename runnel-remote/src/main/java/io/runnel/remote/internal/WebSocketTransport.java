package io.runnel.remote.internal;

import io.runnel.remote.internal.foxglove.FoxgloveServer;
import java.io.IOException;
import java.util.concurrent.Executors;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.websocket.api.StatusCode;
import org.eclipse.jetty.websocket.server.ServerUpgradeRequest;
import org.eclipse.jetty.websocket.server.ServerUpgradeResponse;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;

/**
 * The WebSocket listener: Jetty core (no servlets), one connector (TLS when configured), the
 * protocol at {@code /v1}, the Foxglove WebSocket protocol at {@code /foxglove} ({@link
 * FoxgloveServer}, unless disabled), and {@link HttpRoutes} behind it for plain HTTP routes. Jetty
 * runs its tasks on virtual threads; each connection's frames are delivered one at a time
 * (auto-demand), so a {@link io.runnel.remote.internal.Session} sees its messages in order on one
 * thread at a time.
 *
 * <p>Handler tree: {@code WebSocketUpgradeHandler(/v1, /foxglove)} → {@link HttpRoutes} (extra
 * endpoints, e.g. {@code /metrics}; later the dashboard's static assets) → Jetty's 404.
 */
final class WebSocketTransport {
  static final String PATH = "/v1";

  /** An open connection with no traffic at all is closed after this long. */

  /** The kernel send buffer of each accepted connection. */
  static final int SEND_BUFFER_BYTES = 64 * 1024;

  private final ServerRuntime runtime;
  private FoxgloveServer foxglove;
  private Server jetty;
  private ServerConnector connector;

  WebSocketTransport(ServerRuntime runtime) {
    this.runtime = runtime;
  }

  void start() throws Exception {
    ServerConfig c = runtime.config();
    QueuedThreadPool pool = new QueuedThreadPool(16, 2);
    pool.setName("runnel-remote-http");
    pool.setVirtualThreadsExecutor(Executors.newVirtualThreadPerTaskExecutor());
    jetty = new Server(pool);
    if (c.tls()) {
      SslContextFactory.Server ssl = new SslContextFactory.Server();
      ssl.setKeyStorePath(c.keyStore().toAbsolutePath().toString());
      ssl.setKeyStorePassword(c.keyStorePassword());
      connector = new ServerConnector(jetty, ssl);
    } else {
      connector = new ServerConnector(jetty);
    }
    // a bounded kernel buffer per connection: memory stays small, a client that stops reading is
    // noticed (its sends block) within sendTimeout rather than after megabytes of autotuned buffer
    connector.setAcceptedSendBufferSize(SEND_BUFFER_BYTES);
    connector.setHost(c.bindHost());
    connector.setPort(c.port());
    jetty.addConnector(connector);
    int max = c.limits().maxMessageBytes();
    if (c.foxglove()) {
      foxglove = new FoxgloveServer(new ProtocolHost(runtime));
    }
    WebSocketUpgradeHandler ws =
        WebSocketUpgradeHandler.from(
            jetty,
            container -> {
              container.setMaxTextMessageSize(max);
              container.setMaxBinaryMessageSize(max);
              container.setMaxFrameSize(max);
              container.setIdleTimeout(c.limits().idleTimeout());
              container.addMapping(PATH, this::upgrade);
              if (foxglove != null) {
                container.addMapping(FoxgloveServer.PATH, foxglove::upgrade);
              }
            });
    ws.setHandler(new HttpRoutes(runtime));
    jetty.setHandler(ws);
    try {
      jetty.start();
    } catch (Exception e) {
      stop();
      throw new IOException(
          "cannot listen on " + c.bindHost() + ":" + c.port() + ": " + e.getMessage(), e);
    }
  }

  int port() {
    return connector.getLocalPort();
  }

  String uri() {
    String host = runtime.config().bindHost();
    if (host.contains(":")) {
      host = "[" + host + "]";
    }
    return (runtime.config().tls() ? "wss://" : "ws://") + host + ":" + port() + PATH;
  }

  void stop() {
    if (foxglove != null) {
      foxglove.close();
    }
    Server j = jetty;
    if (j == null) {
      return;
    }
    try {
      j.setStopTimeout(2000);
      j.stop();
    } catch (Exception e) {
      ServerRuntime.LOG.log(System.Logger.Level.WARNING, "remote: stopping Jetty failed: " + e, e);
    }
  }

  /** An upgrade request: header token (optional), connection limit; 401 / 503 when refused. */
  private Object upgrade(
      ServerUpgradeRequest req, ServerUpgradeResponse resp, org.eclipse.jetty.util.Callback cb) {
    String remote = String.valueOf(req.getConnectionMetaData().getRemoteSocketAddress());
    Principal principal = null;
    String auth = req.getHeaders().get(HttpHeader.AUTHORIZATION);
    if (auth != null) {
      principal = HttpRoutes.bearer(runtime, auth);
      if (principal == null) {
        runtime.rejected(Reason.UNAUTHENTICATED, remote, "wrong token in the upgrade request");
        runtime.counters().connectionsRejected.increment();
        resp.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer");
        Response.writeError(req, resp, cb, 401, "wrong or malformed bearer token");
        return null;
      }
    }
    WebSocketEndpoint endpoint = new WebSocketEndpoint(runtime, remote);
    io.runnel.remote.internal.Session session = runtime.admit(endpoint);
    if (session == null) {
      Response.writeError(req, resp, cb, 503, "too many connections");
      return null;
    }
    endpoint.session = session;
    endpoint.principal = principal;
    // an admitted upgrade that Jetty never opens (a failed handshake) must not keep its slot
    runtime.schedule(
        () -> {
          if (!endpoint.opened) {
            session.ended();
          }
        },
        runtime.config().limits().authTimeout());
    return endpoint;
  }

  static int closeCode(Reason reason) {
    return switch (reason) {
      case UNAUTHENTICATED, AUTH_TIMEOUT, SLOW_CLIENT -> StatusCode.POLICY_VIOLATION;
      case MESSAGE_TOO_BIG -> StatusCode.MESSAGE_TOO_LARGE;
      case SHUTDOWN -> StatusCode.SHUTDOWN;
      case TOO_MANY_CONNECTIONS -> StatusCode.TRY_AGAIN_LATER;
      default -> StatusCode.POLICY_VIOLATION;
    };
  }

  /** The close frame's reason: the stable word first; at most 123 bytes (RFC 6455). */
  static String closeText(Reason reason, String message) {
    String t = reason.word() + ": " + message;
    byte[] b = t.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    if (b.length <= 123) {
      return t;
    }
    int n = 120;
    while (n > 0 && (b[n] & 0xC0) == 0x80) {
      n--;
    }
    return new String(b, 0, n, java.nio.charset.StandardCharsets.UTF_8) + "...";
  }
}
