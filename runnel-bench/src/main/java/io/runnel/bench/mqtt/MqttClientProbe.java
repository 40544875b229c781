package io.runnel.bench.mqtt;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Connects one MQTT client library to a broker and keeps it busy the way the gateway's link does,
 * printing what it measured as {@code key=value} lines for {@code docs/bench/mqtt-clients.sh}.
 *
 * <p>Arguments ({@code key=value}): {@code client} = {@code idle} (no client and no work: the JVM's
 * floor), {@code loopback} (the probe's loop, acknowledged in-process: the baseline of the
 * clients), {@code hivemq5}, {@code hivemq3}, {@code paho3} or {@code paho5}; {@code
 * broker=host:port}; {@code seconds} of publishing at {@code rate} messages/s (default 10 and 500);
 * then {@code burst} seconds (default 3) flat out; at most {@code window} publishes unacknowledged
 * at once (default 20, Mosquitto's default in-flight limit); {@code http=<url>} (optional) also
 * posts a JSON batch of 50 readings to that URL once after the first PUBACK and once a second with
 * the JDK's HTTP client, as the gateway's HTTP sync does ({@link HttpLoad}).
 *
 * <p>The run: connect (no clean start), subscribe to {@code runnel-probe/<id>/in} at QoS 1, publish
 * one message and wait for its PUBACK (then {@code ready} is printed: the script's start-up time
 * ends there), publish small JSON readings (about 70 bytes) to {@code runnel-probe/<id>/data} at
 * QoS 1 at the fixed rate, plus one a second to the subscribed topic (which must all come back),
 * then flat out, then report and disconnect. Every wait has a timeout; a refused or lost publish, a
 * missing message or a timeout ends the run with exit code 1 and one line on standard error.
 */
public final class MqttClientProbe {

  private static final Map<String, String> CLIENTS =
      Map.of(
          "loopback", "io.runnel.bench.mqtt.LoopbackClient",
          "hivemq5", "io.runnel.bench.mqtt.HivemqClient$V5",
          "hivemq3", "io.runnel.bench.mqtt.HivemqClient$V3",
          "paho3", "io.runnel.bench.mqtt.PahoV3Client",
          "paho5", "io.runnel.bench.mqtt.PahoV5Client");

  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final String SCHEMA = "8f3a21c07d5e4b19";

  private final ProbeClient client;
  private final PrintStream out;
  private final String dataTopic;
  private final String inTopic;
  private final Semaphore window;
  private final int windowSize;
  private final AtomicLong acked = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicReference<Throwable> firstFailure = new AtomicReference<>();
  private final AtomicInteger inReceived = new AtomicInteger();
  private long sequence;
  private HttpLoad http; // null: no HTTP beside the MQTT client

  private MqttClientProbe(ProbeClient client, String id, int windowSize, PrintStream out) {
    this.client = client;
    this.out = out;
    this.dataTopic = "runnel-probe/" + id + "/data";
    this.inTopic = "runnel-probe/" + id + "/in";
    this.windowSize = windowSize;
    this.window = new Semaphore(windowSize);
  }

  /** Runs the probe; see the class comment for the arguments. */
  public static void main(String[] args) {
    long mainMs = System.currentTimeMillis();
    Map<String, String> a = new HashMap<>();
    for (String arg : args) {
      int eq = arg.indexOf('=');
      if (eq <= 0) {
        fail("argument '" + arg + "' is not key=value");
      }
      a.put(arg.substring(0, eq), arg.substring(eq + 1));
    }
    try {
      probe(a, mainMs, System.out);
    } catch (Exception e) {
      fail(a.getOrDefault("client", "") + ": " + e);
    }
    System.out.println("done");
    System.exit(0);
  }

  /**
   * Runs the probe with {@code args} (see the class comment), printing to {@code out}; {@code
   * mainMs} is when the program started (epoch ms). Throws if the run failed.
   */
  static void probe(Map<String, String> args, long mainMs, PrintStream out) throws Exception {
    String name = args.getOrDefault("client", "");
    int seconds = Integer.parseInt(args.getOrDefault("seconds", "10"));
    int burst = Integer.parseInt(args.getOrDefault("burst", "3"));
    int rate = Integer.parseInt(args.getOrDefault("rate", "500"));
    int windowSize = Integer.parseInt(args.getOrDefault("window", "20"));
    out.println("main-epoch-ms=" + mainMs);
    if (name.equals("idle")) {
      out.println("ready");
      Thread.sleep((seconds + burst) * 1000L);
      report(out);
      return;
    }
    String type = CLIENTS.get(name);
    if (type == null) {
      throw new IllegalArgumentException(
          "unknown client '" + name + "': idle or one of " + CLIENTS.keySet());
    }
    String broker = args.getOrDefault("broker", "127.0.0.1:1883");
    int colon = broker.lastIndexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("broker '" + broker + "' is not host:port");
    }
    ProbeClient client = (ProbeClient) Class.forName(type).getDeclaredConstructor().newInstance();
    String id = args.getOrDefault("id", name + "-" + ProcessHandle.current().pid());
    MqttClientProbe p = new MqttClientProbe(client, id, windowSize, out);
    if (args.containsKey("http")) {
      p.http = new HttpLoad(java.net.URI.create(args.get("http")));
    }
    p.run(
        broker.substring(0, colon),
        Integer.parseInt(broker.substring(colon + 1)),
        id,
        mainMs,
        seconds,
        rate,
        burst);
  }

  private void run(String host, int port, String id, long mainMs, int seconds, int rate, int burst)
      throws Exception {
    out.println("client=" + client.describe());
    try {
      measure(host, port, id, mainMs, seconds, rate, burst);
    } finally {
      if (http != null) {
        http.close();
      }
      try {
        client.close(TIMEOUT);
      } catch (Exception e) {
        System.err.println("mqtt-probe: " + client.describe() + ": disconnect failed: " + e);
      }
    }
  }

  private void measure(
      String host, int port, String id, long mainMs, int seconds, int rate, int burst)
      throws Exception {
    client.connect(host, port, id, TIMEOUT);
    long connectedMs = System.currentTimeMillis();
    client.subscribe(inTopic, payload -> inReceived.incrementAndGet(), TIMEOUT);
    long subscribedMs = System.currentTimeMillis();
    client
        .publish(dataTopic, reading(0, connectedMs), SCHEMA, sequence++)
        .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    long firstAckMs = System.currentTimeMillis();
    out.println(
        "connect-ms="
            + (connectedMs - mainMs)
            + "\nsubscribe-ms="
            + (subscribedMs - connectedMs)
            + "\nfirst-ack-ms="
            + (firstAckMs - subscribedMs)
            + "\nfirst-ack-epoch-ms="
            + firstAckMs);
    out.println("ready");
    if (http != null) { // after the start-up time, so that it stays comparable
      http.post(batch(0, System.currentTimeMillis()));
    }

    // paced: one message every 1/rate s, on a fixed schedule (late ones are sent at once)
    long[] latencyNanos = new long[seconds * rate];
    long period = 1_000_000_000L / rate;
    long start = System.nanoTime();
    int inSent = 0;
    for (int i = 0; i < latencyNanos.length; i++) {
      long due = start + i * period;
      for (long now; (now = System.nanoTime()) < due; ) {
        LockSupport.parkNanos(due - now);
      }
      if (i % rate == 0) {
        send(inTopic, reading(i, System.currentTimeMillis()), null, -1);
        inSent++;
        if (http != null) {
          http.postAsync(batch(i, System.currentTimeMillis()));
        }
      }
      send(dataTopic, reading(i, System.currentTimeMillis()), latencyNanos, i);
    }
    drain();
    double pacedSeconds = (System.nanoTime() - start) / 1e9;
    long pacedAcked = acked.get();
    check();

    // flat out, with the same window
    long burstStart = System.nanoTime();
    long burstEnd = burstStart + burst * 1_000_000_000L;
    long burstAckedBefore = acked.get();
    int n = 0;
    while (System.nanoTime() < burstEnd) {
      send(dataTopic, reading(n++, System.currentTimeMillis()), null, -1);
    }
    drain();
    double burstSeconds = (System.nanoTime() - burstStart) / 1e9;
    long burstAcked = acked.get() - burstAckedBefore;
    check();
    long inWaitEnd = System.nanoTime() + TIMEOUT.toNanos();
    while (inReceived.get() < inSent && System.nanoTime() < inWaitEnd) {
      Thread.sleep(10);
    }
    if (inReceived.get() != inSent) {
      throw new IllegalStateException(
          "sent "
              + inSent
              + " messages to the subscribed topic, "
              + inReceived.get()
              + " came back");
    }

    if (http != null) {
      http.awaitAll();
    }
    Arrays.sort(latencyNanos);
    report(
        out,
        "http-answered=" + (http == null ? 0 : http.answered()),
        "paced-target=" + rate,
        "paced-acked=" + (pacedAcked - inSent),
        String.format("paced-rate=%.0f", (pacedAcked - inSent) / pacedSeconds),
        "ack-p50-us=" + latencyNanos[latencyNanos.length / 2] / 1000,
        "ack-p99-us=" + latencyNanos[(int) (latencyNanos.length * 0.99)] / 1000,
        "ack-max-us=" + latencyNanos[latencyNanos.length - 1] / 1000,
        "burst-acked=" + burstAcked,
        String.format("burst-rate=%.0f", burstAcked / burstSeconds),
        "in-sent=" + inSent,
        "in-received=" + inReceived.get());
  }

  /** Publishes once a window permit is free; records the time to the PUBACK at {@code slot}. */
  private void send(String topic, byte[] payload, long[] latencyNanos, int slot)
      throws InterruptedException {
    if (!window.tryAcquire(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException(
          windowSize + " publishes unacknowledged for " + TIMEOUT.toSeconds() + " s");
    }
    long sent = System.nanoTime();
    client
        .publish(topic, payload, SCHEMA, sequence++)
        .whenComplete(
            (ok, e) -> {
              if (e == null) {
                if (latencyNanos != null) {
                  latencyNanos[slot] = System.nanoTime() - sent;
                }
                acked.incrementAndGet();
              } else {
                failed.incrementAndGet();
                firstFailure.compareAndSet(null, e);
              }
              window.release();
            });
  }

  /** Waits until every publish is acknowledged (or failed). */
  private void drain() throws InterruptedException {
    if (!window.tryAcquire(windowSize, TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException(
          "publishes still unacknowledged after " + TIMEOUT.toSeconds() + " s");
    }
    window.release(windowSize);
  }

  private void check() {
    if (failed.get() > 0) {
      throw new IllegalStateException(
          failed.get() + " publishes failed, the first: " + firstFailure.get());
    }
  }

  /** A reading as the gateway's sensors produce it, as JSON (about 70 bytes). */
  private static byte[] reading(int i, long epochMs) {
    StringBuilder b = new StringBuilder(80);
    b.append("{\"sensor\":\"s-").append(i % 50).append("\",\"seq\":").append(i);
    b.append(",\"ts\":").append(epochMs).append(",\"value\":").append(20 + (i % 100) / 10.0);
    return b.append('}').toString().getBytes(StandardCharsets.UTF_8);
  }

  /** A batch of 50 readings as one JSON array, as the HTTP sync posts them (about 3.5 KB). */
  private static byte[] batch(int i, long epochMs) {
    StringBuilder b = new StringBuilder(4096).append('[');
    for (int k = 0; k < 50; k++) {
      b.append(k == 0 ? "" : ",")
          .append(new String(reading(i + k, epochMs), StandardCharsets.UTF_8));
    }
    return b.append(']').toString().getBytes(StandardCharsets.UTF_8);
  }

  /** Prints the lines, then this process's resident memory as the kernel counts it. */
  private static void report(PrintStream out, String... lines) throws IOException {
    for (String l : lines) {
      out.println(l);
    }
    for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (l.startsWith("VmHWM:") || l.startsWith("VmRSS:") || l.startsWith("Threads:")) {
        String[] f = l.split("\\s+");
        out.println(f[0].substring(0, f[0].length() - 1).toLowerCase() + "=" + f[1]);
      }
    }
  }

  private static void fail(String message) {
    System.err.println("mqtt-probe: " + message);
    System.exit(1);
  }
}
