package io.runnel.mqtt;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP relay for tests, on a free loopback port, forwarding bytes both ways to a target port. It
 * can switch to <em>blackhole</em> mode, which is what a peer that lost power (or a network that
 * silently drops packets) looks like: every connection stays open, nothing is forwarded any more
 * and nothing is closed or reset, whatever happens behind the relay; new connections are accepted
 * and held the same way. {@link #restore()} ends the blackhole: the connections held so far are
 * closed (as a peer's kernel would once it is back) and new ones are forwarded again.
 */
final class TcpRelay implements AutoCloseable {

  private final ServerSocket server;
  private final int target;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private volatile boolean blackhole;
  private volatile boolean closed;

  TcpRelay(int target) throws IOException {
    this.target = target;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread.ofPlatform().daemon().name("tcp-relay-accept").start(this::accept);
  }

  int port() {
    return server.getLocalPort();
  }

  /** Stops forwarding; keeps every connection open and sends nothing (no FIN, no RST). */
  void blackhole() {
    blackhole = true;
  }

  /** Ends the blackhole: closes the connections it held, forwards new connections again. */
  void restore() {
    blackhole = false;
    for (Socket s : sockets) {
      closeQuietly(s);
    }
    sockets.clear();
  }

  private void accept() {
    while (!closed) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return;
      }
      sockets.add(client);
      if (blackhole) {
        continue; // held: never answered, never closed until restore()
      }
      Socket upstream = new Socket();
      try {
        upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), target), 2000);
      } catch (IOException e) {
        sockets.remove(client);
        closeQuietly(client);
        continue;
      }
      sockets.add(upstream);
      pump(client, upstream);
      pump(upstream, client);
    }
  }

  private void pump(Socket from, Socket to) {
    Thread.ofPlatform()
        .daemon()
        .name("tcp-relay-pump")
        .start(
            () -> {
              byte[] buf = new byte[16384];
              try { // no try-with-resources: closing a socket's stream closes the socket
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                for (int n; (n = in.read(buf)) >= 0; ) {
                  while (blackhole && !closed && !from.isClosed()) {
                    Thread.sleep(20); // drop nothing on the wire, but deliver nothing either
                    buf = new byte[buf.length]; // what arrived during the blackhole is lost
                    n = 0;
                  }
                  if (n > 0) {
                    out.write(buf, 0, n);
                    out.flush();
                  }
                }
              } catch (IOException | InterruptedException e) {
                // one side closed
              }
              // A peer that lost power sends no FIN: while blackholed, the other side stays open.
              while (blackhole && !closed) {
                try {
                  Thread.sleep(20);
                } catch (InterruptedException e) {
                  return;
                }
              }
              closeQuietly(to);
              closeQuietly(from);
            });
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // closing anyway
    }
  }

  @Override
  public void close() {
    closed = true;
    closeQuietly(server);
    restore();
  }

  private static void closeQuietly(ServerSocket s) {
    try {
      s.close();
    } catch (IOException e) {
      // closing anyway
    }
  }
}
