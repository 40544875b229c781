package io.runnel.dashboard;

import io.runnel.remote.RemoteServer;
import io.runnel.spi.Checks;
import java.util.Optional;

/**
 * The live web dashboard: a page served by the remote server, talking to its {@code /v1} protocol
 * with the user's token. Its HTML, script and styles (and the uPlot chart library) are bundled in
 * this jar: the page needs no internet.
 *
 * <pre>{@code
 * try (RemoteServer server = Dashboard.install(RemoteServer.builder(runnel))
 *         .history(store)
 *         .writable(Keys.SETPOINT)
 *         .build()
 *         .start()) {
 *   System.out.println("dashboard: " + Dashboard.url(server).orElseThrow());
 * }
 * }</pre>
 *
 * <p>The page's files need no token (they hold no data); everything it shows comes through {@code
 * /v1} and needs one, typed into the page or passed in the URL's fragment ({@code /ui/#token=...},
 * never sent to the server) and kept in the tab's {@code sessionStorage}. The dashboard has the
 * server's listener, limits and security rules: loopback unless configured otherwise, and then only
 * with TLS and configured tokens.
 */
public final class Dashboard {

  /** Where the page is served. */
  public static final String PATH = "/ui/";

  /** The page's files inside this jar. */
  static final String RESOURCES = "META-INF/runnel-dashboard/ui/";

  private Dashboard() {}

  /**
   * Returns {@code builder} serving the dashboard at {@value #PATH} (a static-resources route of
   * the server's HTTP listener). Needs the WebSocket transport ({@code build()} says so otherwise).
   */
  public static RemoteServer.Builder install(RemoteServer.Builder builder) {
    Checks.notNull("builder", builder);
    return builder.staticResources(PATH, Dashboard.class.getClassLoader(), RESOURCES);
  }

  /**
   * The page's address on a started server, e.g. {@code http://127.0.0.1:7421/ui/} ({@code https}
   * with TLS); empty without the WebSocket transport. It carries no token.
   */
  public static Optional<String> url(RemoteServer server) {
    Checks.notNull("server", server);
    return server
        .webSocketUri()
        .map(
            ws -> {
              String base = ws.substring(0, ws.length() - "/v1".length());
              return (base.startsWith("wss:")
                      ? "https:" + base.substring(4)
                      : "http:" + base.substring(3))
                  + PATH;
            });
  }
}
