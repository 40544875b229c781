package io.runnel.bench.mqtt;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The JDK's HTTP client in use beside the MQTT client, as the gateway's HTTP sync uses it
 * (HTTP/1.1, no redirects, a cached pool of daemon threads, asynchronous POSTs of JSON batches), so
 * that a run shows what an MQTT client costs on top of the JDK classes the gateway loads anyway
 * (sockets, selectors, TLS support, executors). Loaded only when the probe is given {@code
 * http=<url>}.
 */
final class HttpLoad {
  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  private final ExecutorService executor =
      Executors.newCachedThreadPool(Thread.ofPlatform().name("probe-http-", 0).daemon().factory());
  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .followRedirects(HttpClient.Redirect.NEVER)
          .connectTimeout(TIMEOUT)
          .executor(executor)
          .build();
  private final URI endpoint;
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong ok = new AtomicLong();
  private final AtomicReference<String> firstFailure = new AtomicReference<>();

  HttpLoad(URI endpoint) {
    this.endpoint = endpoint;
  }

  /** Posts {@code body} and waits for a 2xx answer; throws otherwise. */
  void post(byte[] body) throws Exception {
    postAsync(body).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    check();
  }

  /** Posts {@code body}; the answer is counted when it arrives. */
  CompletableFuture<?> postAsync(byte[] body) {
    sent.incrementAndGet();
    HttpRequest r =
        HttpRequest.newBuilder(endpoint)
            .timeout(TIMEOUT)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build();
    return client
        .sendAsync(r, HttpResponse.BodyHandlers.discarding())
        .whenComplete(
            (response, e) -> {
              if (e != null) {
                firstFailure.compareAndSet(null, e.toString());
              } else if (response.statusCode() / 100 != 2) {
                firstFailure.compareAndSet(null, "HTTP " + response.statusCode());
              } else {
                ok.incrementAndGet();
              }
            });
  }

  /** Waits up to 5 s for every answer; throws if one failed or is missing. */
  void awaitAll() throws InterruptedException {
    long end = System.nanoTime() + TIMEOUT.toNanos();
    while (ok.get() < sent.get() && firstFailure.get() == null && System.nanoTime() < end) {
      Thread.sleep(10);
    }
    check();
    if (ok.get() != sent.get()) {
      throw new IllegalStateException(
          "HTTP: " + (sent.get() - ok.get()) + " of " + sent.get() + " POSTs unanswered after 5 s");
    }
  }

  long answered() {
    return ok.get();
  }

  private void check() {
    if (firstFailure.get() != null) {
      throw new IllegalStateException(
          "HTTP POST to " + endpoint + " failed: " + firstFailure.get());
    }
  }

  void close() {
    executor.shutdownNow();
  }
}
