package io.runnel.examples;

import io.runnel.RecordKey;
import io.runnel.Runnel;
import io.runnel.RunnelBuilder;
import io.runnel.Shutdown;
import io.runnel.Ticker;
import io.runnel.buffer.BufferSpec;
import io.runnel.codec.Codec;
import io.runnel.http.CloudSync;
import io.runnel.mqtt.MqttLink;
import io.runnel.remote.RemoteServer;
import io.runnel.store.Durability;
import io.runnel.store.HistoryStore;
import io.runnel.store.Persist;
import io.runnel.store.StoreConfig;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The gateway's pipeline built from chosen parts only, so that {@code docs/bench/footprint.sh} can
 * measure what each part costs in memory and start-up: {@code parts=core} (50 sensors every 20 ms,
 * nothing else), {@code +store} (every reading persisted), {@code +http} (CloudSync to {@code
 * endpoint=}), {@code +mqtt} (every reading from history to {@code mqtt=host:port}), {@code
 * +remote} (the remote server on a free loopback port). {@code idle} runs nothing: an idle JVM.
 * Plain arguments, no command-line library, so that nothing but the parts is loaded.
 *
 * <pre>
 * FootprintProbe parts=core,store,http,mqtt seconds=10 format=json dir=/tmp/h
 *     endpoint=http://127.0.0.1:8080/v1/batches mqtt=127.0.0.1:1883
 * </pre>
 *
 * Prints {@code first-reading-epoch-ms=N} at the first reading, {@code start-ms=N} (how long {@code
 * Runnel.start()} took: it starts the connectors before the tasks), then {@code ready} once every
 * part runs, and {@code done} at the end.
 */
public final class FootprintProbe {

  private FootprintProbe() {}

  /** One sensor reading, as in the gateway. */
  public record Reading(String sensor, long seq, double value, java.time.Instant at) {}

  public static void main(String[] args) throws Exception {
    Map<String, String> a = new HashMap<>();
    for (String arg : args) {
      int eq = arg.indexOf('=');
      if (arg.equals("idle")) {
        a.put("idle", "true");
      } else if (eq < 0) {
        System.err.println("FootprintProbe: arguments are key=value or idle, got " + arg);
        System.exit(Shutdown.EXIT_USAGE);
      } else {
        a.put(arg.substring(0, eq), arg.substring(eq + 1));
      }
    }
    long seconds = Long.parseLong(a.getOrDefault("seconds", "10"));
    if (a.containsKey("idle")) {
      System.out.println("ready");
      Thread.sleep(seconds * 1000);
      System.out.println("done");
      return;
    }
    Set<String> parts = Set.of(a.getOrDefault("parts", "core").split(","));
    int sensors = Integer.parseInt(a.getOrDefault("sensors", "50"));
    Duration period = Duration.ofMillis(Long.parseLong(a.getOrDefault("periodMs", "20")));
    // only with a store: a codec (JSON: Jackson) is part of what the store costs
    Codec<Reading> codec =
        !parts.contains("store")
            ? null
            : "binary".equals(a.getOrDefault("format", "json"))
                ? Codec.forRecord(Reading.class)
                : Codec.json(Reading.class);
    AtomicBoolean first = new AtomicBoolean();
    HistoryStore store = null;
    Path temporary = null;
    if (parts.contains("store")) {
      Path dir;
      if (a.containsKey("dir")) {
        dir = Path.of(a.get("dir"));
      } else {
        dir = temporary = Files.createTempDirectory("runnel-probe");
      }
      store =
          HistoryStore.open(
              StoreConfig.builder(dir).durability(Durability.every(Duration.ofMillis(50))).build());
    }
    RunnelBuilder b = Runnel.builder().name("probe");
    List<RecordKey> keys = new ArrayList<>();
    for (int i = 1; i <= sensors; i++) {
      RecordKey key = RecordKey.of(String.format(java.util.Locale.ROOT, "sensor.s%02d", i));
      keys.add(key);
      int n = i;
      HistoryStore s = store;
      b.configure(
          Reading.class,
          key,
          r -> {
            r.buffer(BufferSpec.latest())
                .source(
                    (ctx, o) -> {
                      SplittableRandom random = new SplittableRandom(n);
                      ctx.sleep(Duration.ofNanos(period.toNanos() * n / sensors));
                      Ticker ticker = ctx.ticker(period);
                      double value = 20;
                      for (long seq = 0; ; seq++) {
                        ticker.await();
                        value += random.nextGaussian() * 0.05;
                        o.produce(new Reading(key.id(), seq, value, ctx.now()));
                        if (first.compareAndSet(false, true)) {
                          System.out.println(
                              "first-reading-epoch-ms=" + System.currentTimeMillis());
                        }
                      }
                    });
            if (s != null) {
              r.hook(Persist.to(s, codec));
            }
          });
    }
    if (parts.contains("http")) {
      b.connector(
          CloudSync.builder(store, URI.create(a.get("endpoint")))
              .nodeId("probe")
              .codec(codec)
              .maxBatchEntries(1000)
              .build());
    }
    if (parts.contains("mqtt")) {
      String broker = a.get("mqtt");
      int colon = broker.lastIndexOf(':');
      MqttLink link =
          MqttLink.builder()
              .broker(broker.substring(0, colon), Integer.parseInt(broker.substring(colon + 1)))
              .clientId("runnel-probe")
              .build();
      link.publishHistory(store, keys, codec, r -> "probe/" + r.sensor(), "mqtt");
      b.connector(link);
    }
    Runnel runnel = b.build();
    RemoteServer server = null;
    if (parts.contains("remote")) {
      server = RemoteServer.builder(runnel).port(0).history(store).build().start();
    }
    long t0 = System.nanoTime();
    runnel.start(); // connectors first (synchronously), then the tasks
    System.out.println("start-ms=" + (System.nanoTime() - t0) / 1_000_000);
    System.out.println("ready");
    Thread.sleep(seconds * 1000);
    if (server != null) {
      server.close();
    }
    runnel.close();
    if (store != null) {
      store.close();
    }
    if (temporary != null) {
      Cli.deleteTree(temporary, System.err);
    }
    System.out.println("done");
  }
}
