package io.runnel.metrics;

import com.sun.net.httpserver.HttpServer;
import io.runnel.LaneSpec;
import io.runnel.RecordKey;
import io.runnel.Runnel;
import io.runnel.Ticker;
import io.runnel.buffer.BufferSpec;
import io.runnel.codec.Codec;
import io.runnel.http.CloudSync;
import io.runnel.inspect.RecordInfo;
import io.runnel.store.HistoryStore;
import io.runnel.store.Persist;
import io.runnel.store.StoreConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * A real pipeline with something to measure: a 1 ms ticker on a dedicated lane, a ring record whose
 * reader is held back until its source is done (so it lags), a record persisted to a real store,
 * and a cloud sync forwarding that history to an HTTP server on loopback.
 */
final class MeteredPipeline implements AutoCloseable {
  static final RecordKey TICK = RecordKey.of("control.tick");
  static final RecordKey RING = RecordKey.of("telemetry.fast");
  static final RecordKey PERSISTED = RecordKey.of("sensor.indoor");
  static final String CONTROL_LANE = "control";
  static final int RING_VALUES = 1000;
  static final int RING_CAPACITY = 16;
  static final int PERSISTED_VALUES = 500;

  record Reading(String sensor, double celsius, long n) {}

  final HistoryStore store;
  final HttpServer server;
  final CloudSync sync;
  final Runnel runnel;
  final AtomicLong ringTapped = new AtomicLong();
  final AtomicLong persistedTapped = new AtomicLong();
  final AtomicInteger posts = new AtomicInteger();
  private final CountDownLatch ringDone = new CountDownLatch(1);

  MeteredPipeline(Path dir) throws IOException {
    store = HistoryStore.open(StoreConfig.builder(dir).build());
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/ingest",
        exchange -> {
          try (exchange;
              InputStream in = exchange.getRequestBody()) {
            in.readAllBytes();
            posts.incrementAndGet();
            exchange.sendResponseHeaders(204, -1);
          }
        });
    server.start();
    URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/ingest");
    sync =
        CloudSync.builder(store, uri)
            .nodeId("gw-1")
            .name("cloud")
            .codec(Codec.forRecord(Reading.class))
            .build();
    runnel =
        Runnel.builder()
            .name("metered")
            .lane(CONTROL_LANE, LaneSpec.dedicated())
            .connector(sync)
            .configure(
                Long.class,
                TICK,
                r ->
                    r.buffer(BufferSpec.latest())
                        .lane(CONTROL_LANE)
                        .source(
                            (ctx, out) -> {
                              Ticker t = ctx.ticker(Duration.ofMillis(1));
                              while (!ctx.isStopping()) {
                                out.produce(t.await());
                              }
                            }))
            .configure(
                Long.class,
                RING,
                r ->
                    r.buffer(BufferSpec.ring(RING_CAPACITY))
                        .source(
                            (ctx, out) -> {
                              for (long i = 0; i < RING_VALUES; i++) {
                                out.produce(i);
                              }
                              ringDone.countDown();
                            })
                        .tap(
                            "slow",
                            (ctx, v) -> {
                              if (ringTapped.getAndIncrement() == 0) {
                                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                                while (ringDone.getCount() > 0) { // waiting in Runnel
                                  if (System.nanoTime() > deadline) {
                                    throw new IllegalStateException("the ring's source is slow");
                                  }
                                  ctx.sleep(Duration.ofMillis(1));
                                }
                              }
                            }))
            .configure(
                Reading.class,
                PERSISTED,
                r ->
                    r.buffer(BufferSpec.ring(1024))
                        .hook(Persist.to(store, Reading.class))
                        .source(
                            (ctx, out) -> {
                              for (int i = 0; i < PERSISTED_VALUES; i++) {
                                out.produce(new Reading("indoor", 20 + i % 10, i));
                              }
                            })
                        .tap((ctx, v) -> persistedTapped.incrementAndGet()))
            .build()
            .start();
  }

  /**
   * Waits until the finite sources' values are all taken (received or missed), every persisted
   * value is durable and forwarded, and the ticker ticked a few times.
   */
  MeteredPipeline awaitSettled() throws InterruptedException {
    await(
        "the ring's reader took or missed every value",
        () -> {
          RecordInfo r = runnel.inspect().record(RING.id()).orElseThrow();
          return r.delivered() + r.lagged() == RING_VALUES;
        });
    await("every persisted value was tapped", () -> persistedTapped.get() == PERSISTED_VALUES);
    await(
        "the ticker ticked",
        () -> runnel.inspect().task(TICK.id() + "/source").orElseThrow().lateness().ticks() >= 20);
    long last = store.sync();
    if (!store.awaitDurable(last, Duration.ofSeconds(10))) {
      throw new AssertionError("store: sequence " + last + " not durable within 10 s");
    }
    if (!sync.awaitForwarded(last, Duration.ofSeconds(20))) {
      throw new AssertionError("cloud sync: sequence " + last + " not forwarded within 20 s");
    }
    return this;
  }

  static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within 20 s: " + what);
      }
      Thread.sleep(5);
    }
  }

  @Override
  public void close() {
    try {
      runnel.close();
    } finally {
      try {
        store.close();
      } finally {
        server.stop(0);
      }
    }
  }
}
