package io.runnel.remote.internal;

import io.runnel.RecordKey;
import io.runnel.codec.Codec;
import io.runnel.remote.ClientToken;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Everything a {@code RemoteServer.Builder} configured, immutable. The history store is held as an
 * {@code Object} so that this class loads without {@code runnel-store} (see {@link History}).
 *
 * @param tokenSources where tokens come from, in order; empty: a generated token
 * @param foxglove whether the WebSocket listener also serves the Foxglove protocol at {@code
 *     /foxglove}
 */
public record ServerConfig(
    String node,
    String bindHost,
    int port,
    boolean webSocket,
    Path unixSocket,
    Path keyStore,
    String keyStorePassword,
    List<TokenSource> tokenSources,
    Path generatedTokenFile,
    Object historyStore,
    Map<String, Codec<?>> codecs,
    List<RecordKey> writable,
    Limits limits,
    List<HttpEndpoint> httpEndpoints,
    List<StaticRoute> staticRoutes,
    boolean foxglove) {

  public ServerConfig {
    tokenSources = List.copyOf(tokenSources);
    codecs = Map.copyOf(codecs);
    writable = List.copyOf(writable);
    httpEndpoints = List.copyOf(httpEndpoints);
    staticRoutes = List.copyOf(staticRoutes);
  }

  /**
   * Files served without a token under {@code prefix} (ends with {@code /}) from {@code loader}'s
   * resources under {@code root} (ends with {@code /}); {@code prefix} itself serves {@code
   * index.html}.
   */
  public record StaticRoute(String prefix, ClassLoader loader, String root) {}

  /** Whether TLS is configured. */
  public boolean tls() {
    return keyStore != null;
  }

  /** The server's limits. */
  public record Limits(
      int maxConnections,
      int maxMessageBytes,
      int maxSubscriptions,
      int requestsPerSecond,
      int watchQueue,
      int maxPageEntries,
      Duration authTimeout,
      Duration sendTimeout,
      int outboundQueue,
      Duration idleTimeout) {}

  /** One origin of tokens. */
  public sealed interface TokenSource {
    /** A token file: {@code <client> <role> <token>} per line. */
    record File(Path path) implements TokenSource {}

    /** An environment variable holding entries like a token file, separated by ';' or lines. */
    record Environment(String variable) implements TokenSource {}

    /** A token given in code. */
    record Given(ClientToken token) implements TokenSource {}
  }
}
