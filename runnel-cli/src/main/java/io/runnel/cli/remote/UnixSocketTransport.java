package io.runnel.cli.remote;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The Unix domain socket framing: one JSON message per {@code \n}-terminated UTF-8 line. A reader
 * thread splits lines (each at most {@code maxMessageBytes}) and hands them to the receiver; a
 * receiver that blocks holds back reading.
 */
final class UnixSocketTransport implements Transport {

  /** Closes a channel whose write outlasts its timeout; one daemon thread for every connection. */
  private static final ScheduledExecutorService WRITE_GUARD =
      Executors.newSingleThreadScheduledExecutor(
          r -> Thread.ofPlatform().daemon().name("runnel-cli-write-guard").unstarted(r));

  private final Path path;
  private final SocketChannel channel;
  private final Receiver receiver;
  private final int maxMessageBytes;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Thread reader;

  private UnixSocketTransport(
      Path path, SocketChannel channel, Receiver receiver, int maxMessageBytes) {
    this.path = path;
    this.channel = channel;
    this.receiver = receiver;
    this.maxMessageBytes = maxMessageBytes;
    this.reader =
        Thread.ofPlatform().daemon().name("runnel-cli-unix-reader").unstarted(this::readLoop);
  }

  static UnixSocketTransport open(
      Path path, Receiver receiver, Duration timeout, int maxMessageBytes) throws RemoteException {
    if (!Files.exists(path)) {
      throw RemoteException.transport(
          RemoteException.UNREACHABLE,
          "cannot connect to unix socket "
              + path
              + ": no such file (is the pipeline running with its remote server on this socket?)");
    }
    SocketChannel ch = null;
    try {
      ch = SocketChannel.open(StandardProtocolFamily.UNIX);
      ch.connect(UnixDomainSocketAddress.of(path)); // local: completes or fails at once
    } catch (IOException | RuntimeException e) {
      closeQuietly(ch);
      throw RemoteException.transport(
          RemoteException.UNREACHABLE,
          "cannot connect to unix socket " + path + ": " + e.getMessage());
    }
    UnixSocketTransport t = new UnixSocketTransport(path, ch, receiver, maxMessageBytes);
    t.reader.start();
    return t;
  }

  @Override
  public void send(String text, Duration timeout) throws RemoteException {
    if (text.indexOf('\n') >= 0) {
      throw new IllegalArgumentException("a message must not contain a raw newline");
    }
    byte[] bytes = (text + "\n").getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.wrap(bytes);
    synchronized (this) {
      // a server that stops reading would block the write for ever: the guard closes the channel
      ScheduledFuture<?> guard =
          WRITE_GUARD.schedule(
              () -> closeQuietly(channel), timeout.toNanos(), TimeUnit.NANOSECONDS);
      try {
        while (b.hasRemaining()) {
          channel.write(b);
        }
      } catch (AsynchronousCloseException e) {
        throw RemoteException.transport(
            guard.isDone() ? RemoteException.TIMEOUT : RemoteException.CLOSED_CONNECTION,
            guard.isDone()
                ? "the server did not take a message within " + timeout + "; connection closed"
                : "the connection to " + path + " closed");
      } catch (java.nio.channels.ClosedChannelException e) {
        throw RemoteException.transport(
            RemoteException.CLOSED_CONNECTION, "the connection to " + path + " is closed");
      } catch (IOException e) {
        throw RemoteException.transport(
            RemoteException.CLOSED_CONNECTION, "sending to " + path + " failed: " + e.getMessage());
      } finally {
        guard.cancel(false);
      }
    }
  }

  private void readLoop() {
    ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
    byte[] line = new byte[8 * 1024];
    int n = 0;
    String why = "the server closed the connection";
    try {
      while (true) {
        buf.clear();
        int r = channel.read(buf);
        if (r < 0) {
          break;
        }
        buf.flip();
        while (buf.hasRemaining()) {
          byte c = buf.get();
          if (c == '\n') {
            receiver.message(new String(line, 0, n, StandardCharsets.UTF_8));
            n = 0;
          } else {
            if (n == maxMessageBytes) {
              why = "the server sent a line longer than " + maxMessageBytes + " bytes";
              return;
            }
            if (n == line.length) {
              line = Arrays.copyOf(line, Math.min(maxMessageBytes, line.length * 2));
            }
            line[n++] = c;
          }
        }
      }
    } catch (AsynchronousCloseException e) {
      why = "closed by the client";
    } catch (IOException e) {
      why = "connection failed: " + e.getMessage();
    } finally {
      closeQuietly(channel);
      if (closed.compareAndSet(false, true)) {
        receiver.closed(why);
      }
    }
  }

  @Override
  public void close() {
    closeQuietly(channel); // wakes the reader, which reports the close
    try {
      reader.join(Duration.ofSeconds(2));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void closeQuietly(SocketChannel ch) {
    if (ch != null) {
      try {
        ch.close();
      } catch (IOException ignored) {
        // nothing left to do with a channel that does not close
      }
    }
  }
}
