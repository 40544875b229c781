package io.runnel.kafka;

import io.runnel.RecordKey;
import io.runnel.RuntimeContext;
import io.runnel.Source;
import io.runnel.buffer.Buffer;
import io.runnel.buffer.BufferClosedException;
import io.runnel.buffer.BufferSpec;
import io.runnel.buffer.Producer;
import io.runnel.buffer.Reader;
import io.runnel.codec.Codec;
import io.runnel.spi.Backoff;
import io.runnel.spi.ErrorLog;
import io.runnel.store.HistoryStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * One inbound subscription: a Kafka consumer in a consumer group, on its own thread, feeding one
 * record through the record's source task.
 *
 * <h2>Implementation overview</h2>
 *
 * <p>The consumer thread ({@link #consumerLoop}) owns the {@link KafkaConsumer} (which is not
 * thread-safe): it polls, puts each record into the hand-off queue, and commits offsets. The source
 * task ({@link #run}) takes records from the hand-off, decodes each, produces the value (through
 * the record's hooks: with {@code Persist}, into the store's queue), then reports the record done
 * on a second queue. Back-pressure instead of loss: when the hand-off holds {@code capacity}
 * records or more, the consumer thread {@linkplain KafkaConsumer#pause pauses} its partitions and
 * keeps polling (so it stays in its group) until the source has caught up.
 *
 * <p><b>The offset commit rule.</b> The consumer thread commits, per partition, the offset after
 * the last record done, and only that: records of one partition are handed off and processed in
 * order by one task, so "done" is contiguous. With a store ({@code persistedIn}), a done offset
 * becomes committable only once the store is durable up to a sequence taken after it was done
 * ({@link HistoryStore#sync()} asks the writer to force it): the value has then reached disk. A
 * crash at any point therefore re-delivers the records after the last commit (at least once), never
 * loses one. Commits are asynchronous every {@link #COMMIT_INTERVAL_NANOS}, synchronous (bounded)
 * when partitions are revoked and at close.
 *
 * <p>The source waits in a doorbell's {@code recv()} (a Runnel mailbox rung after each hand-off), a
 * Runnel waiting point: an idle topic never holds its lane (as in the MQTT link's subscriptions).
 */
final class Subscription<T> implements Source<T> {

  static final long COMMIT_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  private static final Backoff RETRY =
      Backoff.exponential(Duration.ofMillis(100), Duration.ofSeconds(10))
          .jitter(Backoff.Jitter.EQUAL);

  private final KafkaLink link;
  private final ErrorLog errors;
  final Topics topics;
  final String groupId;
  private final Codec<T> codec;
  private final HistoryStore store; // null: commit once produced
  private final Properties consumerConfig;
  private final int capacity;

  private final LinkedBlockingDeque<ConsumerRecord<byte[], byte[]>> handoff =
      new LinkedBlockingDeque<>();
  private final ConcurrentLinkedQueue<ConsumerRecord<byte[], byte[]>> done =
      new ConcurrentLinkedQueue<>();
  private final Buffer<Boolean> doorbell;
  private final Reader<Boolean> rung;
  private volatile Producer<KafkaDeadLetter> deadLetterOut;
  private final RecordKey deadLetterKey;

  private final LongAdder received = new LongAdder();
  private final LongAdder deadLetters = new LongAdder();
  private final LongAdder commits = new LongAdder();
  private final LongAdder commitFailures = new LongAdder();
  private final LongAdder rebalances = new LongAdder();
  private final LongAdder pauses = new LongAdder();
  private final AtomicInteger assigned = new AtomicInteger();
  private volatile long lag;
  private volatile KafkaConsumer<byte[], byte[]> consumer;
  private volatile boolean stopping;
  private volatile long closeDeadline;

  // consumer thread only
  private final Map<TopicPartition, Long> processed = new HashMap<>();
  private final ArrayDeque<Durable> awaitingDurable = new ArrayDeque<>();
  private final Map<TopicPartition, Long> committable = new HashMap<>();
  private final Map<TopicPartition, Long> committed = new HashMap<>();

  /** Offsets done, committable once the store is durable up to {@code sequence}. */
  private record Durable(Map<TopicPartition, Long> offsets, long sequence) {}

  Subscription(
      KafkaLink link,
      ErrorLog errors,
      Topics topics,
      String groupId,
      Codec<T> codec,
      HistoryStore store,
      Properties consumerConfig,
      int capacity,
      RecordKey deadLetterKey) {
    this.link = link;
    this.errors = errors;
    this.topics = topics;
    this.groupId = groupId;
    this.codec = codec;
    this.store = store;
    this.consumerConfig = consumerConfig;
    this.capacity = capacity;
    this.deadLetterKey = deadLetterKey;
    this.doorbell = BufferSpec.mailbox().create("kafka inbound '" + topics + "'");
    this.rung = doorbell.subscribe();
  }

  void start(io.runnel.Runnel runnel) {
    if (deadLetterKey != null) {
      deadLetterOut = runnel.producer(KafkaDeadLetter.class, deadLetterKey);
    }
  }

  // -------------------------------------------------------------------- source task

  @Override
  public void run(RuntimeContext ctx, Producer<T> out) throws InterruptedException {
    link.requireStarted("subscribe(" + topics + ")");
    for (; ; ) {
      ConsumerRecord<byte[], byte[]> r = handoff.poll();
      if (r == null) {
        rung.recv(); // a Runnel waiting point: parks through the lane
        continue;
      }
      T value;
      try {
        if (r.value() == null) {
          throw new IllegalArgumentException("a message without a value (a tombstone)");
        }
        value = decode(ctx, r);
        if (value == null) {
          throw new IllegalArgumentException("the codec returned null");
        }
      } catch (RuntimeException e) {
        deadLetter(r, e);
        done.add(r);
        continue;
      }
      try {
        out.produce(value);
      } catch (RuntimeException e) {
        // Not produced (a hook refused it: decision 007), e.g. the store's queue was full: the
        // record goes back to the head, so no later offset of its partition can be committed
        // past it, and the task's restart (or the next run) takes it again.
        handoff.addFirst(r);
        throw e;
      }
      received.increment();
      done.add(r); // after produce: the value is in the pipeline (and in the store's queue)
    }
  }

  /**
   * A plain (unversioned) codec decodes the bytes as before. A versioned codec decodes by the
   * {@value KafkaHeaders#SCHEMA} header (and {@value KafkaHeaders#VERSION}, for messages): another
   * version of its chain is migrated, a version it cannot read refused naming both versions; a
   * message without the header is refused, since it cannot tell which version it is.
   */
  private T decode(RuntimeContext ctx, ConsumerRecord<byte[], byte[]> r) {
    if (codec.version() == 0) {
      return codec.decode(r.value());
    }
    String what =
        "message "
            + r.topic()
            + "-"
            + r.partition()
            + "@"
            + r.offset()
            + " for record '"
            + ctx.key().id()
            + "'";
    java.util.OptionalLong id = KafkaHeaders.schema(r.headers());
    if (id.isEmpty()) {
      throw new io.runnel.codec.SchemaMismatchException(
          what
              + " has no "
              + KafkaHeaders.SCHEMA
              + " header but is read with version "
              + codec.version()
              + " of "
              + codec.schema()
              + ", which cannot tell which version it is: send it with a Runnel link (which"
              + " sets the header) or subscribe with a plain codec",
          0,
          codec.id());
    }
    return codec.decode(what, id.getAsLong(), KafkaHeaders.version(r.headers()), r.value());
  }

  private void deadLetter(ConsumerRecord<byte[], byte[]> r, RuntimeException e) {
    deadLetters.increment();
    errors.report(
        "message "
            + r.topic()
            + "-"
            + r.partition()
            + "@"
            + r.offset()
            + " ("
            + (r.value() == null ? "no value" : r.value().length + " bytes")
            + ") does not decode with "
            + codec.schema()
            + (deadLetterKey != null
                ? "; routed to '" + deadLetterKey.id() + "'"
                : "; dropped (no dead-letter record configured)"),
        e);
    Producer<KafkaDeadLetter> out = deadLetterOut;
    if (out != null) {
      try {
        out.produce(
            new KafkaDeadLetter(
                r.topic(),
                r.partition(),
                r.offset(),
                r.key(),
                r.value(),
                String.valueOf(e),
                Instant.now()));
      } catch (BufferClosedException closing) {
        // the pipeline is stopping
      }
    }
  }

  // -------------------------------------------------------------------- consumer thread

  /** The consumer thread's loop: runs until {@link #stop}. */
  void consumerLoop() {
    Properties p = new Properties();
    p.putAll(consumerConfig);
    p.put("group.id", groupId);
    p.put("enable.auto.commit", "false");
    p.put("key.deserializer", ByteArrayDeserializer.class.getName());
    p.put("value.deserializer", ByteArrayDeserializer.class.getName());
    int attempt = 0;
    try {
      consumer = new KafkaConsumer<>(p);
    } catch (RuntimeException e) {
      errors.report("cannot create the consumer of group '" + groupId + "'", e);
      return;
    }
    KafkaConsumer<byte[], byte[]> c = consumer;
    try {
      ConsumerRebalanceListener listener =
          new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
              rebalances.increment();
              collectDone();
              commitNow(c, Duration.ofSeconds(2));
              handoff.removeIf(
                  r -> partitions.contains(new TopicPartition(r.topic(), r.partition())));
              for (TopicPartition tp : partitions) {
                processed.remove(tp);
                committable.remove(tp);
                committed.remove(tp);
              }
              assigned.set(c.assignment().size() - partitions.size());
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
              assigned.set(c.assignment().size());
            }
          };
      try {
        if (topics.names() != null) {
          c.subscribe(topics.names(), listener);
        } else {
          c.subscribe(topics.pattern(), listener);
        }
      } catch (RuntimeException e) {
        errors.report("consumer of group '" + groupId + "' cannot subscribe to " + topics, e);
        return; // a configuration error: the finally block closes the consumer
      }
      long lastCommit = System.nanoTime();
      while (!stopping) {
        try {
          Set<TopicPartition> assignment = c.assignment();
          if (handoff.size() >= capacity) {
            if (!assignment.isEmpty() && c.paused().size() < assignment.size()) {
              c.pause(assignment);
              pauses.increment();
            }
          } else if (!c.paused().isEmpty()) {
            c.resume(c.paused());
          }
          ConsumerRecords<byte[], byte[]> records = c.poll(Duration.ofMillis(100));
          if (!records.isEmpty()) {
            for (ConsumerRecord<byte[], byte[]> r : records) {
              handoff.add(r);
            }
            doorbell.produce(Boolean.TRUE);
          }
          long l = 0;
          for (TopicPartition tp : c.assignment()) {
            OptionalLong pl = c.currentLag(tp);
            if (pl.isPresent()) {
              l += pl.getAsLong();
            }
          }
          lag = l + handoff.size();
          attempt = 0;
          if (System.nanoTime() - lastCommit >= COMMIT_INTERVAL_NANOS) {
            collectDone();
            commitAsync(c);
            lastCommit = System.nanoTime();
          }
        } catch (RuntimeException e) {
          errors.report("consumer of group '" + groupId + "' on " + topics + " failed", e);
          pause(RETRY.delay(attempt++).toNanos());
        }
      }
      // closing: commit what is done (with a store: what is durable), within the close deadline
      collectDone();
      if (store != null && !awaitingDurable.isEmpty()) {
        try {
          store.awaitDurable(
              awaitingDurable.peekLast().sequence(),
              Duration.ofNanos(Math.max(0, closeDeadline - System.nanoTime())));
        } catch (Exception e) {
          // interrupted or the store is gone: commit only what is durable
        }
      }
      commitNow(c, Duration.ofNanos(Math.max(1_000_000, closeDeadline - System.nanoTime())));
    } finally {
      try {
        c.close(Duration.ofNanos(Math.max(0, closeDeadline - System.nanoTime())));
      } catch (RuntimeException e) {
        errors.report("closing the consumer of group '" + groupId + "'", e);
      }
    }
  }

  /** Moves done records into {@code processed}, and those (with a store: durable) on. */
  private void collectDone() {
    boolean any = false;
    for (ConsumerRecord<byte[], byte[]> r; (r = done.poll()) != null; ) {
      processed.merge(new TopicPartition(r.topic(), r.partition()), r.offset() + 1, Math::max);
      any = true;
    }
    if (store == null) {
      committable.putAll(processed);
      processed.clear();
      return;
    }
    if (any) {
      try {
        // every value done so far was offered to the store before this call
        awaitingDurable.addLast(new Durable(new HashMap<>(processed), store.sync()));
        processed.clear();
      } catch (RuntimeException e) {
        errors.report("cannot ask the store to force", e);
      }
    }
    long durable = store.durableSequence();
    while (!awaitingDurable.isEmpty() && awaitingDurable.peekFirst().sequence() <= durable) {
      awaitingDurable.pollFirst().offsets().forEach((tp, o) -> committable.merge(tp, o, Math::max));
    }
  }

  private Map<TopicPartition, OffsetAndMetadata> toCommit(KafkaConsumer<byte[], byte[]> c) {
    Map<TopicPartition, OffsetAndMetadata> m = new HashMap<>();
    Set<TopicPartition> assignment = c.assignment();
    committable.forEach(
        (tp, o) -> {
          if (assignment.contains(tp) && !o.equals(committed.get(tp))) {
            m.put(tp, new OffsetAndMetadata(o));
          }
        });
    return m;
  }

  private void commitAsync(KafkaConsumer<byte[], byte[]> c) {
    Map<TopicPartition, OffsetAndMetadata> m = toCommit(c);
    if (m.isEmpty()) {
      return;
    }
    m.forEach((tp, o) -> committed.put(tp, o.offset()));
    c.commitAsync(
        m,
        (offsets, e) -> {
          if (e == null) {
            commits.increment();
          } else {
            commitFailures.increment();
            offsets.keySet().forEach(committed::remove); // try again next round
            errors.report("offset commit of group '" + groupId + "' failed", e);
          }
        });
  }

  private void commitNow(KafkaConsumer<byte[], byte[]> c, Duration timeout) {
    Map<TopicPartition, OffsetAndMetadata> m = toCommit(c);
    if (m.isEmpty()) {
      return;
    }
    try {
      c.commitSync(m, timeout);
      m.forEach((tp, o) -> committed.put(tp, o.offset()));
      commits.increment();
    } catch (RuntimeException e) {
      commitFailures.increment();
      errors.report("offset commit of group '" + groupId + "' failed", e);
    }
  }

  private void pause(long nanos) {
    long deadline = System.nanoTime() + nanos;
    while (!stopping && System.nanoTime() - deadline < 0) {
      LockSupport.parkNanos(Math.min(deadline - System.nanoTime(), 50_000_000L));
    }
  }

  /** Tells the consumer thread to commit and close by {@code deadline}. */
  void stop(long deadline) {
    closeDeadline = deadline;
    stopping =
        true; // seen within one poll (100 ms); no wakeup(), which would abort the last commit
  }

  // -------------------------------------------------------------------- status

  /** Whether the consumer holds a connection to the cluster (its {@code connection-count}). */
  boolean connected() {
    KafkaConsumer<byte[], byte[]> c = consumer;
    return c != null && KafkaLink.connectionCount(c.metrics()) > 0;
  }

  long lag() {
    return lag;
  }

  long deadLetters() {
    return deadLetters.sum();
  }

  Map<MetricName, ? extends Metric> metrics() {
    KafkaConsumer<byte[], byte[]> c = consumer;
    return c == null ? Map.of() : c.metrics();
  }

  void addCounters(Map<String, Long> counters) {
    String p = "inbound." + groupId + ".";
    counters.put(p + "received", received.sum());
    counters.put(p + "deadLetters", deadLetters.sum());
    counters.put(p + "commits", commits.sum());
    counters.put(p + "commitFailures", commitFailures.sum());
    counters.put(p + "rebalances", rebalances.sum());
    counters.put(p + "pauses", pauses.sum());
    counters.put(p + "assignedPartitions", (long) assigned.get());
    counters.put(p + "queued", (long) handoff.size());
    counters.put(p + "lag", lag);
  }

  @Override
  public String toString() {
    return "kafka subscription "
        + topics
        + " (group '"
        + groupId
        + "') via link '"
        + link.name()
        + "'";
  }
}
