package io.runnel.remote.internal;

import io.runnel.RecordKey;
import io.runnel.Runnel;
import io.runnel.remote.ClientToken;
import io.runnel.remote.RemoteStats;
import io.runnel.spi.LogLimiter;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The running server: configuration, shared parts (tokens, stats, history, schemas, writes), the
 * open sessions, the two listeners and one timer thread (authentication timeouts and the reaper
 * that closes clients that stopped reading).
 */
public final class ServerRuntime {
  static final System.Logger LOG = System.getLogger("io.runnel.remote");

  private final Runnel runnel;
  private final ServerConfig config;
  private final ServerStats stats = new ServerStats();
  private final Schemas schemas = new Schemas();
  private final Writes writes;
  private final Methods methods;
  private final History history;
  private final Set<Session> sessions = ConcurrentHashMap.newKeySet();
  private final LogLimiter rejectionLog = new LogLimiter(10, Duration.ofMinutes(1));
  private final LogLimiter internalLog = new LogLimiter(5, Duration.ofMinutes(1));
  private final String pipelineName;
  private final String version;
  private volatile Tokens tokens;
  private volatile ScheduledThreadPoolExecutor timers;
  private WebSocketTransport webSocket;
  private UnixSocketTransport unix;
  private Path generatedTokenFile;
  private volatile boolean started;
  private volatile boolean closed;

  public ServerRuntime(Runnel runnel, ServerConfig config) {
    this.runnel = runnel;
    this.config = config;
    this.writes = new Writes(runnel, config.writable(), stats);
    this.methods = new Methods(this);
    this.history =
        config.historyStore() == null
            ? null
            : new StoreHistory(config.historyStore(), runnel, config.codecs());
    this.pipelineName = pipelineName(runnel);
    String v = ServerRuntime.class.getPackage().getImplementationVersion();
    java.lang.module.ModuleDescriptor d = ServerRuntime.class.getModule().getDescriptor();
    this.version = v != null ? v : d != null ? d.rawVersion().orElse("development") : "development";
  }

  /** Checks the write allow-list against the pipeline (see {@code Builder.build()}). */
  public static void checkWritable(Runnel runnel, List<RecordKey> keys, List<String> problems) {
    Writes.check(runnel, keys, problems);
  }

  /**
   * The pipeline's name. The core has no public accessor for it yet, so it is read from {@code
   * Runnel.toString()} ({@code Runnel[<name>, ...]}).
   */
  private static String pipelineName(Runnel runnel) {
    String s = runnel.toString();
    if (s.startsWith("Runnel[")) {
      int end = s.indexOf(',');
      if (end > 7) {
        return s.substring(7, end);
      }
    }
    return s;
  }

  public synchronized void start() {
    if (started || closed) {
      throw new IllegalStateException(
          "remote server " + (closed ? "is closed" : "was already started"));
    }
    started = true;
    try {
      if (config.tokenSources().isEmpty()) {
        List<ClientToken> generated = Tokens.generate(config.generatedTokenFile());
        tokens = Tokens.of(generated);
        generatedTokenFile = config.generatedTokenFile();
        LOG.log(
            System.Logger.Level.INFO,
            "remote: no token configured; generated a read and a write token into "
                + generatedTokenFile
                + " (owner-only)");
      } else {
        tokens = Tokens.load(config.tokenSources());
      }
    } catch (IOException | RuntimeException e) {
      closed = true;
      throw new IllegalStateException("remote server cannot load its tokens: " + e.getMessage(), e);
    }
    timers =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "runnel-remote-timer");
              t.setDaemon(true);
              return t;
            });
    timers.setRemoveOnCancelPolicy(true);
    timers.scheduleWithFixedDelay(this::reap, 100, 100, TimeUnit.MILLISECONDS);
    try {
      if (config.webSocket()) {
        webSocket = new WebSocketTransport(this);
        webSocket.start();
      }
      if (config.unixSocket() != null) {
        unix = new UnixSocketTransport(this, config.unixSocket());
        unix.start();
      }
    } catch (Exception e) {
      close();
      throw new IllegalStateException("remote server cannot start: " + e.getMessage(), e);
    }
    LOG.log(
        System.Logger.Level.INFO,
        "remote: serving pipeline '"
            + pipelineName
            + "'"
            + (webSocket != null ? " on " + webSocket.uri() : "")
            + (unix != null ? " and unix socket " + config.unixSocket() : ""));
  }

  /** Closes clients whose current message has been blocked longer than the send timeout. */
  private void reap() {
    long now = System.nanoTime();
    long limit = config.limits().sendTimeout().toNanos();
    for (Session s : sessions) {
      if (s.outbox().stalledFor(now) > limit) {
        s.slowClient("a message waited more than " + config.limits().sendTimeout() + " to be read");
      }
    }
  }

  /**
   * Admits a new connection, or refuses it when {@code maxConnections} are open (counted).
   *
   * @return the session, or null if refused
   */
  Session admit(Transport transport) {
    if (closed) {
      return null;
    }
    long open = stats.connectionsOpen.incrementAndGet();
    if (open > config.limits().maxConnections()) {
      stats.connectionsOpen.decrementAndGet();
      stats.connectionsRejected.increment();
      rejected(
          Reason.TOO_MANY_CONNECTIONS,
          transport.remote(),
          config.limits().maxConnections() + " connections are open (maxConnections)");
      return null;
    }
    stats.connectionsAccepted.increment();
    Session s = new Session(this, transport);
    sessions.add(s);
    return s;
  }

  void unregister(Session s) {
    if (sessions.remove(s)) {
      stats.connectionsOpen.decrementAndGet();
    }
  }

  /** Counts and logs (rate-limited) one refusal. */
  void rejected(Reason reason, String remote, String message) {
    stats.rejected(reason);
    rejectionLog.log(
        LOG,
        System.Logger.Level.INFO,
        "remote: refused (" + reason.word() + ") from " + remote + ": " + message);
  }

  void logInternal(String remote, String method, Throwable e) {
    internalLog.log(
        LOG,
        System.Logger.Level.WARNING,
        "remote: internal error in " + method + " for " + remote + ": " + e,
        e);
  }

  Runnel runnel() {
    return runnel;
  }

  ServerConfig config() {
    return config;
  }

  ServerStats counters() {
    return stats;
  }

  Schemas schemas() {
    return schemas;
  }

  Writes writes() {
    return writes;
  }

  Methods methods() {
    return methods;
  }

  History history() {
    return history;
  }

  Tokens tokens() {
    return tokens;
  }

  String pipelineName() {
    return pipelineName;
  }

  String version() {
    return version;
  }

  /** Runs {@code r} once after {@code d} on the timer thread. */
  ScheduledFuture<?> schedule(Runnable r, Duration d) {
    ScheduledThreadPoolExecutor t = timers;
    if (t == null) {
      return null; // closed: nothing is scheduled any more
    }
    try {
      return t.schedule(r, d.toNanos(), TimeUnit.NANOSECONDS);
    } catch (java.util.concurrent.RejectedExecutionException closing) {
      return null;
    }
  }

  public RemoteStats stats() {
    return stats.snapshot();
  }

  public int port() {
    return webSocket == null ? -1 : webSocket.port();
  }

  public Optional<String> webSocketUri() {
    return webSocket == null ? Optional.empty() : Optional.of(webSocket.uri());
  }

  public Optional<Path> unixSocket() {
    return Optional.ofNullable(config.unixSocket());
  }

  public Optional<Path> generatedTokenFile() {
    return Optional.ofNullable(generatedTokenFile);
  }

  public void close() {
    synchronized (this) {
      if (closed && timers == null) {
        return;
      }
      closed = true;
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    if (unix != null) {
      unix.stopAccepting();
    }
    for (Session s : sessions) {
      s.shutdown();
    }
    for (Session s : sessions) {
      try {
        s.outbox()
            .join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()) / 2));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    for (Session s : sessions) {
      s.ended();
    }
    if (webSocket != null) {
      webSocket.stop();
    }
    if (unix != null) {
      unix.close();
    }
    ScheduledThreadPoolExecutor t = timers;
    timers = null;
    if (t != null) {
      t.shutdownNow();
    }
  }

  @Override
  public String toString() {
    return pipelineName
        + (webSocket != null ? ", " + webSocket.uri() : "")
        + (config.unixSocket() != null ? ", unix " + config.unixSocket() : "")
        + (closed ? ", closed" : started ? ", running" : ", not started");
  }
}
