package io.runnel.remote;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** A demo pipeline with a started server on port 0 and a Unix socket, and its generated tokens. */
public final class Fixture implements AutoCloseable {
  public final Demo demo;
  public final RemoteServer server;
  public final String readToken;
  public final String writeToken;
  public final Path socket;

  public Fixture(Path dir) throws IOException {
    this(dir, b -> b);
  }

  public Fixture(Path dir, java.util.function.UnaryOperator<RemoteServer.Builder> options)
      throws IOException {
    demo = new Demo(dir);
    socket = dir.resolve("r.sock");
    RemoteServer.Builder b =
        RemoteServer.builder(demo.runnel)
            .port(0)
            .node("test-node")
            .unixSocket(socket)
            .generatedTokenFile(dir.resolve("tokens"))
            .history(demo.store)
            .writable(Demo.SETPOINT);
    server = options.apply(b).build().start();
    List<String> lines = Files.readAllLines(server.tokenFile().orElseThrow());
    readToken = token(lines, "read");
    writeToken = token(lines, "write");
  }

  private static String token(List<String> lines, String role) {
    return lines.stream()
        .filter(l -> !l.startsWith("#"))
        .map(l -> l.split(" "))
        .filter(f -> f[1].equals(role))
        .map(f -> f[2])
        .findFirst()
        .orElseThrow();
  }

  /** A new client over {@code transport}. */
  public RpcClient connect(Kind transport) throws Exception {
    return transport == Kind.WEBSOCKET ? WsClient.connect(server) : UnixClient.connect(socket);
  }

  /** The two transports. */
  public enum Kind {
    WEBSOCKET,
    UNIX
  }

  @Override
  public void close() {
    server.close();
    demo.close();
  }
}
