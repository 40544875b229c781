package io.runnel.remote.internal;

import com.fasterxml.jackson.databind.node.NullNode;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

/**
 * The Unix domain socket listener: newline-delimited JSON, one connection per virtual thread.
 *
 * <p><b>Owner-only from the first moment.</b> The socket is bound inside a fresh {@code 0700}
 * directory beside the target path, made {@code 0600} there, then renamed into place: nobody else
 * can connect in the window between {@code bind} and {@code chmod}. A socket file left by a crashed
 * process (nothing accepts on it) is replaced; a live one, or any other kind of file, is refused.
 *
 * <p><b>Bounded reading.</b> A line is accumulated only up to {@code maxMessageBytes}; a longer one
 * is answered with reason {@code message_too_big} and the connection closed, without buffering the
 * rest.
 */
final class UnixSocketTransport {
  private static final int S_IFMT = 0170000;
  private static final int S_IFSOCK = 0140000;

  private final ServerRuntime runtime;
  private final Path path;
  private ServerSocketChannel server;
  private Thread acceptor;
  private volatile boolean stopping;

  UnixSocketTransport(ServerRuntime runtime, Path path) {
    this.runtime = runtime;
    this.path = path;
  }

  void start() throws IOException {
    Path dir = path.getParent();
    if (dir == null || !Files.isDirectory(dir)) {
      throw new IOException("the directory of unix socket " + path + " does not exist");
    }
    removeStale();
    Path tmpDir = privateDirectory(dir);
    Path tmp = tmpDir.resolve("s");
    ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      ch.bind(UnixDomainSocketAddress.of(tmp), 64);
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
      Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException | RuntimeException e) {
      ch.close();
      Files.deleteIfExists(tmp);
      Files.deleteIfExists(tmpDir);
      throw new IOException("cannot listen on unix socket " + path + ": " + e.getMessage(), e);
    }
    Files.deleteIfExists(tmpDir);
    server = ch;
    acceptor = Thread.ofVirtual().name("runnel-remote-unix-accept").start(this::acceptLoop);
  }

  /**
   * A new {@code 0700} directory in {@code dir} with a short name (a socket path is limited to
   * about 100 bytes, and the socket is bound there first).
   */
  private static Path privateDirectory(Path dir) throws IOException {
    java.security.SecureRandom random = new java.security.SecureRandom();
    for (int attempt = 0; ; attempt++) {
      Path p = dir.resolve(".rs" + Integer.toHexString(random.nextInt() | 0x10000000));
      try {
        return Files.createDirectory(
            p, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      } catch (java.nio.file.FileAlreadyExistsException e) {
        if (attempt > 10) {
          throw e;
        }
      }
    }
  }

  /** Removes a socket file nobody accepts on; refuses a live socket or another kind of file. */
  private void removeStale() throws IOException {
    if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    int mode;
    try {
      mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
    } catch (UnsupportedOperationException | IllegalArgumentException e) {
      throw new IOException(path + " exists and its kind cannot be checked: remove it");
    }
    if ((mode & S_IFMT) != S_IFSOCK) {
      throw new IOException(path + " exists and is not a socket: refusing to replace it");
    }
    try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
      throw new IOException(
          "unix socket " + path + " is in use by a running process (another server?)");
    } catch (IOException e) {
      if (e.getMessage() != null && e.getMessage().contains("in use by a running")) {
        throw e;
      }
      // connection refused: a stale socket from a process that is gone
      Files.deleteIfExists(path);
      ServerRuntime.LOG.log(System.Logger.Level.INFO, "remote: replaced stale unix socket " + path);
    }
  }

  private void acceptLoop() {
    while (!stopping) {
      SocketChannel c;
      try {
        c = server.accept();
      } catch (ClosedChannelException e) {
        return;
      } catch (IOException e) {
        if (!stopping) {
          ServerRuntime.LOG.log(System.Logger.Level.WARNING, "remote: unix accept failed: " + e);
        }
        return;
      }
      try {
        c.setOption(java.net.StandardSocketOptions.SO_SNDBUF, WebSocketTransport.SEND_BUFFER_BYTES);
      } catch (IOException | UnsupportedOperationException e) {
        // the platform's default buffer then
      }
      Connection conn = new Connection(c);
      Session s = runtime.admit(conn);
      if (s == null) {
        conn.refuse(Reason.TOO_MANY_CONNECTIONS, "too many connections");
        continue;
      }
      Thread.ofVirtual()
          .name("runnel-remote-unix-in")
          .start(
              () -> {
                s.open(null);
                conn.readLoop(s);
              });
    }
  }

  void stopAccepting() {
    stopping = true;
    try {
      if (server != null) {
        server.close();
      }
    } catch (IOException e) {
      // closing
    }
  }

  void close() {
    stopAccepting();
    try {
      if (acceptor != null) {
        acceptor.join(2000);
      }
      Files.deleteIfExists(path);
    } catch (IOException e) {
      ServerRuntime.LOG.log(
          System.Logger.Level.WARNING, "remote: cannot remove unix socket " + path + ": " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** One connection: its reading loop and its {@link Transport}. */
  private final class Connection implements Transport {
    private final SocketChannel ch;
    private final String remote;

    Connection(SocketChannel ch) {
      this.ch = ch;
      this.remote = "unix:" + path;
    }

    void refuse(Reason reason, String message) {
      try {
        send(Json.write(Session.error(NullNode.instance, reason, message, Map.of())));
      } catch (IOException e) {
        // the client is gone already
      }
      abort();
    }

    void readLoop(Session s) {
      int max = runtime.config().limits().maxMessageBytes();
      ByteBuffer in = ByteBuffer.allocate(8192);
      byte[] line = new byte[Math.min(max, 8192)];
      int len = 0;
      var decoder =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT);
      try {
        while (!s.isEnded()) {
          in.clear();
          int n = ch.read(in);
          if (n < 0) {
            break;
          }
          in.flip();
          while (in.hasRemaining()) {
            byte b = in.get();
            if (b == '\n') {
              int l = len > 0 && line[len - 1] == '\r' ? len - 1 : len;
              len = 0;
              if (l == 0) {
                continue;
              }
              String text;
              try {
                CharBuffer cb = decoder.reset().decode(ByteBuffer.wrap(line, 0, l));
                text = cb.toString();
              } catch (CharacterCodingException e) {
                s.onUndecodable();
                continue;
              }
              s.onMessage(text);
              continue;
            }
            if (len == max) {
              s.terminate(
                  Reason.MESSAGE_TOO_BIG,
                  "a line is longer than maxMessageBytes (" + max + " bytes)");
              return;
            }
            if (len == line.length) {
              line = java.util.Arrays.copyOf(line, Math.min(max, line.length * 2));
            }
            line[len++] = b;
          }
        }
      } catch (IOException e) {
        // the peer went away or the connection was aborted
      } finally {
        if (!s.outboxClosing()) {
          s.ended();
        }
      }
    }

    @Override
    public String kind() {
      return "unix";
    }

    @Override
    public String remote() {
      return remote;
    }

    @Override
    public void send(String message) throws IOException {
      ByteBuffer b = StandardCharsets.UTF_8.encode(message + "\n");
      while (b.hasRemaining()) {
        ch.write(b);
      }
    }

    @Override
    public void close(Reason reason, String message) {
      try {
        ch.shutdownOutput();
      } catch (IOException e) {
        // closing anyway
      }
      abort();
    }

    @Override
    public void abort() {
      try {
        ch.close();
      } catch (IOException e) {
        // nothing more to do
      }
    }
  }
}
