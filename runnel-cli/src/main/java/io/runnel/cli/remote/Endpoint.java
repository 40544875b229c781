package io.runnel.cli.remote;

import java.net.URI;
import java.nio.file.Path;
import java.util.Objects;
import javax.net.ssl.SSLContext;

/**
 * Where a Runnel remote server listens: a WebSocket URL ({@code ws://127.0.0.1:7421/v1}, or {@code
 * wss://} with TLS) or a Unix domain socket file.
 *
 * @param url the WebSocket URL, or null for a Unix socket
 * @param socket the socket file, or null for a WebSocket
 * @param ssl the TLS context for {@code wss://} (null: the JDK's default trust store)
 */
public record Endpoint(URI url, Path socket, SSLContext ssl) {

  public Endpoint {
    if ((url == null) == (socket == null)) {
      throw new IllegalArgumentException("an endpoint is either a URL or a socket file");
    }
    if (url != null) {
      String scheme = url.getScheme();
      if (!"ws".equalsIgnoreCase(scheme) && !"wss".equalsIgnoreCase(scheme)) {
        throw new IllegalArgumentException("not a WebSocket URL (ws:// or wss://): " + url);
      }
    }
  }

  /** A WebSocket endpoint. */
  public static Endpoint webSocket(URI url) {
    return new Endpoint(Objects.requireNonNull(url, "url"), null, null);
  }

  /** A Unix domain socket endpoint. */
  public static Endpoint unixSocket(Path socket) {
    return new Endpoint(null, Objects.requireNonNull(socket, "socket"), null);
  }

  /** The same endpoint with a TLS context for {@code wss://}. */
  public Endpoint withSsl(SSLContext context) {
    return new Endpoint(url, socket, context);
  }

  Transport open(Transport.Receiver receiver, java.time.Duration timeout, int maxMessageBytes)
      throws RemoteException {
    return url != null
        ? WebSocketTransport.open(url, ssl, receiver, timeout, maxMessageBytes)
        : UnixSocketTransport.open(socket, receiver, timeout, maxMessageBytes);
  }

  @Override
  public String toString() {
    return url != null ? url.toString() : "unix:" + socket;
  }
}
