package io.runnel.http;

import io.runnel.spi.Durations;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The HTTP exchange of one batch: builds the POST (request timeout, {@code Content-Type}, {@code
 * Idempotency-Key}, the configured headers asked for at every request), sends it on the {@link
 * HttpClient} (HTTP/1.1, no redirects, connect timeout, TLS context) and classifies the answer.
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
 * <p>Threads: {@link #send} runs on the sync thread and never waits longer than connect timeout +
 * request timeout + {@link #CLIENT_GRACE}; the exchange itself runs on the client's own pool
 * ({@code runnel-http-<name>-client-N}). {@link #cancelInFlight()} and {@link #shutdown()} are
 * called by the closing thread. Counts {@code requests}, {@code failedRequests}, {@code timeouts}
 * and {@code rejected} into the {@link SyncStatus}.
 */
final class HttpSender {

  /** Extra time the client gets beyond its own timeouts before we give up on it ourselves. */
  static final Duration CLIENT_GRACE = Duration.ofSeconds(1);

  /** How much of an error response body is kept for the status and the log. */
  static final int ERROR_BODY_CHARS = 200;

  /** The result of one POST; {@link #send} returns null instead when the sync is closing. */
  record Outcome(boolean acknowledged, boolean tooLarge, Duration retryAfter, String error) {
    static final Outcome OK = new Outcome(true, false, null, null);
  }

  private final String name;
  private final URI endpoint;
  private final Duration connectTimeout;
  private final Duration requestTimeout;
  private final Duration maxRetryAfter;
  private final Map<String, Supplier<String>> headers;
  private final SyncStatus status;
  private final BooleanSupplier closing;
  private final ExecutorService clientExecutor;
  private final HttpClient.Builder clientBuilder;

  /**
   * Built by the sync thread before its first request, not by the constructor: building the JDK's
   * client loads ~1,000 classes (~100 ms on a small device), which would otherwise delay the
   * pipeline's start, and so its first reading (docs/BENCHMARKS.md, "Footprint by part").
   */
  private volatile HttpClient client;

  private volatile CompletableFuture<?> inFlight;

  /** Prepares the client and its pool (the client is built, and threads start, on demand). */
  HttpSender(SyncSettings settings, SyncStatus status, BooleanSupplier closing) {
    this.name = settings.name();
    this.endpoint = settings.endpoint();
    this.connectTimeout = settings.connectTimeout();
    this.requestTimeout = settings.requestTimeout();
    this.maxRetryAfter = settings.maxRetryAfter();
    this.headers = settings.headers();
    this.status = status;
    this.closing = closing;
    this.clientExecutor =
        Executors.newCachedThreadPool(
            Thread.ofPlatform().name("runnel-http-" + name + "-client-", 0).daemon().factory());
    HttpClient.Builder hb =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(connectTimeout)
            .executor(clientExecutor);
    if (settings.sslContext() != null) {
      hb.sslContext(settings.sslContext());
    }
    this.clientBuilder = hb;
  }

  /** The client, built on the sync thread's first call; shut down at once if closing meanwhile. */
  private HttpClient client() {
    HttpClient c = client;
    if (c == null) {
      c = clientBuilder.build();
      client = c;
      if (closing.getAsBoolean()) { // close() began: its shutdown() may have seen no client
        c.shutdownNow();
      }
    }
    return c;
  }

  /** Cancels the request in flight, if any; the sync thread's {@link #send} then returns. */
  void cancelInFlight() {
    CompletableFuture<?> f = inFlight;
    if (f != null) {
      f.cancel(true);
    }
  }

  /** Stops the client and its pool. */
  void shutdown() {
    HttpClient c = client;
    if (c != null) {
      c.shutdownNow();
    }
    clientExecutor.shutdownNow();
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
    HttpRequest request;
    try {
      HttpRequest.Builder rb =
          HttpRequest.newBuilder(endpoint)
              .timeout(requestTimeout)
              .header("Content-Type", "application/json")
              .header("Idempotency-Key", key)
              .POST(HttpRequest.BodyPublishers.ofByteArray(batch.body()));
      for (Map.Entry<String, Supplier<String>> h : headers.entrySet()) {
        rb.header(h.getKey(), Objects.requireNonNull(h.getValue().get(), h.getKey()));
      }
      request = rb.build();
    } catch (RuntimeException e) {
      status.failedRequests.incrementAndGet();
      return new Outcome(false, false, null, what + ": cannot build the request: " + e);
    }
    status.requests.incrementAndGet();
    CompletableFuture<HttpResponse<String>> f =
        client().sendAsync(request, info -> SnippetBody.of(ERROR_BODY_CHARS, info));
    inFlight = f;
    try {
      if (closing.getAsBoolean()) {
        f.cancel(true);
        return null;
      }
      long deadline =
          saturatedAdd(
              saturatedAdd(
                  Durations.saturatedNanos(connectTimeout),
                  Durations.saturatedNanos(requestTimeout)),
              Durations.saturatedNanos(CLIENT_GRACE));
      return classify(f.get(deadline, TimeUnit.NANOSECONDS), batch, what);
    } catch (CancellationException e) {
      if (closing.getAsBoolean()) {
        return null;
      }
      status.failedRequests.incrementAndGet();
      return new Outcome(false, false, null, what + ": cancelled");
    } catch (TimeoutException e) {
      f.cancel(true);
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
      if (cause instanceof HttpTimeoutException) {
        status.timeouts.incrementAndGet();
      }
      return new Outcome(false, false, null, what + ": " + describe(cause));
    } finally {
      inFlight = null;
    }
  }

  private Outcome classify(HttpResponse<String> response, Batch batch, String what) {
    int code = response.statusCode();
    if (code >= 200 && code < 300) {
      return Outcome.OK;
    }
    status.failedRequests.incrementAndGet();
    Duration retryAfter =
        response
            .headers()
            .firstValue("Retry-After")
            .flatMap(v -> RetryAfter.parse(v, Instant.now()))
            .map(d -> d.compareTo(maxRetryAfter) > 0 ? maxRetryAfter : d)
            .orElse(null);
    boolean transientStatus = code == 408 || code == 429 || code >= 500;
    if (!transientStatus && (code != 413 || batch.count() == 1)) {
      status.rejected.incrementAndGet();
    }
    String body = response.body();
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
      if (c instanceof UnresolvedAddressException || c instanceof UnknownHostException) {
        return "cannot resolve host '" + endpoint.getHost() + "' (" + chain(t) + ")";
      }
    }
    if (t instanceof HttpConnectTimeoutException) {
      return "connect timed out after " + connectTimeout.toMillis() + " ms (" + chain(t) + ")";
    }
    if (t instanceof HttpTimeoutException) {
      return "request timed out after " + requestTimeout.toMillis() + " ms (" + chain(t) + ")";
    }
    if (t instanceof ConnectException) {
      return "cannot connect to " + endpoint.getHost() + ":" + port() + " (" + chain(t) + ")";
    }
    return chain(t);
  }

  private int port() {
    if (endpoint.getPort() >= 0) {
      return endpoint.getPort();
    }
    return "https".equalsIgnoreCase(endpoint.getScheme()) ? 443 : 80;
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
