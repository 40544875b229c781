package io.runnel.kafka;

import static io.runnel.kafka.TestSupport.CODEC;

import io.runnel.RecordKey;
import io.runnel.Runnel;
import io.runnel.buffer.Producer;
import io.runnel.kafka.TestSupport.Reading;
import io.runnel.spi.ConnectorStatus;
import io.runnel.store.HistoryStore;
import io.runnel.store.Persist;
import io.runnel.store.StoreConfig;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A small Runnel process for {@link KafkaProcessKillTest}: a persisted record forwarded to Kafka
 * from its store. Arguments: store directory, bootstrap servers, topic, how many values to produce
 * (about 4000/s). It prints {@code PRODUCED n} every 100 values and {@code CAUGHT-UP} once it has
 * produced them all and the link's backlog is 0, then keeps running until killed.
 */
public final class PipelineChild {
  static final RecordKey KEY = RecordKey.of("child.readings");
  static final String NODE = "child-node";

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    String bootstrap = args[1];
    String topic = args[2];
    long count = Long.parseLong(args[3]);
    HistoryStore store = HistoryStore.open(StoreConfig.builder(dir).build());
    KafkaLink link =
        KafkaLink.builder(bootstrap, NODE)
            .reconnect(Duration.ofMillis(50), Duration.ofMillis(500))
            .build();
    link.publishHistory(store, KEY, topic, "kafka");
    Runnel r =
        Runnel.builder()
            .name("child")
            .connector(link)
            .configure(Reading.class, KEY, rr -> rr.external().hook(Persist.to(store, CODEC)))
            .build()
            .start();
    Producer<Reading> p = r.producer(Reading.class, KEY);
    for (long n = 0; n < count; n++) {
      p.produce(new Reading("child", n, n));
      if (n % 100 == 99) {
        System.out.println("PRODUCED " + (n + 1));
        System.out.flush();
      }
      if (n % 20 == 19) {
        Thread.sleep(5);
      }
    }
    store.awaitDurable(store.sync(), Duration.ofSeconds(10));
    for (; ; ) {
      ConnectorStatus s = link.status();
      if (s.backlog() == 0) {
        System.out.println("CAUGHT-UP");
        System.out.flush();
        break;
      }
      Thread.sleep(20);
    }
    Thread.sleep(Long.MAX_VALUE); // until killed
  }
}
