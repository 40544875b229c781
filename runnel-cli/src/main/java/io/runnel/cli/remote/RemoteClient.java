package io.runnel.cli.remote;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A client of the Runnel remote protocol (version 1, {@code docs/REMOTE.md}) over either transport:
 * connects, authenticates with {@code hello}, then sends requests and waits for their answers (each
 * wait bounded by the client's timeout) and receives the notifications of watches.
 *
 * <pre>{@code
 * try (RemoteClient c = RemoteClient.connect(Endpoint.webSocket(uri), token, "my-tool", timeout)) {
 *   JsonNode records = c.call("records", null);
 * }
 * }</pre>
 *
 * <p>Thread-safe: requests may be sent from several threads. Notifications are kept in a bounded
 * queue; while it is full the transport stops reading, so a slow reader of notifications slows only
 * this connection (the server counts and reports what this client missed) and never the pipeline.
 */
public final class RemoteClient implements AutoCloseable {

  /** The protocol version this client speaks. */
  public static final int PROTOCOL = 1;

  /** The largest message accepted from the server. */
  public static final int MAX_MESSAGE_BYTES = 16 << 20;

  private static final int NOTIFICATION_QUEUE = 4096;
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A server notification: {@code method} (e.g. {@code watch.value}) and its {@code params}. */
  public record Notification(String method, JsonNode params) {}

  private static final Notification END = new Notification("", null);

  private final Endpoint endpoint;
  private final Duration timeout;
  private final AtomicLong ids = new AtomicLong();
  private final ConcurrentHashMap<Long, CompletableFuture<JsonNode>> pending =
      new ConcurrentHashMap<>();
  private final BlockingQueue<Notification> notifications =
      new ArrayBlockingQueue<>(NOTIFICATION_QUEUE);
  private final AtomicLong badMessages = new AtomicLong();
  private volatile String closedWhy;

  private final java.util.concurrent.CountDownLatch closedLatch =
      new java.util.concurrent.CountDownLatch(1);

  /** The message of an error without id, which the server sends just before it closes. */
  private volatile String lastNotice;

  private volatile Transport transport;
  private JsonNode hello;

  /** Keeps this client under the server's announced requests per second (set after hello). */
  private volatile Pacer pacer;

  private RemoteClient(Endpoint endpoint, Duration timeout) {
    this.endpoint = endpoint;
    this.timeout = timeout;
  }

  /**
   * Connects and authenticates.
   *
   * @param token the token, or null to send none (the server then refuses)
   * @param clientName shown in the server's logs and audit log
   * @param timeout bounds the connect and every later wait for an answer
   * @throws RemoteException if the server cannot be reached or refuses the token
   */
  public static RemoteClient connect(
      Endpoint endpoint, String token, String clientName, Duration timeout) throws RemoteException {
    RemoteClient c = new RemoteClient(endpoint, timeout);
    c.transport = endpoint.open(c.new Receiver(), timeout, MAX_MESSAGE_BYTES);
    try {
      ObjectNode p = JSON.createObjectNode().put("protocol", PROTOCOL).put("client", clientName);
      if (token != null) {
        p.put("token", token);
      }
      c.hello = c.call("hello", p);
      int rps = c.hello.path("limits").path("requestsPerSecond").asInt(0);
      if (rps > 0) {
        c.pacer = new Pacer(rps);
      }
      long idle = c.hello.path("limits").path("idleTimeoutMillis").asLong(0);
      if (idle > 0) {
        // a quiet watch sends nothing for long: ping well before the server's idle timeout
        c.transport.keepAlive(Duration.ofMillis(Math.max(100, idle / 3)));
      }
    } catch (RemoteException e) {
      c.close();
      throw e;
    }
    return c;
  }

  /** The result of {@code hello}: node, pipeline, role, limits, capabilities. */
  public JsonNode hello() {
    return hello;
  }

  /** Where this client is connected. */
  public Endpoint endpoint() {
    return endpoint;
  }

  /** The timeout of every wait. */
  public Duration timeout() {
    return timeout;
  }

  /**
   * Sends a request and waits (at most the client's timeout) for its result.
   *
   * @param params the request's params, or null for none
   * @throws RemoteException with the server's error, or a transport failure
   */
  public JsonNode call(String method, ObjectNode params) throws RemoteException {
    return call(method, params, timeout);
  }

  /** {@link #call(String, ObjectNode)} with another timeout for this request. */
  public JsonNode call(String method, ObjectNode params, Duration wait) throws RemoteException {
    long id = ids.incrementAndGet();
    ObjectNode req = JSON.createObjectNode().put("jsonrpc", "2.0").put("id", id);
    req.put("method", method);
    if (params != null) {
      req.set("params", params);
    }
    CompletableFuture<JsonNode> answer = new CompletableFuture<>();
    pending.put(id, answer);
    try {
      Pacer pace = pacer;
      if (pace != null) {
        pace.acquire();
      }
      String why = closedWhy;
      if (why != null) {
        throw RemoteException.transport(RemoteException.CLOSED_CONNECTION, why);
      }
      try {
        transport.send(req.toString(), wait);
      } catch (RemoteException e) {
        // a server that refuses us writes why and closes: say why, not that the write failed
        if (closedLatch.await(1, TimeUnit.SECONDS) && closedWhy != null) {
          throw RemoteException.transport(RemoteException.CLOSED_CONNECTION, closedWhy);
        }
        throw e;
      }
      JsonNode response = answer.get(wait.toMillis(), TimeUnit.MILLISECONDS);
      JsonNode error = response.get("error");
      if (error != null && !error.isNull()) {
        throw toException(method, error);
      }
      return response.path("result");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RemoteException re) {
        throw re;
      }
      throw RemoteException.transport(RemoteException.PROTOCOL, String.valueOf(e.getCause()));
    } catch (TimeoutException e) {
      throw RemoteException.transport(
          RemoteException.TIMEOUT,
          "no answer to '" + method + "' from " + endpoint + " within " + human(wait));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw RemoteException.transport(RemoteException.CLOSED_CONNECTION, "interrupted");
    } finally {
      pending.remove(id);
    }
  }

  /**
   * The next notification, waiting at most {@code wait}.
   *
   * @return the notification, or null if none came in time
   * @throws RemoteException if the connection closed (after every notification before the close was
   *     returned)
   */
  public Notification nextNotification(Duration wait) throws RemoteException {
    Notification n;
    try {
      n = notifications.poll(wait.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw RemoteException.transport(RemoteException.CLOSED_CONNECTION, "interrupted");
    }
    if (n == END) {
      notifications.offer(END); // every later call sees the end too
      throw RemoteException.transport(RemoteException.CLOSED_CONNECTION, closedWhy);
    }
    return n;
  }

  /**
   * Messages from the server that were not JSON-RPC, and notifications dropped because the
   * connection ended while nobody took them (both counted, never silently lost).
   */
  public long badMessages() {
    return badMessages.get();
  }

  /** True once the connection is closed, by either side. */
  public boolean isClosed() {
    return closedWhy != null;
  }

  @Override
  public void close() {
    Transport t = transport;
    if (t != null) {
      t.close();
    }
  }

  private static RemoteException toException(String method, JsonNode error) {
    int code = error.path("code").asInt();
    JsonNode data = error.get("data");
    String reason = data == null ? "" : data.path("reason").asText("");
    if (reason.isEmpty()) {
      reason = "error_" + code;
    }
    String message = error.path("message").asText("");
    if (message.isBlank()) {
      message = "'" + method + "' failed: " + reason;
    }
    String detail = data == null ? "" : data.path("detail").asText("");
    if (!detail.isBlank() && !message.contains(detail)) {
      message += " (" + detail + ")"; // where a value failed to decode, e.g. $.celsius
    }
    return new RemoteException(code, reason, message, data);
  }

  static String human(Duration d) {
    long ms = d.toMillis();
    return ms % 1000 == 0 ? (ms / 1000) + " s" : ms + " ms";
  }

  /**
   * A token bucket a little slower than the server's (which holds {@code requestsPerSecond} tokens
   * and refills as many a second), so that a client paging through a long history never gets {@code
   * rate_limited}: it waits instead.
   */
  private static final class Pacer {
    private final double perNano;
    private final double capacity;
    private double tokens;
    private long last = System.nanoTime();

    Pacer(int requestsPerSecond) {
      this.perNano = requestsPerSecond * 0.9 / 1e9;
      this.capacity = Math.max(1, requestsPerSecond / 2);
      this.tokens = capacity;
    }

    synchronized void acquire() throws InterruptedException {
      while (true) {
        long now = System.nanoTime();
        tokens = Math.min(capacity, tokens + (now - last) * perNano);
        last = now;
        if (tokens >= 1) {
          tokens -= 1;
          return;
        }
        long waitNanos = (long) Math.ceil((1 - tokens) / perNano);
        java.util.concurrent.TimeUnit.NANOSECONDS.sleep(waitNanos); // pacing, not synchronisation
      }
    }
  }

  /** Reader-thread side: dispatches responses and notifications. */
  private final class Receiver implements Transport.Receiver {
    @Override
    public void message(String text) {
      JsonNode m;
      try {
        m = JSON.readTree(text);
      } catch (JsonProcessingException e) {
        badMessages.incrementAndGet();
        return;
      }
      if (m == null || !m.isObject()) {
        badMessages.incrementAndGet();
        return;
      }
      JsonNode id = m.get("id");
      if (id != null && !id.isNull() && (m.has("result") || m.has("error"))) {
        CompletableFuture<JsonNode> f = id.canConvertToLong() ? pending.get(id.asLong()) : null;
        if (f != null) {
          f.complete(m);
        } else if (!id.canConvertToLong()) {
          badMessages.incrementAndGet(); // this client only sends numeric ids
        }
        // else: the answer to a request whose caller gave up waiting
        return;
      }
      if (m.has("error")) { // an error without id (too_many_connections, ...): a close follows
        lastNotice = m.get("error").path("message").asText("the server reported an error");
        return;
      }
      JsonNode method = m.get("method");
      if (method == null || !method.isTextual()) {
        badMessages.incrementAndGet();
        return;
      }
      try {
        notifications.put(new Notification(method.asText(), m.path("params")));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public void closed(String why) {
      if (closedWhy == null) {
        String notice = lastNotice;
        closedWhy = notice == null ? why : notice + " (" + why + ")";
      }
      closedLatch.countDown();
      RemoteException gone =
          RemoteException.transport(RemoteException.CLOSED_CONNECTION, closedWhy);
      pending.values().forEach(f -> f.completeExceptionally(gone));
      // the end goes after every notification; a reader that takes none for a second while the
      // queue is full loses the oldest one, counted, rather than never learning of the end
      try {
        if (notifications.offer(END, 1, TimeUnit.SECONDS)) {
          return;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      while (!notifications.offer(END)) {
        if (notifications.poll() != null) {
          badMessages.incrementAndGet();
        }
      }
    }
  }
}
