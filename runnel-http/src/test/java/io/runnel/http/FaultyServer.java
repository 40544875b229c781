package io.runnel.http;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * A minimal HTTP/1.1 server on a raw {@link ServerSocket} (127.0.0.1, ephemeral port) that answers
 * each request as a script says: 200, any status with headers, a TCP reset, a close without an
 * answer, silence, or a slow 200 that arrives after the client gave up. It can also go away (refuse
 * connections) for a while. Connections run on their own virtual threads.
 */
final class FaultyServer implements AutoCloseable {

  /** What to do with one request. */
  sealed interface Fault {}

  /** 200, the body counted as received. */
  record Ok() implements Fault {}

  /** Any status (not counted as received), with optional Retry-After. */
  record Status(int code, String retryAfter) implements Fault {}

  /** Reads the request, then resets the connection (RST). */
  record Reset() implements Fault {}

  /** Reads the request, then closes the connection without an answer. */
  record Close() implements Fault {}

  /** Reads the request and never answers. */
  record Silent() implements Fault {}

  /** Counts the body as received, then answers 200 only after {@code delay}. */
  record Slow(Duration delay) implements Fault {}

  static final Fault OK = new Ok();

  /** A request as it arrived. */
  record Request(int index, Map<String, String> headers, byte[] body, Fault answer, long nanos) {
    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }

    String idempotencyKey() {
      return header("idempotency-key");
    }
  }

  private final int port;
  private volatile ServerSocket socket;
  private volatile BiFunction<Integer, byte[], Fault> script;
  private final AtomicInteger count = new AtomicInteger();
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private final List<Request> received = new CopyOnWriteArrayList<>();
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  /** A server whose answer depends on the request's index (0-based, in arrival order). */
  FaultyServer(Function<Integer, Fault> script) throws IOException {
    this((i, body) -> script.apply(i));
  }

  /** A server whose answer depends on the request's index and body. */
  FaultyServer(BiFunction<Integer, byte[], Fault> script) throws IOException {
    this.script = script;
    ServerSocket s = new ServerSocket();
    s.setReuseAddress(true);
    s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    this.port = s.getLocalPort();
    listen(s);
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + port + "/ingest");
  }

  void script(Function<Integer, Fault> script) {
    this.script = (i, body) -> script.apply(i);
  }

  /** Every request, in arrival order. */
  List<Request> requests() {
    return List.copyOf(requests);
  }

  /** Requests whose body the server kept (answered 200, or slow). */
  List<Request> received() {
    return List.copyOf(received);
  }

  /** Stops listening and drops every connection: clients get "connection refused". */
  void goAway() throws IOException {
    ServerSocket s = socket;
    socket = null;
    if (s != null) {
      s.close();
    }
    for (Socket c : open) {
      c.close();
    }
  }

  /** Listens again on the same port. */
  void comeBack() throws IOException {
    ServerSocket s = new ServerSocket();
    s.setReuseAddress(true);
    s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    listen(s);
  }

  private void listen(ServerSocket s) {
    socket = s;
    Thread.ofVirtual()
        .name("faulty-server-accept")
        .start(
            () -> {
              while (!s.isClosed()) {
                try {
                  Socket c = s.accept();
                  open.add(c);
                  Thread.ofVirtual().name("faulty-server-conn").start(() -> serve(c));
                } catch (IOException e) {
                  return;
                }
              }
            });
  }

  private void serve(Socket c) {
    try (c) {
      InputStream in = new BufferedInputStream(c.getInputStream());
      OutputStream out = c.getOutputStream();
      while (!closed) {
        String requestLine = line(in);
        if (requestLine == null) {
          return;
        }
        Map<String, String> headers = new TreeMap<>();
        for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
          int colon = h.indexOf(':');
          headers.put(
              h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
        }
        int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
        byte[] body = in.readNBytes(length);
        if (body.length < length) {
          return; // the client gave up while sending: like a real server, nothing was received
        }
        int index = count.getAndIncrement();
        Fault fault = script.apply(index, body);
        Request r = new Request(index, headers, body, fault, System.nanoTime());
        requests.add(r);
        switch (fault) {
          case Ok ok -> {
            received.add(r);
            respond(out, 200, null);
          }
          case Status st -> respond(out, st.code(), st.retryAfter());
          case Reset reset -> {
            c.setSoLinger(true, 0);
            return;
          }
          case Close close -> {
            return;
          }
          case Silent silent -> {
            while (!closed && !c.isClosed()) {
              Thread.sleep(20);
            }
            return;
          }
          case Slow slow -> {
            received.add(r);
            Thread.sleep(slow.delay().toMillis());
            respond(out, 200, null);
          }
        }
      }
    } catch (IOException | InterruptedException | RuntimeException e) {
      // the client went away; that is its business
    } finally {
      open.remove(c);
    }
  }

  private static void respond(OutputStream out, int status, String retryAfter) throws IOException {
    String body = status == 200 ? "" : "fault " + status;
    String head =
        "HTTP/1.1 "
            + status
            + " X\r\nContent-Length: "
            + body.length()
            + "\r\n"
            + (retryAfter != null ? "Retry-After: " + retryAfter + "\r\n" : "")
            + "\r\n";
    out.write((head + body).getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) != -1) {
      if (c == '\n') {
        byte[] bytes = b.toByteArray();
        int n =
            bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        return new String(bytes, 0, n, StandardCharsets.ISO_8859_1);
      }
      b.write(c);
    }
    return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
  }

  @Override
  public void close() throws IOException {
    closed = true;
    goAway();
  }

  /** Indices of all requests so far, for messages. */
  List<String> describe() {
    List<String> out = new ArrayList<>();
    for (Request r : requests) {
      out.add(r.index() + ":" + r.idempotencyKey() + ":" + r.answer());
    }
    return out;
  }
}
