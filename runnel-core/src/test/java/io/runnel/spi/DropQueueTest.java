package io.runnel.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class DropQueueTest {

  private static DropQueue<byte[]> queue(int n, long bytes, DropQueue.Overflow o) {
    return new DropQueue<>(n, bytes, b -> b.length, o);
  }

  @Test
  void dropOldestKeepsTheNewestWithinBothBounds() {
    DropQueue<byte[]> q = queue(3, 100, DropQueue.Overflow.DROP_OLDEST);
    for (int i = 0; i < 5; i++) {
      q.add(new byte[] {(byte) i});
    }
    assertThat(q.size()).isEqualTo(3);
    assertThat(q.dropped()).isEqualTo(2);
    assertThat(q.poll()[0]).isEqualTo((byte) 2);
    q.add(new byte[90]); // fits: 3 held, 92 bytes
    assertThat(q.dropped()).isEqualTo(2);
    assertThat(q.bytes()).isEqualTo(92);
    q.add(new byte[10]); // full by count (one goes), then by bytes (91 + 10 > 100: another)
    assertThat(q.dropped()).isEqualTo(4);
    assertThat(q.bytes()).isEqualTo(100);
    assertThat(q.size()).isEqualTo(2);
    q.add(new byte[101]); // larger than the bound on its own
    assertThat(q.dropped()).isEqualTo(5);
    assertThat(q.bytes()).isEqualTo(100);
  }

  @Test
  void dropNewestKeepsWhatIsHeld() {
    DropQueue<byte[]> q = queue(2, 100, DropQueue.Overflow.DROP_NEWEST);
    q.add(new byte[] {1});
    q.add(new byte[] {2});
    q.add(new byte[] {3});
    assertThat(q.dropped()).isEqualTo(1);
    assertThat(q.poll()[0]).isEqualTo((byte) 1);
    assertThat(q.poll()[0]).isEqualTo((byte) 2);
    assertThat(q.poll()).isNull();
  }

  @Test
  void putBackGoesFirstOrIsDroppedWhenFull() {
    DropQueue<byte[]> q = queue(2, 100, DropQueue.Overflow.DROP_OLDEST);
    q.add(new byte[] {1});
    byte[] head = q.poll();
    q.add(new byte[] {2});
    q.putBack(head);
    assertThat(q.poll()).isSameAs(head);
    q.add(new byte[] {3});
    q.putBack(new byte[] {9}); // full: two held
    assertThat(q.dropped()).isEqualTo(1);
    assertThat(q.size()).isEqualTo(2);
  }

  @Test
  void pollAndAwaitEmptyWaitOnlyUpToTheirTimeouts() throws Exception {
    DropQueue<byte[]> q = queue(4, 100, DropQueue.Overflow.DROP_OLDEST);
    long t0 = System.nanoTime();
    assertThat(q.poll(TimeUnit.MILLISECONDS.toNanos(50))).isNull();
    assertThat(Duration.ofNanos(System.nanoTime() - t0))
        .isGreaterThanOrEqualTo(Duration.ofMillis(50));
    q.add(new byte[1]);
    assertThat(q.awaitEmpty(TimeUnit.MILLISECONDS.toNanos(20))).isFalse();
    Thread drainer =
        Thread.ofPlatform()
            .start(
                () -> {
                  try {
                    Thread.sleep(50);
                  } catch (InterruptedException e) {
                    return;
                  }
                  q.poll();
                });
    assertThat(q.awaitEmpty(TimeUnit.SECONDS.toNanos(10))).isTrue();
    drainer.join();
  }

  @Test
  void concurrentProducersNeverExceedTheBoundsAndEveryMessageIsCountedOnce() throws Exception {
    DropQueue<byte[]> q = queue(64, 4096, DropQueue.Overflow.DROP_OLDEST);
    int producers = 3;
    int each = 20_000;
    AtomicLong taken = new AtomicLong();
    java.util.Queue<String> violations = new java.util.concurrent.ConcurrentLinkedQueue<>();
    List<Thread> threads = new ArrayList<>();
    for (int p = 0; p < producers; p++) {
      long seed = p;
      threads.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    Random r = new Random(seed);
                    for (int i = 0; i < each; i++) {
                      q.add(new byte[r.nextInt(200)]);
                    }
                  }));
    }
    Thread consumer =
        Thread.ofPlatform()
            .start(
                () -> {
                  try {
                    while (!Thread.currentThread().isInterrupted()) {
                      if (q.poll(TimeUnit.MILLISECONDS.toNanos(10)) != null) {
                        taken.incrementAndGet();
                      }
                      // recorded, not asserted: an AssertionError here would only end this thread
                      int n = q.size();
                      long b = q.bytes();
                      if (n > 64 || b < 0 || b > 4096) {
                        violations.add("size " + n + ", bytes " + b);
                      }
                    }
                  } catch (InterruptedException e) {
                    // done
                  }
                });
    for (Thread t : threads) {
      t.join();
    }
    assertThat(q.awaitEmpty(TimeUnit.SECONDS.toNanos(20))).as("the consumer drains it").isTrue();
    consumer.interrupt();
    consumer.join();
    assertThat(violations).as("bounds seen by the consumer").isEmpty();
    assertThat(taken.get() + q.dropped()).isEqualTo((long) producers * each);
  }

  @Test
  void badBoundsAreRefused() {
    assertThatThrownBy(() -> queue(0, 1, DropQueue.Overflow.DROP_OLDEST))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("capacity");
    assertThatThrownBy(() -> queue(1, 0, DropQueue.Overflow.DROP_OLDEST))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxBytes");
  }
}
