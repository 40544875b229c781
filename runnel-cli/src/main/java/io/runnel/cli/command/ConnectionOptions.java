package io.runnel.cli.command;

import io.runnel.cli.CliException;
import io.runnel.cli.remote.Endpoint;
import io.runnel.cli.remote.RemoteClient;
import io.runnel.cli.remote.RemoteException;
import io.runnel.cli.remote.Tokens;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import picocli.CommandLine.Option;

/**
 * The options every online command shares: where the server is, which token, how long to wait.
 * Environment defaults: {@code RUNNEL_URL} or {@code RUNNEL_SOCKET}, {@code RUNNEL_TOKEN}.
 */
public final class ConnectionOptions {

  /** The token file the remote server writes when no token is configured. */
  public static final Path DEFAULT_TOKEN_FILE =
      Path.of(System.getProperty("user.home"), ".runnel", "remote.token");

  /** Where the remote server listens by default (its default port, on loopback). */
  public static final String DEFAULT_URL = "ws://127.0.0.1:7421/v1";

  /** Tests replace the environment. */
  static Map<String, String> env = System.getenv();

  @Option(
      names = "--url",
      paramLabel = "URL",
      description =
          "WebSocket URL of the pipeline's remote server (default: $RUNNEL_URL, else"
              + " ws://127.0.0.1:7421/v1)")
  String url;

  @Option(
      names = "--socket",
      paramLabel = "PATH",
      description = "Unix domain socket of the remote server (default: $RUNNEL_SOCKET)")
  Path socket;

  @Option(
      names = "--token-file",
      paramLabel = "FILE",
      description =
          "token file ('<client> <role> <token>' lines, or one token);"
              + " default: $RUNNEL_TOKEN, else ~/.runnel/remote.token")
  Path tokenFile;

  @Option(
      names = "--timeout",
      paramLabel = "DURATION",
      defaultValue = "5s",
      description = "how long to wait to connect and for each answer (default: ${DEFAULT-VALUE})")
  String timeout;

  @Option(
      names = "--trust",
      paramLabel = "PEM",
      description =
          "for wss://: trust the certificate(s) in this PEM file instead of the JDK's"
              + " trust store")
  Path trust;

  /** The parsed {@code --timeout}. */
  public Duration timeout() throws CliException {
    return TimeArgs.duration("--timeout", timeout);
  }

  /** The endpoint from the options or the environment. */
  public Endpoint endpoint() throws CliException {
    String u = url != null ? url : (socket == null ? env.get("RUNNEL_URL") : null);
    Path s =
        socket != null
            ? socket
            : (u == null && env.get("RUNNEL_SOCKET") != null
                ? Path.of(env.get("RUNNEL_SOCKET"))
                : null);
    if (u != null && s != null) {
      throw CliException.usage("give either --url or --socket, not both");
    }
    if (u == null && s == null) {
      u = DEFAULT_URL;
    }
    if (s != null) {
      return Endpoint.unixSocket(s);
    }
    Endpoint e;
    try {
      e = Endpoint.webSocket(new URI(u));
    } catch (URISyntaxException | IllegalArgumentException ex) {
      throw CliException.usage("--url: " + ex.getMessage());
    }
    if (trust != null) {
      e = e.withSsl(sslTrusting(trust));
    }
    return e;
  }

  /**
   * Connects and authenticates.
   *
   * @param write pick a write token from the token file (for {@code set})
   */
  public RemoteClient connect(boolean write, String clientName) throws CliException {
    Endpoint endpoint = endpoint();
    Duration wait = timeout();
    TokenChoice token = token(write);
    try {
      return RemoteClient.connect(endpoint, token.token, clientName, wait);
    } catch (RemoteException e) {
      if ("unauthenticated".equals(e.reason())) {
        throw CliException.unreachable(
            endpoint
                + " refused the token"
                + (token.token == null
                    ? ": no token found (give --token-file FILE or set RUNNEL_TOKEN)"
                    : " from " + token.source + ": " + e.getMessage()));
      }
      throw new CliException(exitCode(e), e.getMessage());
    }
  }

  /** The exit code for a remote failure. */
  public static int exitCode(RemoteException e) {
    if (e.isAccessProblem()) {
      return io.runnel.cli.RunnelCli.UNREACHABLE;
    }
    return "invalid_params".equals(e.reason())
        ? io.runnel.cli.RunnelCli.USAGE
        : io.runnel.cli.RunnelCli.FAILURE;
  }

  private record TokenChoice(String token, String source) {}

  private TokenChoice token(boolean write) throws CliException {
    if (tokenFile != null) {
      return fromFile(tokenFile, write);
    }
    String t = env.get("RUNNEL_TOKEN");
    if (t != null && !t.isBlank()) {
      return new TokenChoice(t.strip(), "$RUNNEL_TOKEN");
    }
    if (Files.isReadable(DEFAULT_TOKEN_FILE)) {
      return fromFile(DEFAULT_TOKEN_FILE, write);
    }
    return new TokenChoice(null, "nowhere");
  }

  private static TokenChoice fromFile(Path file, boolean write) throws CliException {
    List<Tokens.Entry> entries;
    try {
      entries = Tokens.read(file);
    } catch (IOException | IllegalArgumentException e) {
      throw CliException.unreachable(e.getMessage());
    }
    String t =
        Tokens.pick(entries, write)
            .orElseThrow(
                () ->
                    CliException.unreachable(
                        "token file " + file + " has no " + (write ? "write " : "") + "token"));
    return new TokenChoice(t, file.toString());
  }

  private static SSLContext sslTrusting(Path pem) throws CliException {
    try (InputStream in = Files.newInputStream(pem)) {
      KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
      ks.load(null, null);
      int i = 0;
      for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        ks.setCertificateEntry("cert" + i++, c);
      }
      if (i == 0) {
        throw CliException.usage("--trust: no certificate in " + pem);
      }
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
      return ctx;
    } catch (IOException | GeneralSecurityException e) {
      throw CliException.usage("--trust: cannot read certificates from " + pem + ": " + e);
    }
  }
}
