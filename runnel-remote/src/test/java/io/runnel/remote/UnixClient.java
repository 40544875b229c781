package io.runnel.remote;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** A Unix-socket client: newline-delimited JSON over a {@link SocketChannel}. */
public final class UnixClient extends RpcClient {
  private final SocketChannel ch;
  private final CountDownLatch closed = new CountDownLatch(1);
  private final Thread reader;

  private UnixClient(Path path) throws IOException {
    ch = SocketChannel.open(UnixDomainSocketAddress.of(path));
    reader = Thread.ofPlatform().daemon().start(this::readLoop);
  }

  public static UnixClient connect(Path path) throws IOException {
    return new UnixClient(path);
  }

  private volatile long pauseUntil;

  /** Stops reading the socket for {@code d} (the server's writes then back up). */
  public void pauseReading(Duration d) {
    pauseUntil = System.nanoTime() + d.toNanos();
  }

  private void readLoop() {
    ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
    java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
    try {
      while (true) {
        long pause = pauseUntil - System.nanoTime();
        if (pause > 0) {
          Thread.sleep(Duration.ofNanos(pause));
        }
        buf.clear();
        int n = ch.read(buf);
        if (n < 0) {
          break;
        }
        buf.flip();
        while (buf.hasRemaining()) {
          byte b = buf.get();
          if (b == '\n') {
            String text = line.toString(StandardCharsets.UTF_8);
            line.reset();
            received(text);
            if (text.contains("\"id\":null")) {
              closedWith = text;
            }
          } else {
            line.write(b);
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
    sendBytes((text + "\n").getBytes(StandardCharsets.UTF_8));
  }

  public void sendBytes(byte[] bytes) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(bytes);
    while (b.hasRemaining()) {
      ch.write(b);
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
  public void close() throws IOException {
    ch.close();
  }
}
