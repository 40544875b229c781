package io.runnel.remote.internal;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Plain HTTP routes beside the protocol: the configured endpoints ({@code GET}, bearer token
 * required, refusals counted), and a 400 for a plain request to {@code /v1}. Anything else falls
 * through to Jetty's 404, so more routes can be put in front later.
 */
final class HttpRoutes extends Handler.Abstract {
  private final ServerRuntime runtime;
  private final Map<String, HttpEndpoint> endpoints = new LinkedHashMap<>();

  HttpRoutes(ServerRuntime runtime) {
    this.runtime = runtime;
    for (HttpEndpoint e : runtime.config().httpEndpoints()) {
      endpoints.put(e.path(), e);
    }
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
    resp.write(true, java.nio.ByteBuffer.wrap(bytes), cb);
    return true;
  }
}
