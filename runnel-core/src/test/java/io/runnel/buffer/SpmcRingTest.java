package io.runnel.buffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SpmcRingTest {

  @ParameterizedTest
  @CsvSource({"1,1", "2,2", "3,4", "5,8", "1000,1024", "1024,1024", "1073741824,1073741824"})
  void capacityIsRoundedUpToAPowerOfTwo(int requested, int actual) {
    BufferSpec spec = BufferSpec.ring(requested);
    assertThat(spec.capacity()).isEqualTo(actual);
    assertThat(spec.requestedCapacity()).isEqualTo(requested);
  }

  @ParameterizedTest
  @CsvSource({"0", "-1", "1073741825", "2147483647"})
  void invalidCapacitiesAreRejectedWithTheRange(int capacity) {
    assertThatThrownBy(() -> BufferSpec.ring(capacity))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("between 1 and 1073741824")
        .hasMessageContaining(String.valueOf(capacity));
  }

  @Test
  void aNewReaderSeesOnlyValuesProducedAfterItSubscribed() throws Exception {
    Buffer<Integer> ring = BufferSpec.ring(8).create("ring");
    ring.produce(1);
    ring.produce(2);
    Reader<Integer> reader = ring.subscribe();
    assertThat(reader.tryRecv()).isNull();
    ring.produce(3);
    assertThat(reader.recv()).isEqualTo(3);
  }

  @Test
  void aLaggingReaderLearnsExactlyHowManyItMissedAndContinuesFromTheOldestHeld() throws Exception {
    Buffer<Integer> ring = BufferSpec.ring(4).create("ring");
    Reader<Integer> reader = ring.subscribe();
    for (int i = 0; i < 10; i++) {
      ring.produce(i);
    }
    // holds 6,7,8,9; missed 0..5
    assertThatThrownBy(reader::recv)
        .isInstanceOfSatisfying(LaggedException.class, e -> assertThat(e.missed()).isEqualTo(6))
        .hasMessageContaining("missed 6");
    assertThat(reader.recv()).isEqualTo(6);
    assertThat(reader.recv()).isEqualTo(7);
    assertThat(reader.missed()).isEqualTo(6);
    assertThat(ring.lagged()).isEqualTo(6);
  }

  @Test
  void readersAreIndependent() throws Exception {
    Buffer<Integer> ring = BufferSpec.ring(4).create("ring");
    Reader<Integer> fast = ring.subscribe();
    Reader<Integer> slow = ring.subscribe();
    List<Integer> fastSeen = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      ring.produce(i);
      fastSeen.add(fast.recv());
    }
    assertThat(fastSeen).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    assertThat(fast.missed()).isZero();
    assertThatThrownBy(slow::recv).isInstanceOf(LaggedException.class);
    assertThat(slow.recv()).isEqualTo(6);
  }

  @Test
  void lagIsReportedBeforeEndOfStream() throws Exception {
    Buffer<Integer> ring = BufferSpec.ring(2).create("ring");
    Reader<Integer> reader = ring.subscribe();
    for (int i = 0; i < 5; i++) {
      ring.produce(i);
    }
    ring.close();
    assertThatThrownBy(reader::recv).isInstanceOf(LaggedException.class);
    assertThat(reader.recv()).isEqualTo(3);
    assertThat(reader.recv()).isEqualTo(4);
    assertThatThrownBy(reader::recv).isInstanceOf(EndOfStreamException.class);
  }

  @Test
  void iterationSkipsLagAndCountsIt() {
    Buffer<Integer> ring = BufferSpec.ring(4).create("ring");
    Reader<Integer> reader = ring.subscribe();
    for (int i = 0; i < 10; i++) {
      ring.produce(i);
    }
    ring.close();
    assertThat(reader.stream().toList()).containsExactly(6, 7, 8, 9);
    assertThat(reader.missed()).isEqualTo(6);
  }

  /**
   * Several concurrent readers of a small ring under a fast producer: each sees a strictly
   * increasing run, every gap between consecutive values equals the lag reported in between, and
   * received + missed accounts for every produced value.
   */
  @Test
  void concurrentReadersAccountForEveryValueExactly() throws Exception {
    int readers = 4;
    int n = 2_000_000;
    Buffer<Long> ring = BufferSpec.ring(64).create("ring");
    Long[] values = new Long[n];
    for (int i = 0; i < n; i++) {
      values[i] = (long) i;
    }
    List<CompletableFuture<String>> results = new ArrayList<>();
    for (int r = 0; r < readers; r++) {
      Reader<Long> reader = ring.subscribe();
      results.add(
          CompletableFuture.supplyAsync(
              () -> checkRun(reader, n),
              java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()));
    }
    for (int i = 0; i < n; i++) {
      ring.produce(values[i]);
    }
    ring.close();
    for (CompletableFuture<String> f : results) {
      assertThat(f.get(50, TimeUnit.SECONDS)).isEqualTo("ok");
    }
    assertThat(ring.delivered() + ring.lagged()).isEqualTo((long) readers * n);
  }

  private static String checkRun(Reader<Long> reader, int n) {
    long expected = 0;
    long pendingLag = 0;
    try {
      for (; ; ) {
        long v;
        try {
          v = reader.recv();
        } catch (LaggedException e) {
          pendingLag += e.missed();
          continue;
        }
        if (v != expected + pendingLag) {
          return "value " + v + " after expecting " + expected + " with lag " + pendingLag;
        }
        expected = v + 1;
        pendingLag = 0;
      }
    } catch (EndOfStreamException e) {
      if (expected + pendingLag != n) {
        return "ended at " + expected + " + lag " + pendingLag + ", produced " + n;
      }
      if (reader.received() + reader.missed() != n) {
        return "received " + reader.received() + " + missed " + reader.missed() + " != " + n;
      }
      return "ok";
    } catch (InterruptedException e) {
      return "interrupted";
    }
  }
}
