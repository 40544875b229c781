package io.runnel.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.runnel.Shutdown;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.BitSet;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A stand-in for a cloud ingest endpoint, on 127.0.0.1, so that the gateway example runs with
 * nothing installed. It accepts the batches {@code CloudSync} posts, de-duplicates them by their
 * {@code Idempotency-Key}, and records which sequences arrived. With a fault rate above zero it
 * misbehaves like a real endpoint on a bad day (seeded, so a run can be repeated): 500s, 429s with
 * {@code Retry-After}, and answers slower than the client's timeout.
 */
public final class LocalIngest implements AutoCloseable {

  private final HttpServer server;
  private final double faultRate;
  private final SplittableRandom random;
  private final ObjectMapper json = new ObjectMapper();
  private final Set<String> keys = ConcurrentHashMap.newKeySet();
  private final BitSet sequences = new BitSet();
  final AtomicLong requests = new AtomicLong();
  final AtomicLong accepted = new AtomicLong();
  final AtomicLong duplicates = new AtomicLong();
  final AtomicLong entries = new AtomicLong();
  final AtomicLong faults = new AtomicLong();
  private final long slowMillis;

  /**
   * @param faultRate share of requests answered with a fault, 0..1
   * @param slowMillis how long a "slow" fault stalls before answering
   */
  LocalIngest(double faultRate, long seed, long slowMillis) throws IOException {
    this(0, faultRate, seed, slowMillis);
  }

  LocalIngest(int port, double faultRate, long seed, long slowMillis) throws IOException {
    this.faultRate = faultRate;
    this.random = new SplittableRandom(seed);
    this.slowMillis = slowMillis;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
    server.createContext("/v1/batches", this::handle);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.start();
  }

  /**
   * Runs the stand-in on its own, so that the gateway's memory can be measured without it: {@code
   * ./runnel example LocalIngest [port] [faultRate]}; prints its URL and, every 5 s, what arrived.
   */
  public static void main(String[] args) throws Exception {
    int port;
    double faults;
    try {
      port = args.length > 0 ? Integer.parseInt(args[0]) : 0;
      faults = args.length > 1 ? Double.parseDouble(args[1]) : 0.1;
    } catch (NumberFormatException e) {
      System.err.println(
          "runnel example LocalIngest: usage: LocalIngest [port] [faultRate 0..1]; "
              + e.getMessage());
      Shutdown.exit(Shutdown.EXIT_USAGE);
      return;
    }
    int status;
    try (Shutdown shutdown = Shutdown.install();
        LocalIngest ingest = new LocalIngest(port, faults, 42, 2_500)) {
      System.out.println("local ingest listening on " + ingest.uri());
      while (!shutdown.await(Duration.ofSeconds(5))) {
        ingest.printCounts();
      }
      ingest.printCounts();
      System.out.println("interrupted (shutdown requested)");
      status = Shutdown.EXIT_SIGTERM;
    }
    Shutdown.exit(status);
  }

  private void printCounts() {
    System.out.printf(
        "requests %d, faults %d, duplicates %d, distinct readings %d%n",
        requests.get(), faults.get(), duplicates.get(), distinctSequences());
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/v1/batches");
  }

  private synchronized double draw() {
    return random.nextDouble();
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      requests.incrementAndGet();
      byte[] body;
      try (InputStream in = ex.getRequestBody()) {
        body = in.readAllBytes();
      }
      double d = draw();
      if (d < faultRate) {
        faults.incrementAndGet();
        double kind = d / faultRate;
        if (kind < 0.5) {
          answer(ex, 500, "simulated outage");
        } else if (kind < 0.8) {
          ex.getResponseHeaders().add("Retry-After", "1");
          answer(ex, 429, "slow down");
        } else {
          try {
            Thread.sleep(slowMillis); // longer than the client's timeout
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          accept(ex, body); // the client gave up, but the batch did arrive: a duplicate later
        }
        return;
      }
      accept(ex, body);
    }
  }

  private void accept(HttpExchange ex, byte[] body) throws IOException {
    String key = ex.getRequestHeaders().getFirst("Idempotency-Key");
    if (key == null) {
      answer(ex, 400, "Idempotency-Key missing");
      return;
    }
    if (!keys.add(key)) {
      duplicates.incrementAndGet();
      answer(ex, 200, "duplicate");
      return;
    }
    JsonNode batch = json.readTree(body);
    int n = 0;
    synchronized (sequences) {
      for (JsonNode e : batch.get("entries")) {
        sequences.set(Math.toIntExact(e.get("sequence").asLong()));
        n++;
      }
    }
    entries.addAndGet(n);
    accepted.incrementAndGet();
    answer(ex, 200, "ok");
  }

  private static void answer(HttpExchange ex, int status, String text) throws IOException {
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    ex.sendResponseHeaders(status, b.length);
    ex.getResponseBody().write(b);
  }

  /** Distinct sequences received. */
  long distinctSequences() {
    synchronized (sequences) {
      return sequences.cardinality();
    }
  }

  /** Sequences in {@code [0, upTo]} that never arrived. */
  long missingUpTo(long upTo) {
    synchronized (sequences) {
      return (upTo + 1) - sequences.get(0, Math.toIntExact(upTo + 1)).cardinality();
    }
  }

  /** Sequences in {@code [from, upTo]} that never arrived. */
  long missingBetween(long from, long upTo) {
    synchronized (sequences) {
      return (upTo + 1 - from)
          - sequences.get(Math.toIntExact(from), Math.toIntExact(upTo + 1)).cardinality();
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
