package io.runnel.dashboard;

import io.runnel.JoinInput;
import io.runnel.LaneSpec;
import io.runnel.RecordKey;
import io.runnel.Runnel;
import io.runnel.Ticker;
import io.runnel.buffer.BufferSpec;
import io.runnel.remote.RemoteServer;
import io.runnel.store.Durability;
import io.runnel.store.HistoryStore;
import io.runnel.store.Persist;
import io.runnel.store.StoreConfig;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A pipeline like the README demo (two temperature sensors, an alert threshold written from
 * outside, an alert join, an indoor/outdoor difference), plus a 1 kHz signal on its own dedicated
 * lane, a persisted indoor sensor in a real history store, and two TCP connectors (one to a
 * listening loopback port, one to a closed one), served by a real remote server with the dashboard
 * on port 0.
 */
final class DemoPipeline implements AutoCloseable {
  static final RecordKey INDOOR = RecordKey.of("sensor.indoor");
  static final RecordKey OUTDOOR = RecordKey.of("sensor.outdoor");
  static final RecordKey THRESHOLD = RecordKey.of("config.alert.threshold");
  static final RecordKey ALERT = RecordKey.of("alert.indoor");
  static final RecordKey DIFFERENCE = RecordKey.of("temperature.difference");
  static final RecordKey SIGNAL = RecordKey.of("signal.fast");
  static final List<RecordKey> ALL = List.of(INDOOR, OUTDOOR, THRESHOLD, ALERT, DIFFERENCE, SIGNAL);

  record Reading(String sensor, double celsius, Instant at) {}

  record Threshold(double celsius) {}

  record Alert(double celsius, double threshold, Instant at) {}

  record Difference(double celsius, Instant at) {}

  record Signal(long n, double value, Instant at) {}

  final HistoryStore store;
  final Runnel runnel;
  final RemoteServer server;
  final String readToken;
  final String writeToken;
  final AtomicReference<Threshold> lastThreshold = new AtomicReference<>();
  private final ServerSocket uplink;
  private final Thread uplinkAcceptor;

  DemoPipeline(Path dir, Duration sensorPeriod, Duration signalPeriod) throws IOException {
    store =
        HistoryStore.open(
            StoreConfig.builder(dir.resolve("store"))
                .durability(Durability.every(Duration.ofMillis(50)))
                .build());
    uplink = new ServerSocket(0, 8, java.net.InetAddress.getLoopbackAddress());
    uplinkAcceptor = Thread.ofVirtual().name("uplink-acceptor").start(this::acceptUplink);
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort(); // nothing listens there once closed
    }
    runnel =
        Runnel.builder()
            .name("temperature-demo")
            .lane("fast", LaneSpec.dedicated())
            .connector(new LineForwarder("uplink", ALERT, uplink.getLocalPort()))
            .connector(new LineForwarder("backup-uplink", DIFFERENCE, closedPort))
            .configure(
                Reading.class,
                INDOOR,
                r ->
                    r.name("indoor temperature")
                        .buffer(BufferSpec.ring(64))
                        .hook(Persist.to(store, Reading.class))
                        .source(sensor("indoor", 22.0, 1.5, 8, sensorPeriod)))
            .configure(
                Reading.class,
                OUTDOOR,
                r ->
                    r.name("outdoor temperature")
                        .buffer(BufferSpec.latest())
                        .source(sensor("outdoor", 9.0, 3.0, 20, sensorPeriod)))
            .configure(
                Threshold.class,
                THRESHOLD,
                r ->
                    r.name("alert threshold")
                        .buffer(BufferSpec.latest())
                        .external()
                        .tap("apply", (ctx, t) -> lastThreshold.set(t)))
            .configure(
                Alert.class,
                ALERT,
                r ->
                    r.name("indoor too warm")
                        .buffer(BufferSpec.ring(16))
                        .join(
                            j -> {
                              JoinInput<Reading> in = j.input(Reading.class, INDOOR);
                              JoinInput<Threshold> lim = j.input(Threshold.class, THRESHOLD);
                              j.onLatest(
                                  l ->
                                      l.changed().equals(in)
                                              && l.get(in).celsius() > l.get(lim).celsius()
                                          ? new Alert(
                                              l.get(in).celsius(),
                                              l.get(lim).celsius(),
                                              l.get(in).at())
                                          : null);
                            }))
            .configure(
                Difference.class,
                DIFFERENCE,
                r ->
                    r.name("indoor - outdoor")
                        .buffer(BufferSpec.latest())
                        .join(
                            j -> {
                              JoinInput<Reading> in = j.input(Reading.class, INDOOR);
                              JoinInput<Reading> out = j.input(Reading.class, OUTDOOR);
                              j.onLatest(
                                  l ->
                                      new Difference(
                                          l.get(in).celsius() - l.get(out).celsius(),
                                          Instant.now()));
                            }))
            .configure(
                Signal.class,
                SIGNAL,
                r ->
                    r.name("fast signal")
                        .buffer(BufferSpec.ring(4096))
                        .lane("fast")
                        .source(
                            (ctx, out) -> {
                              Ticker t = ctx.ticker(signalPeriod);
                              long n = 0;
                              while (!ctx.isStopping()) {
                                t.await();
                                double x = n * signalPeriod.toNanos() / 1e9;
                                out.produce(
                                    new Signal(
                                        n++, Math.sin(2 * Math.PI * 0.5 * x), Instant.now()));
                              }
                            }))
            .build();
    runnel.producer(Threshold.class, THRESHOLD).produce(new Threshold(22.5));
    runnel.start();
    server =
        Dashboard.install(RemoteServer.builder(runnel))
            .port(0)
            .node("test-gateway")
            .generatedTokenFile(dir.resolve("tokens"))
            .history(store)
            .writable(THRESHOLD)
            .build()
            .start();
    List<String> lines = Files.readAllLines(server.tokenFile().orElseThrow());
    readToken = token(lines, "read");
    writeToken = token(lines, "write");
  }

  private static io.runnel.Source<Reading> sensor(
      String name, double mean, double amplitude, int periodSeconds, Duration period) {
    return (ctx, out) -> {
      Ticker t = ctx.ticker(period);
      long n = 0;
      while (!ctx.isStopping()) {
        t.await();
        double phase = 2 * Math.PI * (n++ * period.toMillis() / 1000.0) / periodSeconds;
        out.produce(new Reading(name, mean + amplitude * Math.sin(phase), Instant.now()));
      }
    };
  }

  private void acceptUplink() {
    while (!uplink.isClosed()) {
      try {
        Socket s = uplink.accept();
        Thread.ofVirtual()
            .start(
                () -> {
                  try (s) {
                    s.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
                  } catch (IOException e) {
                    // the connector closed
                  }
                });
      } catch (IOException e) {
        return;
      }
    }
  }

  private static String token(List<String> lines, String role) {
    return lines.stream()
        .filter(l -> !l.startsWith("#"))
        .map(l -> l.split(" "))
        .filter(f -> f[1].equals(role))
        .map(f -> f[2])
        .findFirst()
        .orElseThrow();
  }

  String url() {
    return Dashboard.url(server).orElseThrow();
  }

  @Override
  public void close() {
    server.close();
    runnel.close();
    store.close();
    try {
      uplink.close();
      uplinkAcceptor.join(2000);
    } catch (IOException | InterruptedException e) {
      // closing
    }
  }
}
