package io.runnel.kafka;

import static io.runnel.kafka.TestSupport.CODEC;

import io.runnel.RecordKey;
import io.runnel.Runnel;
import io.runnel.kafka.TestSupport.Reading;
import io.runnel.store.HistoryStore;
import io.runnel.store.Persist;
import io.runnel.store.StoreConfig;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A small Runnel process for {@link KafkaProcessKillTest}: a consumer group feeding a persisted
 * record. Arguments: store directory, bootstrap servers, topic, group. Prints {@code RECEIVED n}
 * every 50 ms; runs until killed.
 */
public final class InboundChild {
  static final RecordKey KEY = RecordKey.of("child.inbound");

  public static void main(String[] args) throws Exception {
    HistoryStore store = HistoryStore.open(StoreConfig.builder(Path.of(args[0])).build());
    KafkaLink link =
        KafkaLink.builder(args[1], "inbound-child")
            .reconnect(Duration.ofMillis(50), Duration.ofMillis(500))
            // a killed member holds its partitions until its session times out (default 45 s)
            .consumerProperty("session.timeout.ms", "6000")
            .consumerProperty("heartbeat.interval.ms", "1000")
            .build();
    String group = args[3];
    Runnel.builder()
        .name("inbound-child")
        .connector(link)
        .configure(
            Reading.class,
            KEY,
            r ->
                r.source(link.subscribe(Topics.of(args[2]), group, CODEC, store))
                    .hook(Persist.to(store, CODEC)))
        .build()
        .start();
    for (; ; ) {
      Long n = link.status().counters().get("inbound." + group + ".received");
      System.out.println("RECEIVED " + n);
      System.out.flush();
      Thread.sleep(50);
    }
  }
}
