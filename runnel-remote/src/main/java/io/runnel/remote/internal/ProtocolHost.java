package io.runnel.remote.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.runnel.Runnel;
import io.runnel.remote.Role;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.function.BooleanSupplier;

/**
 * What a second protocol on the WebSocket listener (the Foxglove WebSocket protocol, package {@code
 * internal.foxglove}) may use of the server, so that it shares the server's tokens, limits,
 * counters, JSON Schemas, JSON rendering and {@code set} (allow-list, roles, audit log) instead of
 * keeping copies. Public only because that protocol lives in a sub-package; the package is not
 * exported.
 */
public final class ProtocolHost {

  /** Who a connection authenticated as. */
  public record Caller(String client, Role role) {}

  private final ServerRuntime runtime;

  ProtocolHost(ServerRuntime runtime) {
    this.runtime = runtime;
  }

  public Runnel runnel() {
    return runtime.runnel();
  }

  public ServerConfig config() {
    return runtime.config();
  }

  public String pipelineName() {
    return runtime.pipelineName();
  }

  public String version() {
    return runtime.version();
  }

  /** The owner of {@code token}, or null (constant time, see {@code Tokens}). */
  public Caller authenticate(String token) {
    Principal p = runtime.tokens().authenticate(token);
    return p == null ? null : new Caller(p.client(), p.role());
  }

  /** The JSON Schema of a record type (the same the JSON-RPC {@code records} method gives). */
  public JsonNode schema(Class<?> type) {
    return runtime.schemas().of(type);
  }

  /** Whether {@code set} may write {@code key} (the allow-list). */
  public boolean writable(String key) {
    return runtime.writes().writable(key);
  }

  /**
   * {@code set}: decodes {@code value} into the record's type and produces it, checking role and
   * allow-list, counting and auditing like the JSON-RPC {@code set}.
   *
   * @return null when accepted, else the one-line reason ({@code forbidden: ...}, {@code
   *     decode_failed: ... ($.celsius: ...)})
   */
  public String set(Caller who, String remote, String key, JsonNode value) {
    try {
      runtime.writes().set(new Principal(who.client(), who.role()), remote, key, value);
      return null;
    } catch (RpcException e) {
      runtime.rejected(e.reason(), remote, e.getMessage());
      Object detail = e.data().get("detail");
      return e.reason().word()
          + ": "
          + e.getMessage()
          + (detail == null ? "" : " (" + detail + ")");
    }
  }

  /** A value as the server renders it (Jackson, java.time as ISO-8601 strings). */
  public JsonNode render(Object value) {
    return Subscription.value(value);
  }

  /** A JSON tree as compact text. */
  public String write(JsonNode node) {
    return Json.write(node);
  }

  /** A JSON tree as UTF-8 bytes. */
  public byte[] bytes(JsonNode node) {
    try {
      return Json.MAPPER.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot render JSON: " + e.getOriginalMessage(), e);
    }
  }

  /** Parses JSON strictly (the server's mapper: no trailing tokens, no duplicate members). */
  public JsonNode parse(byte[] utf8, int offset, int length) throws JsonProcessingException {
    try {
      return Json.MAPPER.readTree(utf8, offset, length);
    } catch (JsonProcessingException e) {
      throw e;
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Parses JSON strictly. */
  public JsonNode parse(String text) throws JsonProcessingException {
    return Json.MAPPER.readTree(text);
  }

  /** A request-rate limiter for one connection ({@code requestsPerSecond}). */
  public BooleanSupplier rateLimiter() {
    TokenBucket b = new TokenBucket(runtime.config().limits().requestsPerSecond());
    return b::tryAcquire;
  }

  /**
   * Takes a connection slot ({@code maxConnections}, shared with the JSON-RPC connections); false,
   * counted and logged, when all are taken.
   */
  public boolean admit(String remote) {
    ServerStats s = runtime.counters();
    long open = s.connectionsOpen.incrementAndGet();
    if (open > runtime.config().limits().maxConnections()) {
      s.connectionsOpen.decrementAndGet();
      s.connectionsRejected.increment();
      runtime.rejected(
          Reason.TOO_MANY_CONNECTIONS,
          remote,
          runtime.config().limits().maxConnections() + " connections are open (maxConnections)");
      return false;
    }
    s.connectionsAccepted.increment();
    return true;
  }

  /** Gives back a slot taken by {@link #admit}. */
  public void release() {
    runtime.counters().connectionsOpen.decrementAndGet();
  }

  /** Counts and logs (rate-limited) one refusal; {@code closes}: it also refused a connection. */
  public void rejected(Reason reason, String remote, String message, boolean closes) {
    runtime.rejected(reason, remote, message);
    if (closes) {
      runtime.counters().connectionsRejected.increment();
    }
  }

  /** Counts one request under {@code name} (the {@code requests} map of the stats). */
  public void request(String name) {
    runtime.counters().request(name);
  }

  /** A subscription opened (+1) or closed (-1): the {@code watchesOpen} gauge. */
  public void watches(int delta) {
    runtime.counters().watchesOpen.addAndGet(delta);
  }

  /** Values handed to a client. */
  public void delivered(long n) {
    runtime.counters().watchDelivered.add(n);
  }

  /** Values a slow client did not get (dropped, or overtaken in the ring). */
  public void missed(long n) {
    runtime.counters().watchMissed.add(n);
  }

  /** Logs an unexpected failure, rate-limited. */
  public void internalError(String remote, String what, Throwable e) {
    runtime.logInternal(remote, what, e);
  }

  /** Runs {@code r} once after {@code d} on the server's timer thread (null once closed). */
  public ScheduledFuture<?> schedule(Runnable r, Duration d) {
    return runtime.schedule(r, d);
  }
}
