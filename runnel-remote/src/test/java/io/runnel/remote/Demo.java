package io.runnel.remote;

import io.runnel.RecordKey;
import io.runnel.Runnel;
import io.runnel.Ticker;
import io.runnel.buffer.BufferSpec;
import io.runnel.store.Durability;
import io.runnel.store.HistoryStore;
import io.runnel.store.Persist;
import io.runnel.store.StoreConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real pipeline for the tests: a ticker source on a ring ({@code demo.tick}, 1 kHz, counted by a
 * tap), a latest record ({@code demo.state}), an external writable record ({@code demo.setpoint},
 * counted by a tap) and a persisted record ({@code demo.temp}) in a real history store.
 */
public final class Demo implements AutoCloseable {
  public static final RecordKey TICK = RecordKey.of("demo.tick");
  public static final RecordKey STATE = RecordKey.of("demo.state");
  public static final RecordKey SETPOINT = RecordKey.of("demo.setpoint");
  public static final RecordKey TEMP = RecordKey.of("demo.temp");
  public static final RecordKey COMMAND = RecordKey.of("demo.command");

  /** A tick: its number and when it was produced. */
  public record Tick(long n, Instant at) {}

  /** A slowly changing state. */
  public record State(String mode, long updates) {}

  /** What a client may write. */
  public record Setpoint(double celsius, String mode) {}

  /** A persisted reading. */
  public record Reading(String sensor, double celsius, long n) {}

  public final HistoryStore store;
  public final Runnel runnel;
  public final AtomicLong tapped = new AtomicLong();
  public final AtomicLong setpointsTapped = new AtomicLong();
  public volatile Setpoint lastSetpoint;

  public Demo(Path dir) throws IOException {
    this(dir, Duration.ofMillis(1), Duration.ofMillis(5));
  }

  public Demo(Path dir, Duration tickPeriod, Duration tempPeriod) throws IOException {
    store =
        HistoryStore.open(
            StoreConfig.builder(dir.resolve("store"))
                .durability(Durability.every(Duration.ofMillis(20)))
                .build());
    runnel =
        Runnel.builder()
            .name("remote-demo")
            .configure(
                Tick.class,
                TICK,
                r ->
                    r.buffer(BufferSpec.ring(4096))
                        .source(
                            (ctx, out) -> {
                              Ticker t = ctx.ticker(tickPeriod);
                              long n = 0;
                              while (!ctx.isStopping()) {
                                t.await();
                                out.produce(new Tick(n++, Instant.now()));
                              }
                            })
                        .tap("count", (ctx, v) -> tapped.incrementAndGet()))
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
                        .tap(
                            "audit",
                            (ctx, v) -> {
                              lastSetpoint = v;
                              setpointsTapped.incrementAndGet();
                            }))
            .configure(
                Setpoint.class,
                COMMAND,
                r -> r.buffer(BufferSpec.ring(16)).external().tap("sink", (ctx, v) -> {}))
            .configure(
                Reading.class,
                TEMP,
                r ->
                    r.buffer(BufferSpec.ring(1024))
                        .hook(Persist.to(store, Reading.class))
                        .source(
                            (ctx, out) -> {
                              Ticker t = ctx.ticker(tempPeriod);
                              long n = 0;
                              while (!ctx.isStopping()) {
                                t.await();
                                out.produce(new Reading("indoor", 20 + (n % 10) / 10.0, n++));
                              }
                            }))
            .build()
            .start();
  }

  /** Produced values of a record so far. */
  public long produced(RecordKey key) {
    return runnel.inspect().record(key.id()).orElseThrow().produced();
  }

  @Override
  public void close() {
    runnel.close();
    store.close();
  }
}
