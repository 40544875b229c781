package io.runnel.remote;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * An {@link RpcClient} over {@link RawWebSocket} with a small socket receive buffer, whose reading
 * can be paused: when it does not read, the server's sends back up within a few kilobytes.
 */
final class RawWsClient extends RpcClient {
  private final RawWebSocket ws;
  private final CountDownLatch closed = new CountDownLatch(1);
  private volatile long pauseUntil;

  RawWsClient(int port, String bearer) throws IOException {
    ws = new RawWebSocket(port, bearer, 4096);
    ws.socket.setSoTimeout(0);
    Thread.ofVirtual().start(this::readLoop);
  }

  void pauseReading(Duration d) {
    pauseUntil = System.nanoTime() + d.toNanos();
  }

  private void readLoop() {
    InputStream in = ws.in;
    java.io.ByteArrayOutputStream message = new java.io.ByteArrayOutputStream();
    try {
      while (true) {
        long pause = pauseUntil - System.nanoTime();
        if (pause > 0) {
          Thread.sleep(Duration.ofNanos(pause));
        }
        int b0 = in.read();
        if (b0 < 0) {
          break;
        }
        int b1 = in.read();
        long len = b1 & 0x7f;
        if (len == 126) {
          len = (in.read() << 8) | in.read();
        } else if (len == 127) {
          len = 0;
          for (int i = 0; i < 8; i++) {
            len = (len << 8) | in.read();
          }
        }
        byte[] payload = in.readNBytes((int) len);
        int op = b0 & 0x0f;
        if (op == 0x8) {
          closedWith = "close " + new String(payload, StandardCharsets.UTF_8);
          break;
        }
        if (op == 0x1 || op == 0x0) {
          message.write(payload);
          if ((b0 & 0x80) != 0) {
            received(message.toString(StandardCharsets.UTF_8));
            message.reset();
          }
        }
      }
    } catch (IOException | InterruptedException e) {
      // closed
    } finally {
      if (closedWith == null) {
        closedWith = "eof";
      }
      closed.countDown();
    }
  }

  @Override
  public void sendRaw(String text) throws IOException {
    synchronized (ws) {
      ws.sendText(text);
    }
  }

  @Override
  public String awaitClosed(Duration wait) throws InterruptedException {
    if (!closed.await(wait.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("not closed within " + wait);
    }
    return closedWith;
  }

  @Override
  public void close() throws IOException {
    ws.close();
  }
}
