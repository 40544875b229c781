package io.runnel.kafka;

import io.runnel.Runnel;
import io.runnel.store.HistoryStore;
import io.runnel.store.Query;
import io.runnel.store.StoreConfig;
import io.runnel.store.StoredEntry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * One side of {@link KafkaThroughputBench}, in a JVM of its own so that its peak RSS is its own.
 * Arguments: {@code bare|link}, store directory, bootstrap, topic, values, batch.size, linger.ms.
 * Both read the same store: the bare producer page by page (10 000 entries), sending each entry's
 * payload with the link's key and headers, at most 1000 in flight; the link through {@code
 * publishHistory} until its cursor is committed past the last. Prints {@code RATE <msg/s>} and
 * {@code HWM <kB>}.
 */
public final class BenchChild {
  static final String NODE = "bench-node";

  public static void main(String[] args) throws Exception {
    String mode = args[0];
    Path dir = Path.of(args[1]);
    String bootstrap = args[2];
    String topic = args[3];
    int n = Integer.parseInt(args[4]);
    String batch = args[5];
    String linger = args[6];
    try (HistoryStore store = HistoryStore.open(StoreConfig.builder(dir).build())) {
      double rate =
          mode.equals("bare")
              ? bare(store, bootstrap, topic, n, batch, linger)
              : link(store, bootstrap, topic, n, batch, linger);
      System.out.println("RATE " + rate);
    }
    for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (l.startsWith("VmHWM:")) {
        System.out.println("HWM " + l.replaceAll("[^0-9]", ""));
      }
    }
    System.out.flush();
  }

  static double bare(
      HistoryStore store, String bootstrap, String topic, int n, String batch, String linger)
      throws Exception {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("acks", "all");
    p.put("enable.idempotence", "true");
    p.put("max.in.flight.requests.per.connection", "5");
    p.put("batch.size", batch);
    p.put("linger.ms", linger);
    p.put("compression.type", "none");
    p.put("key.serializer", ByteArraySerializer.class.getName());
    p.put("value.serializer", ByteArraySerializer.class.getName());
    byte[] node = KafkaHeaders.utf8(NODE);
    Semaphore window = new Semaphore(1000);
    AtomicReference<Exception> failure = new AtomicReference<>();
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
      producer.partitionsFor(topic);
      long t0 = System.nanoTime();
      long next = 0;
      int sent = 0;
      while (sent < n) {
        List<StoredEntry> page = store.query(Query.all().fromSequence(next).limit(10_000));
        for (StoredEntry e : page) {
          RecordHeaders h = new RecordHeaders();
          h.add(KafkaHeaders.NODE, node);
          h.add(KafkaHeaders.RECORD, KafkaHeaders.utf8(e.key()));
          h.add(KafkaHeaders.SEQUENCE, KafkaHeaders.utf8(Long.toString(e.sequence())));
          h.add(KafkaHeaders.SCHEMA, KafkaHeaders.hex(e.codecId()));
          window.acquire();
          producer.send(
              new ProducerRecord<>(
                  topic,
                  null,
                  e.timestampMicros() / 1000,
                  KafkaHeaders.messageKey(e.key(), NODE),
                  e.payload(),
                  h),
              (md, ex) -> {
                if (ex != null) {
                  failure.set(ex);
                }
                window.release();
              });
          sent++;
        }
        next = page.getLast().sequence() + 1;
      }
      window.acquire(1000);
      if (failure.get() != null) {
        throw failure.get();
      }
      return n / ((System.nanoTime() - t0) / 1e9);
    }
  }

  static double link(
      HistoryStore store, String bootstrap, String topic, int n, String batch, String linger)
      throws Exception {
    KafkaLink link =
        KafkaLink.builder(bootstrap, NODE)
            .producerProperty("batch.size", batch)
            .producerProperty("linger.ms", linger)
            .build();
    String cursor = "bench";
    link.publishHistory(store, KafkaThroughputBench.KEY, topic, cursor);
    try (Runnel r = Runnel.builder().name("bench").connector(link).build().start()) {
      long t0 = System.nanoTime(); // after start(): the producer exists, as the bare one's does
      while (store.cursor(cursor).position() < n) {
        Thread.sleep(1);
      }
      double rate = n / ((System.nanoTime() - t0) / 1e9);
      Long rewinds = link.status().counters().get("history." + cursor + ".rewinds");
      if (rewinds != 0) {
        throw new IllegalStateException("rewinds: " + rewinds);
      }
      return rate;
    }
  }
}
