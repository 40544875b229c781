package io.runnel.remote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/** A test client of the protocol over some transport: requests, responses and notifications. */
public abstract class RpcClient implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Duration WAIT = Duration.ofSeconds(10);

  /** Every message received, in order (responses and notifications). */
  protected final BlockingQueue<JsonNode> inbox = new LinkedBlockingQueue<>();

  /** Set when the server closed the connection: the reason, or the close code and reason. */
  protected volatile String closedWith;

  private final AtomicLong ids = new AtomicLong();
  private final BlockingQueue<JsonNode> notifications = new LinkedBlockingQueue<>();

  /** Sends one raw message. */
  public abstract void sendRaw(String text) throws IOException;

  /** When set, every message sent ("> ") and received ("< ") is appended here. */
  public volatile StringBuilder transcript;

  /** Sends a message, recording it in the transcript. */
  public void send(String text) throws IOException {
    StringBuilder t = transcript;
    if (t != null) {
      synchronized (t) {
        t.append("> ").append(text).append('\n');
      }
    }
    sendRaw(text);
  }

  /** Received a message (called by the transport's reading side). */
  protected void received(String text) {
    StringBuilder t = transcript;
    if (t != null) {
      synchronized (t) {
        t.append("< ").append(text).append('\n');
      }
    }
    try {
      inbox.add(JSON.readTree(text));
    } catch (IOException e) {
      inbox.add(JSON.createObjectNode().put("unparseable", text));
    }
  }

  /** Sends a request and returns its response (notifications on the way are kept). */
  public JsonNode call(String method, String paramsJson) throws Exception {
    long id = ids.incrementAndGet();
    String msg =
        "{\"jsonrpc\":\"2.0\",\"id\":"
            + id
            + ",\"method\":\""
            + method
            + "\""
            + (paramsJson == null ? "" : ",\"params\":" + paramsJson)
            + "}";
    send(msg);
    return response(id);
  }

  /** The response with this id. */
  public JsonNode response(long id) throws InterruptedException {
    return next(m -> m.has("id") && m.get("id").asLong() == id && !m.get("id").isNull());
  }

  /**
   * The next message matching {@code p}; notifications skipped over are kept for {@link
   * #notification}.
   */
  public JsonNode next(Predicate<JsonNode> p) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      JsonNode m = inbox.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
      if (m == null) {
        throw new AssertionError("no matching message within " + WAIT + "; closed: " + closedWith);
      }
      if (p.test(m)) {
        return m;
      }
      if (m.has("method")) {
        notifications.add(m);
      }
    }
  }

  /**
   * The first notification matching {@code p}, kept (passed over by an earlier wait) or new,
   * waiting up to the default wait; the kept ones that do not match stay kept.
   */
  public JsonNode notification(Predicate<JsonNode> p) throws InterruptedException {
    for (JsonNode n : notifications) {
      if (p.test(n) && notifications.remove(n)) {
        return n;
      }
    }
    return next(p);
  }

  /** The next notification (kept or new), waiting up to the default wait. */
  public JsonNode notification() throws InterruptedException {
    JsonNode n = notifications.poll();
    if (n != null) {
      return n;
    }
    return next(m -> m.has("method"));
  }

  /** The next message of any kind, or null within {@code wait}. */
  public JsonNode poll(Duration wait) throws InterruptedException {
    JsonNode n = notifications.poll();
    return n != null ? n : inbox.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Authenticates. */
  public JsonNode hello(String token) throws Exception {
    JsonNode r =
        call("hello", "{\"protocol\":1,\"token\":\"" + token + "\",\"client\":\"test-client\"}");
    if (!r.has("result")) {
      throw new AssertionError("hello failed: " + r);
    }
    return r.get("result");
  }

  /** Waits until the server closed the connection; returns what it said. */
  public abstract String awaitClosed(Duration wait) throws InterruptedException;

  static ObjectNode obj() {
    return JSON.createObjectNode();
  }
}
