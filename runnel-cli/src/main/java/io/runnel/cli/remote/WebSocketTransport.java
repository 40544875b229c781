package io.runnel.cli.remote;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;

/**
 * The WebSocket framing, on the JDK's {@link java.net.http.WebSocket}: one JSON message per text
 * frame (fragments are joined). Messages are requested one at a time, so a receiver that blocks
 * holds back reading (and the server, whose watch queues then overflow, reports the values this
 * client missed).
 */
final class WebSocketTransport implements Transport {

  private final HttpClient http;
  private final WebSocket socket;
  private final Listener listener;
  private volatile Thread keepAlive;

  private WebSocketTransport(HttpClient http, WebSocket socket, Listener listener) {
    this.http = http;
    this.socket = socket;
    this.listener = listener;
  }

  static WebSocketTransport open(
      URI url, SSLContext ssl, Receiver receiver, Duration timeout, int maxMessageBytes)
      throws RemoteException {
    HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(timeout);
    if (ssl != null) {
      b.sslContext(ssl);
    }
    HttpClient http = b.build();
    Listener listener = new Listener(receiver, maxMessageBytes);
    try {
      WebSocket ws =
          http.newWebSocketBuilder()
              .connectTimeout(timeout)
              .buildAsync(url, listener)
              .get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
      return new WebSocketTransport(http, ws, listener);
    } catch (ExecutionException e) {
      http.shutdownNow();
      throw RemoteException.transport(
          RemoteException.UNREACHABLE, "cannot connect to " + url + ": " + describe(e.getCause()));
    } catch (TimeoutException e) {
      http.shutdownNow();
      throw RemoteException.transport(
          RemoteException.UNREACHABLE, "cannot connect to " + url + ": timed out after " + timeout);
    } catch (InterruptedException e) {
      http.shutdownNow();
      Thread.currentThread().interrupt();
      throw RemoteException.transport(RemoteException.UNREACHABLE, "interrupted");
    }
  }

  /** One line for the cause of a failed connect. */
  static String describe(Throwable t) {
    while (t != null && t.getCause() != null && !(t instanceof WebSocketHandshakeException)) {
      if (t instanceof ConnectException || t instanceof SSLException) {
        break;
      }
      t = t.getCause();
    }
    if (t instanceof WebSocketHandshakeException h) {
      int status = h.getResponse().statusCode();
      return switch (status) {
        case 503 -> "the server refuses more connections (HTTP 503: too many open)";
        case 404 -> "no Runnel remote endpoint at this path (HTTP 404; it is /v1)";
        default ->
            "the server refused the WebSocket upgrade (HTTP "
                + status
                + "): is this a Runnel remote endpoint (…/v1)?";
      };
    }
    if (t instanceof HttpConnectTimeoutException || t instanceof HttpTimeoutException) {
      return "timed out";
    }
    if (t instanceof ConnectException) {
      return "connection refused (is the pipeline running with its remote server on this port?)";
    }
    if (t instanceof UnresolvedAddressException) {
      return "unknown host";
    }
    if (t instanceof SSLException) {
      return "TLS failed: " + t.getMessage();
    }
    String m = t == null ? null : t.getMessage();
    return m == null || m.isBlank() ? String.valueOf(t) : m;
  }

  @Override
  public void send(String text, Duration timeout) throws RemoteException {
    try {
      synchronized (this) { // one outstanding send at a time, as WebSocket requires
        socket.sendText(text, true).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (ExecutionException e) {
      throw RemoteException.transport(
          RemoteException.CLOSED_CONNECTION, "sending failed: " + describe(e.getCause()));
    } catch (TimeoutException e) {
      throw RemoteException.transport(
          RemoteException.TIMEOUT, "the server did not take a message within " + timeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw RemoteException.transport(RemoteException.CLOSED_CONNECTION, "interrupted");
    }
  }

  @Override
  public void keepAlive(Duration interval) {
    Thread t =
        Thread.ofVirtual()
            .name("runnel-cli-keepalive")
            .start(
                () -> {
                  try {
                    while (!socket.isOutputClosed()) {
                      Thread.sleep(interval);
                      synchronized (this) { // one outstanding send at a time, as for text
                        socket
                            .sendPing(ByteBuffer.allocate(0))
                            .get(interval.toMillis(), TimeUnit.MILLISECONDS);
                      }
                    }
                  } catch (InterruptedException e) {
                    // closed
                  } catch (ExecutionException | TimeoutException e) {
                    // the connection is failing: the receiver hears of it from the listener
                  }
                });
    keepAlive = t;
  }

  @Override
  public void close() {
    Thread k = keepAlive;
    if (k != null) {
      k.interrupt();
    }
    if (!socket.isOutputClosed()) {
      try {
        socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(1, TimeUnit.SECONDS);
      } catch (ExecutionException | TimeoutException e) {
        // the connection is going away anyway
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    socket.abort();
    listener.closed("closed by the client");
    http.shutdownNow();
  }

  private static final class Listener implements WebSocket.Listener {
    private final Receiver receiver;
    private final int maxMessageBytes;
    private final StringBuilder partial = new StringBuilder();
    private final AtomicBoolean closed = new AtomicBoolean();

    Listener(Receiver receiver, int maxMessageBytes) {
      this.receiver = receiver;
      this.maxMessageBytes = maxMessageBytes;
    }

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      partial.append(data);
      if (partial.length() > maxMessageBytes) {
        partial.setLength(0);
        ws.abort();
        closed("the server sent a message larger than " + maxMessageBytes + " bytes");
        return null;
      }
      if (last) {
        String text = partial.toString();
        partial.setLength(0);
        receiver.message(text);
      }
      ws.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
      ws.abort();
      closed("the server sent a binary frame; the protocol has text frames only");
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
      closed(
          "the server closed the connection ("
              + statusCode
              + (reason == null || reason.isBlank() ? "" : ": " + reason)
              + ")");
      return null;
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
      closed(
          "connection failed: "
              + (error instanceof IOException ? error.getMessage() : String.valueOf(error)));
    }

    void closed(String why) {
      if (closed.compareAndSet(false, true)) {
        receiver.closed(why);
      }
    }
  }
}
