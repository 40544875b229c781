package io.runnel.http;

import io.runnel.spi.Durations;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.HttpRetryException;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URL;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import javax.net.ssl.HostnameVerifier;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;

/**
 * The HTTP exchange of one batch on {@link HttpURLConnection} (in {@code java.base}: the runtime
 * needs no {@code java.net.http} module, ~1,500 classes and ~19 MB less in a small JVM; decision
 * 024): the POST ({@code Content-Type}, {@code Idempotency-Key}, the configured headers asked for
 * at every request) with a fixed-length body, HTTP/1.1, no proxy, no redirects, no caches, connect
 * and read timeouts, TLS with the configured context, and the classification of the answer.
 *
 * <ul>
 *   <li>2xx: acknowledged.
 *   <li>408, 429, 5xx: transient; a {@code Retry-After} (capped by {@code maxRetryAfter}) is passed
 *       on.
 *   <li>413: too large ({@link Outcome#tooLarge()}); counted as {@code rejected} only for a batch
 *       of one entry, which cannot shrink.
 *   <li>any other status: counted as {@code rejected}, and retried like the others.
 *   <li>transport failures (reset, refused, unresolvable host, timeouts): a one-line account;
 *       timeouts are counted.
 * </ul>
 *
 * <p>Never sent twice by the transport: {@code HttpURLConnection} silently repeats a POST once
 * after some I/O failures ({@code sun.net.http.retryPost}, true by default) but never one in
 * streaming mode, and the body is always streamed ({@link
 * HttpURLConnection#setFixedLengthStreamingMode(int)}); a retry is the sync loop's decision, with
 * the same {@code Idempotency-Key}.
 *
 * <p>TLS: {@link HttpsURLConnection} with the socket factory of the configured {@link SSLContext}
 * (the JDK's default context otherwise) and a hostname verifier that accepts nothing the JDK's RFC
 * 2818 check did not already accept, so that a permissive {@link
 * HttpsURLConnection#setDefaultHostnameVerifier} elsewhere in the process cannot weaken it.
 *
 * <p>Threads: {@link #send} runs on the sync thread and never waits longer than connect timeout +
 * request timeout + {@link #CLIENT_GRACE}; the exchange itself runs on a pool thread ({@code
 * runnel-http-<name>-client-N}, one at a time, kept 60 s idle) with the connect timeout and the
 * request timeout as read timeout on its socket. When the deadline passes, or {@link
 * #cancelInFlight()} or {@link #shutdown()} is called by the closing thread, the connection is
 * {@linkplain HttpURLConnection#disconnect() disconnected} from that thread, which ends a blocked
 * read or write at once. A connection whose answer was read to its end goes back to the JDK's
 * keep-alive cache. Counts {@code requests}, {@code failedRequests}, {@code timeouts} and {@code
 * rejected} into the {@link SyncStatus}.
 */
final class HttpSender {

  /** Extra time the exchange gets beyond its own timeouts before we give up on it ourselves. */
  static final Duration CLIENT_GRACE = Duration.ofSeconds(1);

  /** How much of an error response body is kept for the status and the log (bytes). */
  static final int ERROR_BODY_CHARS = 200;

  /**
   * How much of a response body is read and discarded so that the connection can be reused; a
   * longer body closes the connection instead.
   */
  static final int DRAIN_BYTES = 64 * 1024;

  /**
   * Headers the transport sets itself or would drop without a word ({@code HttpURLConnection}'s
   * restricted set, with {@code Expect} from {@code java.net.http}'s): a configured one fails the
   * request loudly instead, as {@code java.net.http} did.
   */
  private static final Set<String> RESTRICTED =
      Set.of(
          "access-control-request-headers",
          "access-control-request-method",
          "connection",
          "content-length",
          "content-transfer-encoding",
          "expect",
          "host",
          "keep-alive",
          "origin",
          "trailer",
          "transfer-encoding",
          "upgrade",
          "via");

  /** Accepts no host the JDK's own RFC 2818 check refused (it asks the verifier only then). */
  private static final HostnameVerifier STRICT = (host, session) -> false;

  /** The result of one POST; {@link #send} returns null instead when the sync is closing. */
  record Outcome(boolean acknowledged, boolean tooLarge, Duration retryAfter, String error) {
    static final Outcome OK = new Outcome(true, false, null, null);
  }

  /** What the server answered: its status, {@code Retry-After} and the start of an error body. */
  private record Answer(int code, String retryAfter, String body) {}

  /** A transport failure while connecting (TCP and TLS), not while waiting for the answer. */
  private static final class ConnectPhase extends IOException {
    ConnectPhase(IOException cause) {
      super(cause.getMessage(), cause);
    }
  }

  /** One exchange in flight: its connection, so that another thread can disconnect it. */
  private static final class Exchange {
    final CompletableFuture<Answer> answer = new CompletableFuture<>();
    private volatile HttpURLConnection connection;
    private volatile boolean aborted;

    /** Set by the pool thread right after opening; disconnects at once if already aborted. */
    void attach(HttpURLConnection c) throws IOException {
      connection = c;
      checkNotAborted();
    }

    void checkNotAborted() throws IOException {
      if (aborted) {
        connection.disconnect();
        throw new IOException("cancelled");
      }
    }

    /** Ends a blocked connect, write or read (disconnect closes the socket), from any thread. */
    void abort() {
      aborted = true;
      HttpURLConnection c = connection;
      if (c != null) {
        c.disconnect();
      }
    }
  }

  private final String name;
  private final URI endpoint;
  private final Duration connectTimeout;
  private final Duration requestTimeout;
  private final Duration maxRetryAfter;
  private final Map<String, Supplier<String>> headers;
  private final SSLContext sslContext;
  private final SyncStatus status;
  private final BooleanSupplier closing;
  private final ExecutorService pool;
  private volatile SSLSocketFactory tls;
  private volatile Exchange inFlight;

  /** Prepares the pool (its thread starts with the first request). */
  HttpSender(SyncSettings settings, SyncStatus status, BooleanSupplier closing) {
    this.name = settings.name();
    this.endpoint = settings.endpoint();
    this.connectTimeout = settings.connectTimeout();
    this.requestTimeout = settings.requestTimeout();
    this.maxRetryAfter = settings.maxRetryAfter();
    this.headers = settings.headers();
    this.sslContext = settings.sslContext();
    this.status = status;
    this.closing = closing;
    this.pool =
        Executors.newCachedThreadPool(
            Thread.ofPlatform().name("runnel-http-" + name + "-client-", 0).daemon().factory());
  }

  /** Cancels the request in flight, if any; the sync thread's {@link #send} then returns. */
  void cancelInFlight() {
    Exchange x = inFlight;
    if (x != null) {
      x.abort();
      x.answer.cancel(false);
    }
  }

  /** Stops the exchange in flight and the pool. */
  void shutdown() {
    cancelInFlight();
    pool.shutdownNow();
  }

  /** Sends one batch; null if the sync is closing. Never waits longer than the timeouts. */
  Outcome send(Batch batch) throws InterruptedException {
    String key = batch.idempotencyKey();
    String what =
        "cloud sync '"
            + name
            + "': POST "
            + endpoint
            + " (batch "
            + key
            + ", "
            + batch.count()
            + " entries)";
    Map<String, String> request = new LinkedHashMap<>();
    URL url;
    try {
      url = endpoint.toURL();
      request.put("Content-Type", "application/json");
      request.put("Idempotency-Key", key);
      for (Map.Entry<String, Supplier<String>> h : headers.entrySet()) {
        if (RESTRICTED.contains(h.getKey().toLowerCase(Locale.ROOT))) {
          throw new IllegalArgumentException("restricted header name: \"" + h.getKey() + "\"");
        }
        String v = Objects.requireNonNull(h.getValue().get(), h.getKey());
        if (v.indexOf('\r') >= 0 || v.indexOf('\n') >= 0) {
          throw new IllegalArgumentException("invalid header value for " + h.getKey());
        }
        request.put(h.getKey(), v);
      }
    } catch (IOException | RuntimeException e) {
      status.failedRequests.incrementAndGet();
      return new Outcome(false, false, null, what + ": cannot build the request: " + e);
    }
    status.requests.incrementAndGet();
    Exchange x = new Exchange();
    inFlight = x;
    try {
      if (closing.getAsBoolean()) {
        return null;
      }
      byte[] body = batch.body();
      try {
        pool.execute(
            () -> {
              try {
                x.answer.complete(exchange(x, url, request, body));
              } catch (IOException | RuntimeException e) {
                x.answer.completeExceptionally(e);
              }
            });
      } catch (RejectedExecutionException e) {
        return null; // shut down: only close() does that
      }
      if (closing.getAsBoolean()) { // close() may have looked before inFlight was set
        return null;
      }
      long deadline =
          saturatedAdd(
              saturatedAdd(
                  Durations.saturatedNanos(connectTimeout),
                  Durations.saturatedNanos(requestTimeout)),
              Durations.saturatedNanos(CLIENT_GRACE));
      return classify(x.answer.get(deadline, TimeUnit.NANOSECONDS), batch, what);
    } catch (CancellationException e) {
      if (closing.getAsBoolean()) {
        return null;
      }
      status.failedRequests.incrementAndGet();
      return new Outcome(false, false, null, what + ": cancelled");
    } catch (TimeoutException e) {
      status.failedRequests.incrementAndGet();
      status.timeouts.incrementAndGet();
      return new Outcome(
          false, false, null, what + ": no answer within the deadline of the HTTP client");
    } catch (ExecutionException e) {
      if (closing.getAsBoolean()) {
        return null;
      }
      status.failedRequests.incrementAndGet();
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      if (cause instanceof SocketTimeoutException
          || (cause instanceof ConnectPhase
              && cause.getCause() instanceof SocketTimeoutException)) {
        status.timeouts.incrementAndGet();
      }
      return new Outcome(false, false, null, what + ": " + describe(cause));
    } finally {
      if (!x.answer.isDone() || x.answer.isCompletedExceptionally()) {
        x.abort(); // not after an answer: its connection is back in the keep-alive cache
      }
      inFlight = null;
    }
  }

  /** The exchange itself, on a pool thread; bounded by the socket's timeouts and by abort(). */
  private Answer exchange(Exchange x, URL url, Map<String, String> request, byte[] body)
      throws IOException {
    HttpURLConnection c = (HttpURLConnection) url.openConnection(Proxy.NO_PROXY);
    if (c instanceof HttpsURLConnection s) {
      s.setSSLSocketFactory(tls());
      s.setHostnameVerifier(STRICT);
    }
    c.setConnectTimeout(millis(connectTimeout));
    c.setReadTimeout(millis(requestTimeout));
    c.setInstanceFollowRedirects(false);
    c.setUseCaches(false);
    c.setAllowUserInteraction(false);
    c.setRequestMethod("POST");
    c.setDoOutput(true);
    c.setFixedLengthStreamingMode(body.length); // streamed: never re-sent by the JDK on its own
    for (Map.Entry<String, String> h : request.entrySet()) {
      c.setRequestProperty(h.getKey(), h.getValue());
    }
    x.attach(c);
    try {
      c.connect();
    } catch (IOException e) {
      throw new ConnectPhase(e);
    }
    x.checkNotAborted();
    try (OutputStream out = c.getOutputStream()) {
      out.write(body);
    }
    int code;
    try {
      code = c.getResponseCode();
    } catch (HttpRetryException e) { // 401 on a streamed body: the JDK closed the connection
      return new Answer(e.responseCode(), null, "");
    }
    if (code < 0) {
      throw new IOException("not an HTTP response");
    }
    String retryAfter = c.getHeaderField("Retry-After");
    boolean ok = code >= 200 && code < 300;
    InputStream in = code >= 400 ? c.getErrorStream() : c.getInputStream();
    if (in == null) {
      return new Answer(code, retryAfter, "");
    }
    try (in) {
      byte[] kept = in.readNBytes(ok ? 0 : ERROR_BODY_CHARS);
      long skipped = in.skip(DRAIN_BYTES);
      if (skipped >= DRAIN_BYTES && in.read() >= 0) {
        c.disconnect(); // a long body: not worth reading to reuse the connection
      }
      return new Answer(code, retryAfter, new String(kept, StandardCharsets.UTF_8));
    }
  }

  private SSLSocketFactory tls() throws IOException {
    SSLSocketFactory f = tls;
    if (f == null) {
      try {
        f = (sslContext != null ? sslContext : SSLContext.getDefault()).getSocketFactory();
      } catch (NoSuchAlgorithmException e) {
        throw new IOException("no default TLS context", e);
      }
      tls = f;
    }
    return f;
  }

  private Outcome classify(Answer answer, Batch batch, String what) {
    int code = answer.code();
    if (code >= 200 && code < 300) {
      return Outcome.OK;
    }
    status.failedRequests.incrementAndGet();
    Duration retryAfter =
        RetryAfter.parse(answer.retryAfter(), Instant.now())
            .map(d -> d.compareTo(maxRetryAfter) > 0 ? maxRetryAfter : d)
            .orElse(null);
    boolean transientStatus = code == 408 || code == 429 || code >= 500;
    if (!transientStatus && (code != 413 || batch.count() == 1)) {
      status.rejected.incrementAndGet();
    }
    String body = answer.body();
    String error =
        what
            + ": HTTP "
            + code
            + (transientStatus ? "" : " (rejected; retried until accepted)")
            + (retryAfter != null ? ", Retry-After " + retryAfter.toMillis() + " ms" : "")
            + (body == null || body.isBlank() ? "" : ", body: " + body.strip());
    return new Outcome(false, code == 413, retryAfter, error);
  }

  /** A one-line account of a transport failure, naming the host where that is the problem. */
  private String describe(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof UnknownHostException) {
        return "cannot resolve host '" + endpoint.getHost() + "' (" + chain(c) + ")";
      }
    }
    if (t instanceof ConnectPhase && t.getCause() instanceof SocketTimeoutException) {
      return "connect timed out after "
          + connectTimeout.toMillis()
          + " ms ("
          + chain(t.getCause())
          + ")";
    }
    if (t instanceof SocketTimeoutException) {
      return "request timed out after " + requestTimeout.toMillis() + " ms (" + chain(t) + ")";
    }
    if (t instanceof ConnectPhase && t.getCause() instanceof ConnectException) {
      return "cannot connect to "
          + endpoint.getHost()
          + ":"
          + port()
          + " ("
          + chain(t.getCause())
          + ")";
    }
    return chain(t instanceof ConnectPhase ? t.getCause() : t);
  }

  private int port() {
    if (endpoint.getPort() >= 0) {
      return endpoint.getPort();
    }
    return "https".equalsIgnoreCase(endpoint.getScheme()) ? 443 : 80;
  }

  /** A timeout for the socket: at least 1 ms (0 would mean none), at most Integer.MAX_VALUE. */
  private static int millis(Duration d) {
    long ms = Durations.saturatedNanos(d) / 1_000_000L;
    return (int) Math.clamp(ms, 1L, Integer.MAX_VALUE);
  }

  private static String chain(Throwable t) {
    StringBuilder sb = new StringBuilder();
    Set<Throwable> seen = new LinkedHashSet<>();
    for (Throwable c = t; c != null && seen.add(c); c = c.getCause()) {
      if (!sb.isEmpty()) {
        sb.append(" <- ");
      }
      sb.append(c.getClass().getSimpleName());
      if (c.getMessage() != null) {
        sb.append(": ").append(c.getMessage());
      }
    }
    return sb.toString();
  }

  private static long saturatedAdd(long a, long b) {
    long r = a + b;
    return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
  }
}
