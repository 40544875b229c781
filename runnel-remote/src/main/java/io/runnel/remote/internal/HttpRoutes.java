package io.runnel.remote.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Plain HTTP routes beside the protocol: the configured endpoints ({@code GET}, bearer token
 * required, refusals counted), static resources (no token: they hold no data), and a 400 for a
 * plain request to {@code /v1}. Anything else falls through to Jetty's 404.
 */
final class HttpRoutes extends Handler.Abstract {
  /** One path segment of a static file: no traversal, no encoding tricks, no hidden files. */
  private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]*");

  static final Map<String, String> CONTENT_TYPES =
      Map.ofEntries(
          Map.entry("html", "text/html; charset=utf-8"),
          Map.entry("css", "text/css; charset=utf-8"),
          Map.entry("js", "text/javascript; charset=utf-8"),
          Map.entry("mjs", "text/javascript; charset=utf-8"),
          Map.entry("json", "application/json"),
          Map.entry("map", "application/json"),
          Map.entry("svg", "image/svg+xml"),
          Map.entry("png", "image/png"),
          Map.entry("ico", "image/x-icon"),
          Map.entry("txt", "text/plain; charset=utf-8"),
          Map.entry("woff2", "font/woff2"));

  /** The largest static file served (they are held in memory). */
  static final int MAX_STATIC_BYTES = 4 * 1024 * 1024;

  private final ServerRuntime runtime;
  private final Map<String, HttpEndpoint> endpoints = new LinkedHashMap<>();
  private final List<ServerConfig.StaticRoute> statics;
  private final Map<String, StaticFile> cache = new ConcurrentHashMap<>();

  private record StaticFile(byte[] bytes, String contentType, String etag) {}

  HttpRoutes(ServerRuntime runtime) {
    this.runtime = runtime;
    for (HttpEndpoint e : runtime.config().httpEndpoints()) {
      endpoints.put(e.path(), e);
    }
    statics = runtime.config().staticRoutes();
  }

  /** The principal of an {@code Authorization: Bearer <token>} header, or null. */
  static Principal bearer(ServerRuntime runtime, String header) {
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    return runtime.tokens().authenticate(header.substring(7).strip());
  }

  @Override
  public boolean handle(Request req, Response resp, Callback cb) {
    String path = Request.getPathInContext(req);
    if (path.equals(WebSocketTransport.PATH)) {
      Response.writeError(req, resp, cb, 400, "this is a WebSocket endpoint: upgrade the request");
      return true;
    }
    for (ServerConfig.StaticRoute r : statics) {
      if (path.startsWith(r.prefix()) || (path + "/").equals(r.prefix())) {
        return serveStatic(r, path, req, resp, cb);
      }
    }
    HttpEndpoint e = endpoints.get(path);
    if (e == null) {
      return false;
    }
    String remote = String.valueOf(req.getConnectionMetaData().getRemoteSocketAddress());
    if (!HttpMethod.GET.is(req.getMethod()) && !HttpMethod.HEAD.is(req.getMethod())) {
      resp.getHeaders().put(HttpHeader.ALLOW, "GET, HEAD");
      Response.writeError(req, resp, cb, 405, "only GET");
      return true;
    }
    Principal who = bearer(runtime, req.getHeaders().get(HttpHeader.AUTHORIZATION));
    if (who == null) {
      runtime.rejected(Reason.UNAUTHENTICATED, remote, "GET " + path + " without a valid token");
      resp.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer");
      Response.writeError(req, resp, cb, 401, "a bearer token is required");
      return true;
    }
    runtime.counters().request("http " + path);
    String body;
    try {
      body = e.body().get();
    } catch (RuntimeException ex) {
      runtime.logInternal(remote, "GET " + path, ex);
      Response.writeError(req, resp, cb, 500, "the endpoint failed (logged on the server)");
      return true;
    }
    resp.setStatus(200);
    resp.getHeaders().put(HttpHeader.CONTENT_TYPE, e.contentType());
    byte[] bytes = (body == null ? "" : body).getBytes(StandardCharsets.UTF_8);
    resp.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
    if (HttpMethod.HEAD.is(req.getMethod())) {
      cb.succeeded();
      return true;
    }
    resp.write(true, ByteBuffer.wrap(bytes), cb);
    return true;
  }

  // ------------------------------------------------------------------ static resources

  private boolean serveStatic(
      ServerConfig.StaticRoute r, String path, Request req, Response resp, Callback cb) {
    if (!HttpMethod.GET.is(req.getMethod()) && !HttpMethod.HEAD.is(req.getMethod())) {
      resp.getHeaders().put(HttpHeader.ALLOW, "GET, HEAD");
      Response.writeError(req, resp, cb, 405, "only GET and HEAD");
      return true;
    }
    if (!path.startsWith(r.prefix())) { // the prefix without its slash
      String query = req.getHttpURI().getQuery();
      resp.setStatus(301);
      resp.getHeaders().put(HttpHeader.LOCATION, r.prefix() + (query == null ? "" : "?" + query));
      resp.getHeaders().put(HttpHeader.CONTENT_LENGTH, 0);
      cb.succeeded();
      return true;
    }
    String rel = path.substring(r.prefix().length());
    if (rel.isEmpty()) {
      rel = "index.html";
    }
    Optional<StaticFile> f = resolve(r, rel);
    if (f.isEmpty()) {
      Response.writeError(req, resp, cb, 404, "no such file");
      return true;
    }
    StaticFile file = f.get();
    runtime.counters().request("http " + r.prefix());
    resp.getHeaders().put(HttpHeader.ETAG, file.etag());
    resp.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
    resp.getHeaders().put("X-Content-Type-Options", "nosniff");
    resp.getHeaders().put("Referrer-Policy", "no-referrer");
    if (file.contentType().startsWith("text/html")) {
      // the page talks only to its own server: no other origin, no framing
      resp.getHeaders()
          .put(
              "Content-Security-Policy",
              "default-src 'self'; connect-src 'self'; img-src 'self' data:;"
                  + " style-src 'self' 'unsafe-inline'; frame-ancestors 'none'");
    }
    String inm = req.getHeaders().get(HttpHeader.IF_NONE_MATCH);
    if (inm != null && matches(inm, file.etag())) {
      resp.setStatus(304);
      cb.succeeded();
      return true;
    }
    resp.setStatus(200);
    resp.getHeaders().put(HttpHeader.CONTENT_TYPE, file.contentType());
    resp.getHeaders().put(HttpHeader.CONTENT_LENGTH, file.bytes().length);
    if (HttpMethod.HEAD.is(req.getMethod())) {
      cb.succeeded();
      return true;
    }
    resp.write(true, ByteBuffer.wrap(file.bytes()), cb);
    return true;
  }

  private static boolean matches(String ifNoneMatch, String etag) {
    for (String t : ifNoneMatch.split(",")) {
      String s = t.strip();
      if (s.startsWith("W/")) {
        s = s.substring(2);
      }
      if (s.equals(etag) || s.equals("*")) {
        return true;
      }
    }
    return false;
  }

  /** The file for {@code rel} (relative to the route), or empty when it is not one we serve. */
  private Optional<StaticFile> resolve(ServerConfig.StaticRoute r, String rel) {
    String ext = checkedExtension(rel);
    if (ext == null) {
      return Optional.empty();
    }
    String resource = r.root() + rel;
    StaticFile cached = cache.get(resource);
    if (cached != null) {
      return Optional.of(cached);
    }
    URL url = r.loader().getResource(resource);
    if (url == null || !isFile(url)) {
      return Optional.empty();
    }
    byte[] bytes;
    try {
      try (InputStream in = url.openStream()) {
        bytes = in.readNBytes(MAX_STATIC_BYTES + 1);
      }
    } catch (IOException e) {
      runtime.logInternal("-", "read static resource " + resource, e);
      return Optional.empty();
    }
    if (bytes.length > MAX_STATIC_BYTES) {
      runtime.logInternal(
          "-",
          "static resource " + resource,
          new IllegalStateException("larger than " + MAX_STATIC_BYTES + " bytes: not served"));
      return Optional.empty();
    }
    StaticFile f = new StaticFile(bytes, CONTENT_TYPES.get(ext), etag(bytes));
    cache.putIfAbsent(resource, f);
    return Optional.of(f);
  }

  /** The extension of a well-formed relative path, or null when the path is not one we serve. */
  static String checkedExtension(String rel) {
    if (rel.length() > 256 || rel.endsWith("/")) {
      return null;
    }
    for (String seg : rel.split("/", -1)) {
      if (!SEGMENT.matcher(seg).matches()) {
        return null;
      }
    }
    int dot = rel.lastIndexOf('.');
    int slash = rel.lastIndexOf('/');
    if (dot <= slash + 1) {
      return null;
    }
    String ext = rel.substring(dot + 1);
    return CONTENT_TYPES.containsKey(ext) ? ext : null;
  }

  /** Whether a resource URL is a regular file (never a directory: no listing). */
  private static boolean isFile(URL url) {
    try {
      switch (url.getProtocol()) {
        case "file":
          return Files.isRegularFile(Path.of(url.toURI()));
        case "jar":
          // the JDK caches the open jar (the class path's own): nothing to close here
          var entry = ((JarURLConnection) url.openConnection()).getJarEntry();
          return entry != null && !entry.isDirectory();
        default:
          return false;
      }
    } catch (IOException | URISyntaxException | IllegalArgumentException e) {
      return false;
    }
  }

  private static String etag(byte[] bytes) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(bytes);
      return "\"" + HexFormat.of().formatHex(d, 0, 12) + "\"";
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
  }
}
