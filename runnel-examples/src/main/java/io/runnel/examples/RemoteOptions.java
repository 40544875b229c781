package io.runnel.examples;

import io.runnel.RecordKey;
import io.runnel.Runnel;
import io.runnel.dashboard.Dashboard;
import io.runnel.metrics.PrometheusScrape;
import io.runnel.remote.RemoteServer;
import io.runnel.store.HistoryStore;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine.Option;

/**
 * The remote-access options every example shares (a picocli mixin): {@code --remote} serves the
 * remote protocol, {@code /metrics} and the web dashboard ({@code /ui/}) so that {@code ./runnel
 * cli} or a browser can watch the running example. Off unless asked for; loopback only.
 */
final class RemoteOptions {

  private static final Logger JETTY_LOG = Logger.getLogger("org.eclipse.jetty");

  @Option(
      names = "--remote",
      arity = "0..1",
      fallbackValue = "" + RemoteServer.DEFAULT_PORT,
      paramLabel = "PORT",
      description =
          "Serve the remote protocol on ws://127.0.0.1:PORT/v1 (default PORT "
              + RemoteServer.DEFAULT_PORT
              + ") with Prometheus /metrics and the web dashboard at http://127.0.0.1:PORT/ui/;"
              + " watch it with ./runnel cli or a browser (see the README).")
  Integer port;

  @Option(
      names = "--remote-socket",
      paramLabel = "PATH",
      description = "Serve the remote protocol on this Unix socket too (alone: without a port).")
  Path socket;

  @Option(
      names = "--remote-tokens",
      paramLabel = "FILE",
      description =
          "Token file (lines of '<client> <role> <token>', owner-only). Default: a read and a write"
              + " token generated at start into ~/.runnel/remote.token.")
  Path tokens;

  boolean enabled() {
    return port != null || socket != null;
  }

  /**
   * Starts the server if {@code --remote} or {@code --remote-socket} was given, and prints where it
   * listens.
   *
   * @param store the history to query, or {@code null}
   * @param writable the records a write token may set (each declared {@code external()})
   */
  Optional<RemoteServer> start(
      Runnel runnel, HistoryStore store, PrintStream out, RecordKey... writable) {
    if (!enabled()) {
      return Optional.empty();
    }
    PrometheusScrape metrics =
        store == null ? PrometheusScrape.of(runnel) : PrometheusScrape.of(runnel, store);
    RemoteServer.Builder b =
        RemoteServer.builder(runnel)
            .webSocket(port != null)
            .writable(writable)
            .httpEndpoint("/metrics", metrics.contentType(), metrics::scrape);
    if (port != null) {
      b = Dashboard.install(b.port(port));
    }
    if (socket != null) {
      b = b.unixSocket(socket);
    }
    if (store != null) {
      b = b.history(store);
    }
    if (tokens != null) {
      b = b.tokenFile(tokens);
    }
    // Jetty logs its start and stop at INFO; an example's console is for the example's figures
    JETTY_LOG.setLevel(Level.WARNING);
    RemoteServer server = b.build().start();
    StringBuilder where = new StringBuilder("Remote access: ");
    server.webSocketUri().ifPresent(u -> where.append(u).append(" (and /metrics)"));
    server
        .unixSocket()
        .ifPresent(s -> where.append(server.webSocketUri().isPresent() ? ", " : "").append(s));
    server.tokenFile().ifPresent(f -> where.append("; tokens in ").append(f));
    out.println(where);
    // the URL carries no token: the page asks for one (or takes it from #token=... in the URL)
    Dashboard.url(server)
        .ifPresent(
            u ->
                out.println(
                    "Dashboard: "
                        + u
                        + " (paste a token from "
                        + server
                            .tokenFile()
                            .or(() -> Optional.ofNullable(tokens))
                            .map(Path::toString)
                            .orElse("your token file")
                        + ", or open "
                        + u
                        + "#token=<token>)"));
    // Foxglove / Lichtblick: "Open connection", "Foxglove WebSocket", this URL with a read token
    server
        .foxgloveUri()
        .ifPresent(u -> out.println("Foxglove: " + u + "?token=<read token> (Foxglove WebSocket)"));
    return Optional.of(server);
  }
}
