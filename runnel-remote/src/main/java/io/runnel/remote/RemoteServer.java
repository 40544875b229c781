package io.runnel.remote;

import io.runnel.RecordKey;
import io.runnel.Runnel;
import io.runnel.codec.Codec;
import io.runnel.remote.internal.HttpEndpoint;
import io.runnel.remote.internal.ServerConfig;
import io.runnel.remote.internal.ServerConfig.TokenSource;
import io.runnel.remote.internal.ServerRuntime;
import io.runnel.spi.Checks;
import io.runnel.store.HistoryStore;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Serves a running pipeline to tools outside its JVM: JSON-RPC 2.0 over a WebSocket ({@code
 * ws://host:port/v1}, {@code wss://} with TLS) and over a Unix domain socket (one JSON message per
 * line). The protocol (methods, errors, limits) is {@code docs/REMOTE.md}.
 *
 * <pre>{@code
 * try (RemoteServer server = RemoteServer.builder(runnel)
 *         .port(7421)
 *         .unixSocket(Path.of("/run/app/runnel.sock"))
 *         .tokenFile(Path.of("/etc/app/remote.tokens"))
 *         .writable(Keys.SETPOINT)
 *         .build()
 *         .start()) {
 *   ...
 * }
 * }</pre>
 *
 * <p><b>Secure by default.</b> It listens on loopback unless told otherwise, and then refuses to
 * build without TLS and a configured token. Every connection must authenticate with a token; with
 * none configured, one is generated at start and written to an owner-only file ({@link
 * #tokenFile()}), whose path (never the token) is logged.
 *
 * <p><b>The pipeline never waits for a client.</b> A watch reads the record like any outside
 * reader, into a bounded queue per subscription; a slow client loses values, and is told exactly
 * how many ({@code watch.missed}). A client that stops reading is disconnected after {@link
 * Builder#sendTimeout}. Every refused request, frame or connection is counted ({@link #stats()})
 * and logged, rate-limited.
 *
 * <p>{@link #close()} closes every connection and both listeners, waiting a bounded time.
 */
public final class RemoteServer implements AutoCloseable {

  /** The protocol version this server speaks. */
  public static final int PROTOCOL = 1;

  /** The default WebSocket port. */
  public static final int DEFAULT_PORT = 7421;

  private final ServerRuntime runtime;
  private final boolean foxglove;

  private RemoteServer(ServerRuntime runtime, boolean foxglove) {
    this.runtime = runtime;
    this.foxglove = foxglove;
  }

  /** A builder serving {@code runnel}; see the options of {@link Builder}. */
  public static Builder builder(Runnel runnel) {
    return new Builder(Checks.notNull("runnel", runnel));
  }

  /**
   * Opens the listeners (WebSocket, Unix socket) and, when no token is configured, writes the
   * generated token file.
   *
   * @return this
   * @throws IllegalStateException if already started or closed, or if a listener cannot be opened
   *     (the message says which and why; whatever was opened is closed again)
   */
  public RemoteServer start() {
    runtime.start();
    return this;
  }

  /** The WebSocket port actually bound (useful with {@code port(0)}); -1 without WebSocket. */
  public int port() {
    return runtime.port();
  }

  /** The WebSocket address, e.g. {@code ws://127.0.0.1:7421/v1}; empty without WebSocket. */
  public Optional<String> webSocketUri() {
    return runtime.webSocketUri();
  }

  /**
   * The Foxglove WebSocket address, e.g. {@code ws://127.0.0.1:7421/foxglove} (a viewer appends
   * {@code ?token=...}); empty without WebSocket or with {@link Builder#foxglove(boolean)} off.
   */
  public Optional<String> foxgloveUri() {
    if (!foxglove) {
      return Optional.empty();
    }
    return runtime.webSocketUri().map(u -> u.substring(0, u.lastIndexOf('/')) + "/foxglove");
  }

  /** The Unix socket file, if one is served. */
  public Optional<Path> unixSocket() {
    return runtime.unixSocket();
  }

  /** The generated token file, if the server generated tokens (no token configured). */
  public Optional<Path> tokenFile() {
    return runtime.generatedTokenFile();
  }

  /** The server's counters now. */
  public RemoteStats stats() {
    return runtime.stats();
  }

  /**
   * Closes every connection (each client gets an error with reason {@code shutdown}, then the
   * close) and both listeners, waiting at most 5 seconds. Idempotent. Closing the pipeline first
   * ends each watch with {@code watch.end} (reason {@code closed}).
   */
  @Override
  public void close() {
    runtime.close();
  }

  @Override
  public String toString() {
    return "RemoteServer[" + runtime + "]";
  }

  /**
   * Configures a {@link RemoteServer}. Immutable: every option returns a new builder and leaves
   * this one unchanged (a partly configured builder is a safe template).
   */
  public static final class Builder {
    private final Runnel runnel;
    private String node;
    private String bindHost = "127.0.0.1";
    private int port = DEFAULT_PORT;
    private boolean webSocket = true;
    private Path unixSocket;
    private Path keyStore;
    private String keyStorePassword;
    private List<TokenSource> tokenSources = List.of();
    private Path generatedTokenFile;
    private Object historyStore;
    private Map<String, Codec<?>> codecs = Map.of();
    private List<RecordKey> writable = List.of();
    private int maxConnections = 64;
    private int maxMessageBytes = 256 * 1024;
    private int maxSubscriptions = 16;
    private int requestsPerSecond = 50;
    private int watchQueue = 1024;
    private int maxPageEntries = 10_000;
    private Duration authTimeout = Duration.ofSeconds(5);
    private Duration sendTimeout = Duration.ofSeconds(10);
    private Duration idleTimeout = Duration.ofMinutes(10);
    private int outboundQueue = 64;
    private List<HttpEndpoint> httpEndpoints = List.of();
    private boolean foxglove = true;
    private List<ServerConfig.StaticRoute> staticRoutes = List.of();

    private Builder(Runnel runnel) {
      this.runnel = runnel;
    }

    private Builder copy() {
      Builder b = new Builder(runnel);
      b.node = node;
      b.bindHost = bindHost;
      b.port = port;
      b.webSocket = webSocket;
      b.unixSocket = unixSocket;
      b.keyStore = keyStore;
      b.keyStorePassword = keyStorePassword;
      b.tokenSources = tokenSources;
      b.generatedTokenFile = generatedTokenFile;
      b.historyStore = historyStore;
      b.codecs = codecs;
      b.writable = writable;
      b.maxConnections = maxConnections;
      b.maxMessageBytes = maxMessageBytes;
      b.maxSubscriptions = maxSubscriptions;
      b.requestsPerSecond = requestsPerSecond;
      b.watchQueue = watchQueue;
      b.maxPageEntries = maxPageEntries;
      b.authTimeout = authTimeout;
      b.sendTimeout = sendTimeout;
      b.idleTimeout = idleTimeout;
      b.outboundQueue = outboundQueue;
      b.httpEndpoints = httpEndpoints;
      b.foxglove = foxglove;
      b.staticRoutes = staticRoutes;
      return b;
    }

    /** The node id reported by {@code hello} (default: the host name). */
    public Builder node(String node) {
      Builder b = copy();
      b.node = Checks.notBlank("node", node);
      return b;
    }

    /**
     * The address the WebSocket listens on (default {@code 127.0.0.1}). Any address that is not
     * loopback needs {@link #tls} and a configured token, or {@link #build()} refuses.
     */
    public Builder bind(String host) {
      Builder b = copy();
      b.bindHost = Checks.notBlank("bind host", host);
      return b;
    }

    /**
     * The WebSocket port (default {@value #DEFAULT_PORT}; 0 picks a free one, see {@link #port()}).
     */
    public Builder port(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port must be 0..65535, got " + port);
      }
      Builder b = copy();
      b.port = port;
      return b;
    }

    /** Whether to serve the WebSocket at all (default true); off, only the Unix socket serves. */
    public Builder webSocket(boolean enabled) {
      Builder b = copy();
      b.webSocket = enabled;
      return b;
    }

    /**
     * Also serves the protocol on a Unix domain socket at {@code path} (created owner-only; a stale
     * socket file left by a crashed process is replaced, any other file is refused).
     */
    public Builder unixSocket(Path path) {
      Builder b = copy();
      b.unixSocket = Checks.notNull("unixSocket", path).toAbsolutePath();
      return b;
    }

    /** Serves {@code wss://} with the key and certificate in a PKCS12 or JKS key store. */
    public Builder tls(Path keyStore, String password) {
      Builder b = copy();
      b.keyStore = Checks.notNull("keyStore", keyStore);
      b.keyStorePassword = Checks.notNull("keyStore password", password);
      return b;
    }

    /**
     * Reads tokens from a file: one {@code <client> <role> <token>} per line ({@code role}: {@code
     * read} or {@code write}), {@code #} starts a comment. The file must not be readable by group
     * or others (the server refuses to start otherwise).
     */
    public Builder tokenFile(Path file) {
      return withTokens(new TokenSource.File(Checks.notNull("tokenFile", file)));
    }

    /**
     * Reads tokens from the environment variable {@code variable}: entries like a token file's
     * lines, separated by {@code ;} or line breaks. A missing or empty variable is a start error.
     */
    public Builder tokensFromEnvironment(String variable) {
      return withTokens(
          new TokenSource.Environment(Checks.notBlank("environment variable", variable)));
    }

    /** Accepts {@code token}. */
    public Builder token(ClientToken token) {
      return withTokens(new TokenSource.Given(Checks.notNull("token", token)));
    }

    private Builder withTokens(TokenSource source) {
      Builder b = copy();
      List<TokenSource> l = new ArrayList<>(tokenSources);
      l.add(source);
      b.tokenSources = List.copyOf(l);
      return b;
    }

    /**
     * Where the generated tokens go when none is configured (default {@code
     * ~/.runnel/remote.token}): a {@code read} and a {@code write} token in token-file format,
     * owner-only, rewritten at every start.
     */
    public Builder generatedTokenFile(Path file) {
      Builder b = copy();
      b.generatedTokenFile = Checks.notNull("generatedTokenFile", file).toAbsolutePath();
      return b;
    }

    /**
     * Enables {@code query} and {@code watch ... since} on the records this store persists. The
     * store stays the caller's: close it after the server.
     */
    public Builder history(HistoryStore store) {
      Builder b = copy();
      b.historyStore = Checks.notNull("history", store);
      return b;
    }

    /**
     * The codec history entries of {@code key} were written with (default: {@code
     * Codec.forRecord(type)} for a Java record type, {@code Codec.json(type)} otherwise). Naming a
     * codec also marks the record as persisted even if no {@code Persist} hook is attached here.
     */
    public Builder codec(RecordKey key, Codec<?> codec) {
      Checks.notNull("key", key);
      Checks.notNull("codec", codec);
      Builder b = copy();
      Map<String, Codec<?>> m = new LinkedHashMap<>(codecs);
      m.put(key.id(), codec);
      b.codecs = Map.copyOf(m);
      return b;
    }

    /**
     * The records {@code set} may write (the allow-list; default none). Each must exist and be
     * declared {@code external()} in the pipeline, or {@link #build()} refuses, listing every
     * problem.
     */
    public Builder writable(RecordKey... keys) {
      Builder b = copy();
      List<RecordKey> l = new ArrayList<>(writable);
      for (RecordKey k : Checks.notNull("writable", keys)) {
        l.add(Checks.notNull("writable key", k));
      }
      b.writable = List.copyOf(l);
      return b;
    }

    /** Connections open at once, both transports (default 64); more are refused and counted. */
    public Builder maxConnections(int n) {
      Builder b = copy();
      b.maxConnections = Checks.positive("maxConnections", n);
      return b;
    }

    /** The largest message a client may send, in bytes (default 256 KiB); larger closes. */
    public Builder maxMessageBytes(int n) {
      Builder b = copy();
      b.maxMessageBytes = (int) Checks.atLeast("maxMessageBytes", n, 1024);
      return b;
    }

    /** Watch subscriptions per connection (default 16). */
    public Builder maxSubscriptions(int n) {
      Builder b = copy();
      b.maxSubscriptions = Checks.positive("maxSubscriptions", n);
      return b;
    }

    /** Requests per second per connection, a token bucket with a burst as large (default 50). */
    public Builder requestsPerSecond(int n) {
      Builder b = copy();
      b.requestsPerSecond = Checks.positive("requestsPerSecond", n);
      return b;
    }

    /** The default and largest queue of one watch subscription, in values (default 1024). */
    public Builder watchQueue(int n) {
      Builder b = copy();
      b.watchQueue = Checks.positive("watchQueue", n);
      return b;
    }

    /** The largest {@code query} page (default 10 000 entries). */
    public Builder maxPageEntries(int n) {
      Builder b = copy();
      b.maxPageEntries = Checks.positive("maxPageEntries", n);
      return b;
    }

    /** How long a connection may take to authenticate (default 5 s). */
    public Builder authTimeout(Duration timeout) {
      Builder b = copy();
      b.authTimeout = Checks.positive("authTimeout", timeout);
      return b;
    }

    /**
     * How long one message may take to reach a client before the server takes it for a client that
     * stopped reading and closes the connection (default 10 s).
     */
    public Builder sendTimeout(Duration timeout) {
      Builder b = copy();
      b.sendTimeout = Checks.positive("sendTimeout", timeout);
      return b;
    }

    /**
     * How long a WebSocket may go without a frame in either direction before it is closed (default
     * 10 min): what frees the slot of a client that vanished without closing. {@code hello}
     * announces it ({@code limits.idleTimeoutMillis}) so that a client on a quiet watch can ping in
     * time, as {@code runnel cli} does at a third of it.
     */
    public Builder idleTimeout(Duration timeout) {
      Builder b = copy();
      b.idleTimeout = Checks.positive("idleTimeout", timeout);
      return b;
    }

    /** Responses queued per connection before the client counts as not reading (default 64). */
    public Builder outboundQueue(int n) {
      Builder b = copy();
      b.outboundQueue = Checks.positive("outboundQueue", n);
      return b;
    }

    /**
     * Serves {@code GET path} on the WebSocket's HTTP listener with {@code body.get()} as the
     * response (e.g. {@code /metrics} for a Prometheus scrape). It needs a token like the protocol
     * ({@code Authorization: Bearer <token>}); refusals are counted. Configuring {@code /metrics}
     * adds {@code metrics} to {@code hello}'s capabilities.
     */
    public Builder httpEndpoint(String path, String contentType, Supplier<String> body) {
      Checks.notBlank("path", path);
      Checks.notBlank("contentType", contentType);
      Checks.notNull("body", body);
      if (!path.startsWith("/")
          || path.equals("/v1")
          || path.startsWith("/v1/")
          || path.equals("/foxglove")) {
        throw new IllegalArgumentException(
            "http endpoint path must start with '/' and not be /v1 or /foxglove (the protocols),"
                + " got "
                + path);
      }
      for (HttpEndpoint e : httpEndpoints) {
        if (e.path().equals(path)) {
          throw new IllegalArgumentException("http endpoint " + path + " is configured twice");
        }
      }
      for (ServerConfig.StaticRoute r : staticRoutes) {
        if (path.startsWith(r.prefix()) || (path + "/").equals(r.prefix())) {
          throw new IllegalArgumentException(
              "http endpoint " + path + " overlaps static resources " + r.prefix());
        }
      }
      Builder b = copy();
      List<HttpEndpoint> l = new ArrayList<>(httpEndpoints);
      l.add(new HttpEndpoint(path, contentType, body));
      b.httpEndpoints = List.copyOf(l);
      return b;
    }

    /**
     * Whether the WebSocket listener also speaks the Foxglove WebSocket protocol (subprotocol
     * {@code foxglove.websocket.v1}) at {@code /foxglove} (default true), so that Foxglove or
     * Lichtblick can plot the records live and call {@code set} on the writable ones. Same
     * listener, TLS, tokens, roles and limits as the JSON-RPC protocol; the upgrade request carries
     * the token (see {@code docs/REMOTE.md}, "Foxglove").
     */
    public Builder foxglove(boolean enabled) {
      Builder b = copy();
      b.foxglove = enabled;
      return b;
    }

    /**
     * Serves static files (a web page's HTML, scripts, styles, images) under {@code pathPrefix}
     * (e.g. {@code /ui/}) from the resources of {@code loader} under {@code resourceRoot} (e.g.
     * {@code META-INF/app/ui/}); the prefix itself serves {@code index.html}, and the prefix
     * without its trailing slash redirects to it. These need <b>no token</b>: they must hold no
     * data (a page fetches its data through {@code /v1}, with a token).
     *
     * <p>Only {@code GET} and {@code HEAD}; only names made of letters, digits, {@code . _ -}
     * (segment by segment, no {@code .} or {@code ..}: no path traversal) with a known extension
     * ({@code html css js mjs json svg png ico txt map woff2}), served with its content type, an
     * {@code ETag} (revalidated: {@code Cache-Control: no-cache}, {@code 304} on {@code
     * If-None-Match}) and {@code X-Content-Type-Options: nosniff}; no directory listing. Files are
     * read once and kept in memory (keep them small). Put them under a directory that is not a Java
     * package (such as {@code META-INF/...}), which a named module does not encapsulate.
     *
     * @param pathPrefix starts and ends with {@code /}, is not {@code /} nor under {@code /v1}
     * @param resourceRoot a resource directory, ending with {@code /}
     */
    public Builder staticResources(String pathPrefix, ClassLoader loader, String resourceRoot) {
      Checks.notBlank("pathPrefix", pathPrefix);
      Checks.notNull("loader", loader);
      Checks.notBlank("resourceRoot", resourceRoot);
      if (!pathPrefix.startsWith("/")
          || !pathPrefix.endsWith("/")
          || pathPrefix.equals("/")
          || pathPrefix.equals("/v1/")
          || pathPrefix.startsWith("/v1/")
          || pathPrefix.startsWith("/foxglove/")) {
        throw new IllegalArgumentException(
            "static path prefix must start and end with '/', not be '/' and not be under /v1 or"
                + " /foxglove, got "
                + pathPrefix);
      }
      if (!resourceRoot.endsWith("/") || resourceRoot.startsWith("/")) {
        throw new IllegalArgumentException(
            "resource root must be relative and end with '/', got " + resourceRoot);
      }
      for (ServerConfig.StaticRoute r : staticRoutes) {
        if (pathPrefix.startsWith(r.prefix()) || r.prefix().startsWith(pathPrefix)) {
          throw new IllegalArgumentException(
              "static path prefix " + pathPrefix + " overlaps " + r.prefix());
        }
      }
      for (HttpEndpoint e : httpEndpoints) {
        if (e.path().startsWith(pathPrefix) || (e.path() + "/").equals(pathPrefix)) {
          throw new IllegalArgumentException(
              "static path prefix " + pathPrefix + " overlaps http endpoint " + e.path());
        }
      }
      Builder b = copy();
      List<ServerConfig.StaticRoute> l = new ArrayList<>(staticRoutes);
      l.add(new ServerConfig.StaticRoute(pathPrefix, loader, resourceRoot));
      b.staticRoutes = List.copyOf(l);
      return b;
    }

    /**
     * Checks the whole configuration against the pipeline and makes the server (not started).
     *
     * @throws IllegalArgumentException listing every problem: a writable record that does not exist
     *     or is not declared {@code external()}, a non-loopback address without TLS or a configured
     *     token, neither transport enabled
     */
    public RemoteServer build() {
      List<String> problems = new ArrayList<>();
      if (!webSocket && unixSocket == null) {
        problems.add("neither the WebSocket nor a Unix socket is enabled");
      }
      if (webSocket && !isLoopback(bindHost, problems)) {
        if (keyStore == null) {
          problems.add(
              "bind address "
                  + bindHost
                  + " is not loopback: configure tls(keyStore, password) (no clear text off"
                  + " loopback)");
        }
        if (tokenSources.isEmpty()) {
          problems.add(
              "bind address "
                  + bindHost
                  + " is not loopback: configure tokens (tokenFile, tokensFromEnvironment or"
                  + " token); a generated token is for loopback only");
        }
      }
      if (!httpEndpoints.isEmpty() && !webSocket) {
        problems.add("http endpoints need the WebSocket's HTTP listener (webSocket(true))");
      }
      if (!staticRoutes.isEmpty() && !webSocket) {
        problems.add("static resources need the WebSocket's HTTP listener (webSocket(true))");
      }
      ServerRuntime.checkWritable(runnel, writable, problems);
      if (!problems.isEmpty()) {
        throw new IllegalArgumentException(
            "remote server: " + problems.size() + " problem(s): " + String.join("; ", problems));
      }
      Path tokenOut =
          generatedTokenFile != null
              ? generatedTokenFile
              : Path.of(System.getProperty("user.home"), ".runnel", "remote.token");
      ServerConfig config =
          new ServerConfig(
              node != null ? node : hostName(),
              bindHost,
              port,
              webSocket,
              unixSocket,
              keyStore,
              keyStorePassword,
              tokenSources,
              tokenOut,
              historyStore,
              codecs,
              writable,
              new ServerConfig.Limits(
                  maxConnections,
                  maxMessageBytes,
                  maxSubscriptions,
                  requestsPerSecond,
                  watchQueue,
                  maxPageEntries,
                  authTimeout,
                  sendTimeout,
                  outboundQueue,
                  idleTimeout),
              httpEndpoints,
              staticRoutes,
              foxglove);
      return new RemoteServer(new ServerRuntime(runnel, config), foxglove && webSocket);
    }

    private static boolean isLoopback(String host, List<String> problems) {
      try {
        InetAddress[] all = InetAddress.getAllByName(host);
        for (InetAddress a : all) {
          if (!a.isLoopbackAddress()) {
            return false;
          }
        }
        return true;
      } catch (UnknownHostException e) {
        problems.add("bind address " + host + " does not resolve: " + e.getMessage());
        return true; // reported already
      }
    }

    private static String hostName() {
      try {
        return InetAddress.getLocalHost().getHostName();
      } catch (UnknownHostException e) {
        return "localhost";
      }
    }
  }
}
