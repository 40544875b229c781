package io.runnel.bench;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The JDK baseline: one {@code ArrayBlockingQueue<Long>} per reader; the producer puts every value
 * into each queue in turn, waiting while a queue is full (backpressure: nothing is ever lost).
 * Readers block in {@code take()}.
 *
 * <p>The producer uses {@code offer(v, timeout)}, which is {@code put} with a bound (same lock,
 * same condition wait) so that a dead reader cannot hang the benchmark.
 */
final class AbqHarness extends SpmcHarness {

  private final ArrayBlockingQueue<Long>[] queues;
  private final Thread[] readerThreads;

  @SuppressWarnings("unchecked")
  AbqHarness(int readerCount, int capacity) {
    super(ABQ, readerCount);
    this.queues = new ArrayBlockingQueue[readerCount];
    this.readerThreads = new Thread[readerCount];
    for (int i = 0; i < readerCount; i++) {
      ArrayBlockingQueue<Long> q = new ArrayBlockingQueue<>(capacity);
      ReaderProgress p = progress[i];
      queues[i] = q;
      readerThreads[i] = startReader("abq-reader-" + i, () -> run(q, p));
    }
  }

  private static void run(ArrayBlockingQueue<Long> queue, ReaderProgress p) {
    long position = 0;
    long errors = 0;
    for (; ; ) {
      Long value;
      try {
        value = queue.take();
      } catch (InterruptedException e) {
        return; // stop()
      }
      if (value.longValue() != (position & POOL_MASK)) {
        p.setErrors(++errors);
      }
      p.setPosition(++position);
    }
  }

  @Override
  void publish(long seq) {
    Long value = POOL[(int) seq & POOL_MASK];
    for (ArrayBlockingQueue<Long> q : queues) {
      boolean offered;
      try {
        offered = q.offer(value, TIMEOUT_NANOS, TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("abq: producer interrupted", e);
      }
      if (!offered) {
        throw timeout("waiting for queue capacity");
      }
    }
  }

  @Override
  void stopReaders() {
    for (Thread t : readerThreads) {
      t.interrupt();
    }
  }
}
