package io.runnel.kafka;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * A plain kafka-clients consumer reading a topic from the start on its own thread, as the far side
 * of the tests: it keeps every message, and de-duplicates by the link's headers ({@code (node,
 * sequence)}) the way the link's documentation tells a consumer to.
 */
final class TestConsumer implements AutoCloseable {

  record Message(
      String node, long sequence, byte[] key, byte[] value, int partition, long offset) {}

  private final Thread thread;
  private volatile boolean stop;
  private final List<Message> all = new CopyOnWriteArrayList<>();
  private final Map<String, Set<Long>> unique = new ConcurrentHashMap<>();
  private final AtomicLong duplicates = new AtomicLong();
  private final Consumer<ConsumerRecord<byte[], byte[]>> onRecord;

  TestConsumer(String bootstrap, String topic) {
    this(bootstrap, topic, r -> {});
  }

  TestConsumer(String bootstrap, String topic, Consumer<ConsumerRecord<byte[], byte[]>> onRecord) {
    this.onRecord = onRecord;
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("group.id", "test-" + topic + "-" + System.nanoTime());
    p.put("auto.offset.reset", "earliest");
    p.put("enable.auto.commit", "false");
    p.put("key.deserializer", ByteArrayDeserializer.class.getName());
    p.put("value.deserializer", ByteArrayDeserializer.class.getName());
    p.put("reconnect.backoff.max.ms", "200");
    p.put("metadata.max.age.ms", "1000");
    thread =
        Thread.ofPlatform()
            .daemon()
            .name("test-consumer-" + topic)
            .start(
                () -> {
                  try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
                    c.subscribe(List.of(topic));
                    while (!stop) {
                      for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(100))) {
                        take(r);
                      }
                    }
                  }
                });
  }

  private final Set<String> offsets = ConcurrentHashMap.newKeySet();
  private final AtomicLong rereads = new AtomicLong();

  private void take(ConsumerRecord<byte[], byte[]> r) {
    if (!offsets.add(r.partition() + "@" + r.offset())) {
      // the same log entry again: this consumer re-read it (it commits nothing, so a rebalance
      // after a broker restart starts it over); not a duplicate in the topic
      rereads.incrementAndGet();
      return;
    }
    String node = KafkaHeaders.node(r.headers());
    OptionalLong seq = KafkaHeaders.sequence(r.headers());
    all.add(new Message(node, seq.orElse(-1), r.key(), r.value(), r.partition(), r.offset()));
    if (seq.isPresent()
        && !unique.computeIfAbsent(node, n -> ConcurrentHashMap.newKeySet()).add(seq.getAsLong())) {
      duplicates.incrementAndGet();
    }
    onRecord.accept(r);
  }

  /** Every distinct log entry received (duplicates in the topic included), in arrival order. */
  List<Message> all() {
    return all;
  }

  /** The distinct sequences received from {@code node} (the de-duplicated view). */
  Set<Long> sequences(String node) {
    return unique.getOrDefault(node, Set.of());
  }

  /** Log entries this consumer read more than once (not duplicates in the topic). */
  long rereads() {
    return rereads.get();
  }

  /**
   * Messages dropped by de-duplication: distinct log entries (partition, offset) with a node and
   * sequence seen before, i.e. duplicates in the topic.
   */
  long duplicates() {
    return duplicates.get();
  }

  /** Waits until {@code n} distinct sequences of {@code node} have arrived. */
  void awaitSequences(String node, int n, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (sequences(node).size() < n) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError(
            "timed out after "
                + timeout
                + ": "
                + sequences(node).size()
                + " of "
                + n
                + " distinct sequences of node "
                + node
                + " arrived ("
                + all.size()
                + " messages)");
      }
      TimeUnit.MILLISECONDS.sleep(10);
    }
  }

  @Override
  public void close() throws InterruptedException {
    stop = true;
    thread.join(Duration.ofSeconds(10));
  }
}
