package io.runnel.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.RecordKey;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10, item 7: a producer on {@link OverflowPolicy#dropOldest()} is never parked inside the
 * hand-off queue's {@code offer}, while the writer takes batches and forces every one of them
 * beside an fsync storm (a second thread writing and forcing another file of the same file system).
 *
 * <p>The producer appends in bursts of 64 values with a short sleep between bursts (so the queue
 * fills and drains, and the writer takes many batches); a sampler takes the producer thread's stack
 * every ~100 µs and counts the samples in which it is inside {@code HandoffQueue.offer} and in a
 * {@code park} frame. With the lock-based queue (before this issue) it found such samples in every
 * run (contention with the writer's batch take, and the up-to-1 ms wait for the writer's batch
 * under drop-oldest); the lock-free one must show none.
 */
class DropOldestNeverParksTest {

  private static final RecordKey KEY = RecordKey.of("loop.state");
  private static final long RUN_NANOS = 3_000_000_000L;

  @TempDir Path tmp;

  @Test
  @Timeout(60)
  void dropOldestProducerIsNeverParkedInOffer() throws Exception {
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong stormForces = new AtomicLong();
    Thread storm = new Thread(() -> storm(tmp.resolve("storm.bin"), stop, stormForces), "storm");
    storm.setDaemon(true);
    List<String> parkedStacks = new ArrayList<>();
    long samples = 0;
    long parked = 0;
    StoreStats stats;
    try (HistoryStore store =
        HistoryStore.open(
            StoreConfig.builder(tmp.resolve("store"))
                .durability(Durability.everyBatch())
                .queueCapacity(256)
                .build())) {
      HistoryStore.Appender<String> appender =
          store.appender(KEY, HistoryStoreTest.TEXT).withPolicy(OverflowPolicy.dropOldest());
      AtomicLong appends = new AtomicLong();
      Thread producer =
          new Thread(
              () -> {
                String v = "x".repeat(200);
                while (!stop.get()) {
                  for (int i = 0; i < 64; i++) {
                    appender.append(v);
                  }
                  appends.addAndGet(64);
                  LockSupport.parkNanos(20_000);
                }
              },
              "loop");
      producer.setDaemon(true);
      storm.start();
      producer.start();
      long end = System.nanoTime() + RUN_NANOS;
      while (System.nanoTime() < end) {
        StackTraceElement[] stack = producer.getStackTrace();
        samples++;
        if (parkedInOffer(stack)) {
          parked++;
          if (parkedStacks.size() < 3) {
            parkedStacks.add(render(stack));
          }
        }
        LockSupport.parkNanos(100_000);
      }
      stop.set(true);
      producer.join(10_000);
      storm.join(10_000);
      stats = store.stats();
      assertThat(appends.get()).isPositive();
    }
    assertThat(samples).isGreaterThan(1000);
    assertThat(stats.batches()).as("the writer took batches").isGreaterThan(100);
    assertThat(stormForces.get()).as("the storm forced its file").isPositive();
    assertThat(parked)
        .as(
            "samples (of %d) with the drop-oldest producer parked in offer; %s; first stacks: %s",
            samples, stats, parkedStacks)
        .isZero();
  }

  private static boolean parkedInOffer(StackTraceElement[] stack) {
    boolean parked = false;
    for (StackTraceElement e : stack) {
      if (e.getMethodName().startsWith("park")
          && (e.getClassName().endsWith("LockSupport") || e.getClassName().endsWith("Unsafe"))) {
        parked = true;
      }
      if (parked
          && e.getClassName().endsWith("HandoffQueue")
          && e.getMethodName().equals("offer")) {
        return true;
      }
    }
    return false;
  }

  private static String render(StackTraceElement[] stack) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < Math.min(stack.length, 12); i++) {
      b.append("\n    at ").append(stack[i]);
    }
    return b.toString();
  }

  private static void storm(Path file, AtomicBoolean stop, AtomicLong forces) {
    ByteBuffer block = ByteBuffer.allocateDirect(64 << 10);
    try (FileChannel ch =
        FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      long pos = 0;
      while (!stop.get()) {
        block.clear();
        while (block.hasRemaining()) {
          pos += ch.write(block, pos);
        }
        if (pos >= (8 << 20)) {
          pos = 0;
        }
        ch.force(true);
        forces.incrementAndGet();
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } finally {
      try {
        Files.deleteIfExists(file);
      } catch (IOException ignored) {
        // the temp dir goes anyway
      }
    }
  }
}
