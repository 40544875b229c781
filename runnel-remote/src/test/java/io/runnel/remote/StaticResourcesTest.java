package io.runnel.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code Builder.staticResources}: files served without a token, with their content type and an
 * ETag; no directory listing, no path traversal, no other method.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StaticResourcesTest {
  @TempDir static Path tmp;
  Fixture f;
  HttpClient http;

  @BeforeAll
  void start() throws Exception {
    f =
        new Fixture(
            tmp,
            b ->
                b.staticResources(
                    "/ui/", StaticResourcesTest.class.getClassLoader(), "META-INF/test-ui/"));
    http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }

  @AfterAll
  void stop() {
    http.close();
    f.close();
  }

  HttpResponse<String> get(String path, String... headers) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + f.server.port() + path))
            .timeout(Duration.ofSeconds(5));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A request exactly as written (the JDK client normalises some paths). */
  String raw(String requestLine) throws IOException {
    try (Socket s = new Socket("127.0.0.1", f.server.port())) {
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      out.write(
          (requestLine + "\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = s.getInputStream();
      String resp = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
      return resp.lines().findFirst().orElse("");
    }
  }

  @Test
  void servesFilesWithoutATokenWithContentTypeAndETag() throws Exception {
    HttpResponse<String> index = get("/ui/");
    assertThat(index.statusCode()).isEqualTo(200);
    assertThat(index.body()).contains("<title>t</title>");
    assertThat(index.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");
    assertThat(index.headers().firstValue("x-content-type-options")).hasValue("nosniff");
    assertThat(index.headers().firstValue("content-security-policy").orElseThrow())
        .contains("default-src 'self'");
    assertThat(get("/ui/index.html").body()).isEqualTo(index.body());

    HttpResponse<String> js = get("/ui/sub/app.js");
    assertThat(js.statusCode()).isEqualTo(200);
    assertThat(js.headers().firstValue("content-type")).hasValue("text/javascript; charset=utf-8");
    String etag = js.headers().firstValue("etag").orElseThrow();
    assertThat(etag).startsWith("\"").endsWith("\"");
    assertThat(js.headers().firstValue("cache-control")).hasValue("no-cache");

    HttpResponse<String> again = get("/ui/sub/app.js", "If-None-Match", etag);
    assertThat(again.statusCode()).isEqualTo(304);
    assertThat(again.body()).isEmpty();
    assertThat(get("/ui/sub/app.js", "If-None-Match", "\"other\"").statusCode()).isEqualTo(200);
  }

  @Test
  void thePrefixWithoutItsSlashRedirects() throws Exception {
    HttpResponse<String> r = get("/ui");
    assertThat(r.statusCode()).isEqualTo(301);
    assertThat(r.headers().firstValue("location")).hasValue("/ui/");
  }

  @Test
  void noListingNoTraversalNoUnknownTypes() throws Exception {
    assertThat(get("/ui/sub/").statusCode()).as("a directory").isEqualTo(404);
    assertThat(get("/ui/dir.js").statusCode()).as("a directory named like a file").isEqualTo(404);
    assertThat(get("/ui/sub").statusCode()).isEqualTo(404);
    assertThat(get("/ui/notes.secret").statusCode()).as("unknown extension").isEqualTo(404);
    assertThat(get("/ui/missing.js").statusCode()).isEqualTo(404);
    assertThat(get("/ui/.hidden.js").statusCode()).isEqualTo(404);
    // traversal out of the root, raw so that no client normalises it first
    for (String path :
        new String[] {
          "/ui/../outside.txt",
          "/ui/sub/../../outside.txt",
          "/ui/%2e%2e/outside.txt",
          "/ui/..%2foutside.txt",
          "/ui/sub%2f..%2f..%2foutside.txt",
          "/ui/..\\outside.txt",
          "/ui//etc/passwd",
        }) {
      String status = raw("GET " + path + " HTTP/1.1");
      assertThat(status).as(path).doesNotContain(" 200 ");
      assertThat(status).as(path).matches("HTTP/1.1 (400|404).*");
    }
  }

  @Test
  void onlyGetAndHead() throws Exception {
    HttpResponse<String> head =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + f.server.port() + "/ui/"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.body()).isEmpty();
    HttpResponse<String> post =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + f.server.port() + "/ui/"))
                .POST(HttpRequest.BodyPublishers.ofString("x"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(post.headers().firstValue("allow")).hasValue("GET, HEAD");
  }

  @Test
  void badPrefixesAreRefusedByTheBuilder() {
    RemoteServer.Builder b = RemoteServer.builder(f.demo.runnel);
    ClassLoader cl = getClass().getClassLoader();
    for (String bad : new String[] {"ui/", "/ui", "/", "/v1/", "/v1/x/"}) {
      assertThatThrownBy(() -> b.staticResources(bad, cl, "META-INF/x/"))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> b.staticResources("/ui/", cl, "/abs/"))
        .isInstanceOf(IllegalArgumentException.class);
    RemoteServer.Builder withUi = b.staticResources("/ui/", cl, "META-INF/x/");
    assertThatThrownBy(() -> withUi.staticResources("/ui/x/", cl, "META-INF/y/"))
        .hasMessageContaining("overlaps");
    assertThatThrownBy(() -> withUi.httpEndpoint("/ui/metrics", "text/plain", () -> ""))
        .hasMessageContaining("overlaps");
  }
}
