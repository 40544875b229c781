package io.runnel.buffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The contract every buffer kind shares, run against each of them. Kind-specific behaviour (lag,
 * newest-only, take-once) is tested in each kind's own test.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BufferConformanceTest {

  /** Each async test task on its own virtual thread (the common pool has 1 thread on 2 cores). */
  static final java.util.concurrent.Executor VIRTUAL = r -> Thread.ofVirtual().start(r);

  static Stream<BufferSpec> kinds() {
    return Stream.of(
        BufferSpec.ring(16), BufferSpec.ring(1), BufferSpec.latest(), BufferSpec.mailbox());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kinds")
  void aValueProducedAfterSubscribingIsReceived(BufferSpec spec) throws Exception {
    Buffer<String> buffer = spec.create("conf");
    Reader<String> reader = buffer.subscribe();
    buffer.produce("a");
    assertThat(reader.recv()).isEqualTo("a");
    assertThat(reader.received()).isEqualTo(1);
    assertThat(buffer.produced()).isEqualTo(1);
    assertThat(buffer.delivered()).isEqualTo(1);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kinds")
  void tryRecvOnEmptyReturnsNull(BufferSpec spec) {
    Buffer<String> buffer = spec.create("conf");
    Reader<String> reader = buffer.subscribe();
    assertThat(reader.tryRecv()).isNull();
    buffer.produce("x");
    assertThat(reader.tryRecv()).isEqualTo("x");
    assertThat(reader.tryRecv()).isNull();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kinds")
  void recvWithTimeoutReturnsNullAfterTheTimeout(BufferSpec spec) throws Exception {
    Buffer<String> buffer = spec.create("conf");
    Reader<String> reader = buffer.subscribe();
    long start = System.nanoTime();
    assertThat(reader.recv(Duration.ofMillis(50))).isNull();
    assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(50));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kinds")
  void recvWithTimeoutWakesOnProduce(BufferSpec spec) throws Exception {
    Buffer<String> buffer = spec.create("conf");
    Reader<String> reader = buffer.subscribe();
    CompletableFuture<String> got =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return reader.recv(Duration.ofSeconds(20));
              } catch (InterruptedException e) {
                throw new RuntimeException(e);
              }
            },
            VIRTUAL);
    Thread.sleep(20);
    buffer.produce("late");
    assertThat(got.get(10, TimeUnit.SECONDS)).isEqualTo("late");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kinds")
  void nullIsNeverAValue(BufferSpec spec) {
    Buffer<String> buffer = spec.create("conf.null");
    assertThatThrownBy(() -> buffer.produce(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("conf.null");
    assertThat(buffer.produced()).isZero();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kinds")
  void produceAfterCloseFailsClearly(BufferSpec spec) {
    Buffer<String> buffer = spec.create("conf.closed");
    buffer.close();
    assertThat(buffer.isClosed()).isTrue();
    assertThatThrownBy(() -> buffer.produce("x"))
        .isInstanceOf(BufferClosedException.class)
        .hasMessageContaining("conf.closed")
        .hasMessageContaining("closed");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kinds")
  void closeWakesEveryBlockedReaderWithEndOfStream(BufferSpec spec) throws Exception {
    Buffer<String> buffer = spec.create("conf");
    int n = 4;
    List<CompletableFuture<Throwable>> outcomes = new ArrayList<>();
    CountDownLatch started = new CountDownLatch(n);
    for (int i = 0; i < n; i++) {
      Reader<String> reader = buffer.subscribe();
      outcomes.add(
          CompletableFuture.supplyAsync(
              () -> {
                started.countDown();
                try {
                  reader.recv();
                  return null;
                } catch (Throwable t) {
                  return t;
                }
              },
              VIRTUAL));
    }
    started.await();
    Thread.sleep(50); // let them park
    buffer.close();
    for (CompletableFuture<Throwable> f : outcomes) {
      assertThat(f.get(10, TimeUnit.SECONDS)).isInstanceOf(EndOfStreamException.class);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kinds")
  void aReaderDrainsWhatIsHeldBeforeEndOfStream(BufferSpec spec) throws Exception {
    Buffer<String> buffer = spec.create("conf");
    Reader<String> reader = buffer.subscribe();
    buffer.produce("last");
    buffer.close();
    assertThat(reader.recv()).isEqualTo("last");
    assertThatThrownBy(reader::recv).isInstanceOf(EndOfStreamException.class);
    assertThat(reader.isClosed()).isTrue();
    assertThatThrownBy(reader::tryRecv).isInstanceOf(EndOfStreamException.class);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kinds")
  void iterationEndsAtEndOfStream(BufferSpec spec) {
    Buffer<Integer> buffer = spec.create("conf");
    Reader<Integer> reader = buffer.subscribe();
    buffer.produce(7);
    buffer.close();
    List<Integer> seen = new ArrayList<>();
    reader.forEach(seen::add);
    assertThat(seen).containsExactly(7);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kinds")
  void closingTheReaderWakesItsBlockedReceive(BufferSpec spec) throws Exception {
    Buffer<String> buffer = spec.create("conf");
    Reader<String> reader = buffer.subscribe();
    AtomicReference<Throwable> outcome = new AtomicReference<>();
    Thread t =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    reader.recv();
                  } catch (Throwable e) {
                    outcome.set(e);
                  }
                });
    Thread.sleep(50);
    reader.close();
    t.join(Duration.ofSeconds(10));
    assertThat(t.isAlive()).isFalse();
    assertThat(outcome.get()).isInstanceOf(EndOfStreamException.class);
    assertThat(buffer.readerCount()).isZero();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kinds")
  void interruptingABlockedReceiveThrowsInterruptedException(BufferSpec spec) throws Exception {
    Buffer<String> buffer = spec.create("conf");
    Reader<String> reader = buffer.subscribe();
    AtomicReference<Throwable> outcome = new AtomicReference<>();
    Thread t =
        Thread.ofPlatform()
            .start(
                () -> {
                  try {
                    reader.recv();
                  } catch (Throwable e) {
                    outcome.set(e);
                  }
                });
    Thread.sleep(50);
    t.interrupt();
    t.join(Duration.ofSeconds(10));
    assertThat(outcome.get()).isInstanceOf(InterruptedException.class);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kinds")
  void theProducerNeverBlocksOnAReaderThatDoesNotRead(BufferSpec spec) {
    Buffer<Integer> buffer = spec.create("conf");
    Reader<Integer> idle = buffer.subscribe();
    for (int i = 0; i < 200_000; i++) {
      buffer.produce(i);
    }
    assertThat(buffer.produced()).isEqualTo(200_000);
    assertThat(buffer.lastValue()).isEqualTo(199_999);
    assertThat(idle.received()).isZero();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kinds")
  void lastValueIsTheNewest(BufferSpec spec) {
    Buffer<String> buffer = spec.create("conf");
    assertThat(buffer.lastValue()).isNull();
    buffer.produce("one");
    buffer.produce("two");
    assertThat(buffer.lastValue()).isEqualTo("two");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kinds")
  void aConcurrentReaderSeesIncreasingValuesAndTheLastOne(BufferSpec spec) throws Exception {
    Buffer<Integer> buffer = spec.create("conf");
    Reader<Integer> reader = buffer.subscribe();
    int n = 200_000;
    CompletableFuture<long[]> consumer =
        CompletableFuture.supplyAsync(
            () -> {
              long count = 0;
              int previous = -1;
              boolean sawLast = false;
              try {
                for (; ; ) {
                  Integer v;
                  try {
                    v = reader.recv();
                  } catch (LaggedException e) {
                    continue;
                  }
                  if (v <= previous) {
                    return new long[] {-1, previous, v};
                  }
                  previous = v;
                  count++;
                  if (v == n - 1) {
                    sawLast = true;
                  }
                }
              } catch (EndOfStreamException e) {
                return new long[] {sawLast ? 1 : 0, count, previous};
              } catch (InterruptedException e) {
                throw new RuntimeException(e);
              }
            },
            VIRTUAL);
    for (int i = 0; i < n; i++) {
      buffer.produce(i);
      if ((i & 1023) == 0) {
        Thread.yield();
      }
    }
    buffer.close();
    long[] result = consumer.get(20, TimeUnit.SECONDS);
    assertThat(result[0]).as("saw the last value; result %s", (Object) result).isEqualTo(1);
    assertThat(result[1]).isPositive();
    assertThat(buffer.delivered()).isEqualTo(result[1]);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kinds")
  void aClosedReaderKeepsItsCountsInTheBufferTotals(BufferSpec spec) throws Exception {
    Buffer<String> buffer = spec.create("conf");
    Reader<String> reader = buffer.subscribe();
    buffer.produce("a");
    reader.recv();
    reader.close();
    assertThat(buffer.delivered()).isEqualTo(1);
    assertThat(buffer.readerCount()).isZero();
  }

  static <T> T get(CompletableFuture<T> f) throws Exception {
    try {
      return f.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw (Exception) e.getCause();
    }
  }
}
