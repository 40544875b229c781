package io.runnel.remote;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** The JDK's WebSocket client speaking the protocol. */
public final class WsClient extends RpcClient {
  private final WebSocket ws;
  private final CountDownLatch closed = new CountDownLatch(1);
  private final StringBuilder partial = new StringBuilder();

  private WsClient(HttpClient http, URI uri, String bearer) throws Exception {
    WebSocket.Builder b = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5));
    if (bearer != null) {
      b = b.header("Authorization", "Bearer " + bearer);
    }
    ws = b.buildAsync(uri, new Listener()).get(10, TimeUnit.SECONDS);
  }

  public static WsClient connect(RemoteServer server) throws Exception {
    return connect(server, (String) null);
  }

  public static WsClient connect(RemoteServer server, String bearer) throws Exception {
    return new WsClient(
        HttpClient.newHttpClient(), URI.create(server.webSocketUri().orElseThrow()), bearer);
  }

  public static WsClient connect(HttpClient http, String uri) throws Exception {
    return new WsClient(http, URI.create(uri), null);
  }

  @Override
  public void sendRaw(String text) throws IOException {
    try {
      ws.sendText(text, true).get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IOException("send failed: " + e, e);
    }
  }

  @Override
  public String awaitClosed(Duration wait) throws InterruptedException {
    if (!closed.await(wait.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("the server did not close the connection within " + wait);
    }
    return closedWith;
  }

  @Override
  public void close() {
    if (!ws.isOutputClosed()) {
      ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye");
    }
    ws.abort();
  }

  private volatile long pauseUntil;

  /** Stops asking for messages for {@code d} (the JDK client then stops reading the socket). */
  public void pauseReading(Duration d) {
    pauseUntil = System.nanoTime() + d.toNanos();
  }

  private final class Listener implements WebSocket.Listener {
    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        received(partial.toString());
        partial.setLength(0);
      }
      long pause = pauseUntil - System.nanoTime();
      if (pause > 0) {
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    Thread.sleep(Duration.ofNanos(pause));
                  } catch (InterruptedException e) {
                    return;
                  }
                  webSocket.request(1);
                });
      } else {
        webSocket.request(1);
      }
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      closedWith = statusCode + " " + reason;
      closed.countDown();
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      if (closedWith == null) {
        closedWith = "error " + error;
      }
      closed.countDown();
    }
  }
}
