package io.runnel.buffer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SingleLatestTest {

  /** Each async test task on its own virtual thread (the common pool has 1 thread on 2 cores). */
  static final java.util.concurrent.Executor VIRTUAL = r -> Thread.ofVirtual().start(r);

  @Test
  void aNewReaderFirstSeesTheCurrentValueThenEachChange() throws Exception {
    Buffer<String> latest = BufferSpec.latest().create("config");
    latest.produce("v1");
    latest.produce("v2");
    Reader<String> reader = latest.subscribe();
    assertThat(reader.recv()).isEqualTo("v2");
    assertThat(reader.tryRecv()).isNull();
    latest.produce("v3");
    assertThat(reader.recv()).isEqualTo("v3");
  }

  @Test
  void aNewReaderOfAnEmptyBufferWaitsForTheFirstValue() {
    Buffer<String> latest = BufferSpec.latest().create("config");
    Reader<String> reader = latest.subscribe();
    assertThat(reader.tryRecv()).isNull();
  }

  @Test
  void aSlowReaderOnlySeesTheNewestAndNeverAnError() throws Exception {
    Buffer<Integer> latest = BufferSpec.latest().create("state");
    Reader<Integer> reader = latest.subscribe();
    for (int i = 0; i < 1000; i++) {
      latest.produce(i);
    }
    assertThat(reader.recv()).isEqualTo(999);
    assertThat(reader.tryRecv()).isNull();
    assertThat(reader.missed()).isZero();
  }

  @Test
  void underAFastProducerAReaderNeverGoesBackwardsAndEndsOnTheLastValue() throws Exception {
    Buffer<Integer> latest = BufferSpec.latest().create("state");
    Reader<Integer> reader = latest.subscribe();
    int n = 1_000_000;
    CompletableFuture<Integer> last =
        CompletableFuture.supplyAsync(
            () -> {
              int previous = -1;
              for (Integer v : reader) {
                if (v <= previous) {
                  return -2;
                }
                previous = v;
              }
              return previous;
            },
            VIRTUAL);
    for (int i = 0; i < n; i++) {
      latest.produce(i);
    }
    latest.close();
    assertThat(last.get(20, TimeUnit.SECONDS)).isEqualTo(n - 1);
  }
}
