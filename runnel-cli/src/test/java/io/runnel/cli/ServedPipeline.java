package io.runnel.cli;

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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A real pipeline served by a real {@link RemoteServer} (WebSocket on port 0 and a Unix socket) for
 * the CLI's tests: a 100 Hz ticker on a ring ({@code cli.tick}), a latest state ({@code
 * cli.state}), an external writable set-point ({@code cli.setpoint}) and a persisted reading
 * ({@code cli.temp}) in a real history store.
 */
final class ServedPipeline implements AutoCloseable {
  static final RecordKey TICK = RecordKey.of("cli.tick");
  static final RecordKey STATE = RecordKey.of("cli.state");
  static final RecordKey SETPOINT = RecordKey.of("cli.setpoint");
  static final RecordKey TEMP = RecordKey.of("cli.temp");

  record Tick(long n, Instant at) {}

  record State(String mode, long updates) {}

  record Setpoint(double celsius, String mode) {}

  record Reading(String sensor, double celsius, long n) {}

  final HistoryStore store;
  final Runnel runnel;
  final RemoteServer server;
  final Path socket;
  final Path tokenFile;
  final Path readTokenFile;
  final String url;
  volatile Setpoint lastSetpoint;

  ServedPipeline(Path dir) throws IOException {
    this(dir, b -> b);
  }

  ServedPipeline(Path dir, java.util.function.UnaryOperator<RemoteServer.Builder> options)
      throws IOException {
    store =
        HistoryStore.open(
            StoreConfig.builder(dir.resolve("store"))
                .durability(Durability.every(Duration.ofMillis(20)))
                .build());
    runnel =
        Runnel.builder()
            .name("cli-test")
            .configure(
                Tick.class,
                TICK,
                r ->
                    r.buffer(BufferSpec.ring(4096))
                        .source(
                            (ctx, out) -> {
                              Ticker t = ctx.ticker(Duration.ofMillis(10));
                              long n = 0;
                              while (!ctx.isStopping()) {
                                t.await();
                                out.produce(new Tick(n++, Instant.now()));
                              }
                            })
                        .tap("count", (ctx, v) -> {}))
            .configure(
                State.class,
                STATE,
                r ->
                    r.buffer(BufferSpec.latest())
                        .source(
                            (ctx, out) -> {
                              long n = 0;
                              while (!ctx.isStopping()) {
                                out.produce(new State(n % 2 == 0 ? "heat" : "idle", n++));
                                ctx.sleep(Duration.ofMillis(100));
                              }
                            }))
            .configure(
                Setpoint.class,
                SETPOINT,
                r ->
                    r.buffer(BufferSpec.latest())
                        .external()
                        .tap("apply", (ctx, v) -> lastSetpoint = v))
            .configure(
                Reading.class,
                TEMP,
                r ->
                    r.buffer(BufferSpec.ring(1024))
                        .hook(Persist.to(store, Reading.class))
                        .source(
                            (ctx, out) -> {
                              Ticker t = ctx.ticker(Duration.ofMillis(5));
                              long n = 0;
                              while (!ctx.isStopping()) {
                                t.await();
                                out.produce(new Reading("indoor", 20 + (n % 10) / 10.0, n++));
                              }
                            }))
            .build()
            .start();
    socket = dir.resolve("runnel.sock");
    tokenFile = dir.resolve("tokens");
    server =
        options
            .apply(
                RemoteServer.builder(runnel)
                    .port(0)
                    .node("cli-node")
                    .unixSocket(socket)
                    .generatedTokenFile(tokenFile)
                    .history(store)
                    .writable(SETPOINT))
            .build()
            .start();
    url = server.webSocketUri().orElseThrow();
    // a file with the read token only, for the tests of refused writes
    readTokenFile = dir.resolve("read.token");
    List<String> read =
        Files.readAllLines(tokenFile).stream()
            .filter(l -> !l.startsWith("#") && l.contains(" read "))
            .toList();
    Files.write(readTokenFile, read);
  }

  /** Values of a record produced so far. */
  long produced(RecordKey key) {
    return runnel.inspect().record(key.id()).orElseThrow().produced();
  }

  @Override
  public void close() {
    server.close();
    runnel.close();
    store.close();
  }
}
