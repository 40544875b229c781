package io.runnel.metrics;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.runnel.RecordKey;
import io.runnel.Runnel;
import io.runnel.buffer.Producer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The scrape served the way the remote server's {@code httpEndpoint(path, contentType,
 * Supplier<String>)} serves it: here by the JDK's HTTP server on loopback, fetched by a client.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ServedOverHttpTest {
  static final RecordKey KEY = RecordKey.of("app.served");

  /** What an endpoint given (contentType, body) does with each GET. */
  private static HttpServer serve(String path, String contentType, Supplier<String> body)
      throws Exception {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        path,
        exchange -> {
          try (exchange) {
            byte[] bytes = body.get().getBytes(UTF_8);
            exchange.getResponseHeaders().set("Content-Type", contentType);
            exchange.sendResponseHeaders(200, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
              out.write(bytes);
            }
          }
        });
    server.start();
    return server;
  }

  @Test
  void aGetOfMetricsReturnsTheScrapeWithItsContentType() throws Exception {
    try (Runnel runnel =
        Runnel.builder().configure(Long.class, KEY, r -> r.external()).build().start()) {
      Producer<Long> out = runnel.producer(Long.class, KEY);
      PrometheusScrape metrics = PrometheusScrape.of(runnel);
      HttpServer server = serve("/metrics", metrics.contentType(), metrics::scrape);
      try (HttpClient client =
          HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
        URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/metrics");
        for (long n = 1; n <= 3; n++) {
          out.produce(n);
          HttpResponse<String> rsp =
              client.send(
                  HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                  HttpResponse.BodyHandlers.ofString());
          assertThat(rsp.statusCode()).isEqualTo(200);
          assertThat(rsp.headers().firstValue("Content-Type"))
              .contains("text/plain; version=0.0.4; charset=utf-8");
          // each GET is a fresh snapshot
          assertThat(
                  new Exposition(rsp.body())
                      .value("runnel_record_produced_total", "record", KEY.id()))
              .isEqualTo(n);
        }
      } finally {
        server.stop(0);
      }
    }
  }
}
