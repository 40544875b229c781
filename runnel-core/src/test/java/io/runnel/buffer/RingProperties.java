package io.runnel.buffer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * "A reader sees an in-order run of values, and every gap is reported with its exact size": any
 * interleaving of produces and receives by several readers on a ring of any capacity, checked
 * against a model.
 */
class RingProperties {

  /** Produce {@code count} values, or let reader {@code reader} try to receive {@code count}. */
  record Step(boolean produce, int reader, int count) {}

  @Provide
  Arbitrary<List<Step>> steps() {
    Arbitrary<Step> produce = Arbitraries.integers().between(1, 40).map(n -> new Step(true, 0, n));
    Arbitrary<Step> read =
        Combinators.combine(
                Arbitraries.integers().between(0, 2), Arbitraries.integers().between(1, 40))
            .as((r, n) -> new Step(false, r, n));
    return Arbitraries.oneOf(produce, read).list().ofMinSize(1).ofMaxSize(60);
  }

  @Property(tries = 500)
  void everyReaderSeesAnInOrderRunAndExactGaps(
      @ForAll @IntRange(min = 1, max = 64) int requestedCapacity,
      @ForAll("steps") List<Step> steps,
      @ForAll @Size(3) List<@IntRange(min = 0, max = 30) Integer> subscribeAfter) {
    Buffer<Long> ring = BufferSpec.ring(requestedCapacity).create("prop");
    int capacity = ring.spec().capacity();
    int readers = 3;
    @SuppressWarnings("unchecked")
    Reader<Long>[] reader = new Reader[readers];
    long[] expectedNext = new long[readers];
    long[] received = new long[readers];
    long[] missed = new long[readers];
    long produced = 0;

    for (Step step : steps) {
      for (int r = 0; r < readers; r++) {
        if (reader[r] == null && produced >= subscribeAfter.get(r)) {
          reader[r] = ring.subscribe();
          expectedNext[r] = produced; // a new reader sees values produced after it subscribed
        }
      }
      if (step.produce()) {
        for (int i = 0; i < step.count(); i++) {
          ring.produce(produced++);
        }
        continue;
      }
      int r = step.reader();
      if (reader[r] == null) {
        continue;
      }
      for (int i = 0; i < step.count(); i++) {
        Long v;
        try {
          v = reader[r].tryRecv();
        } catch (LaggedException e) {
          // the gap is exact, and the reader resumes at the oldest value still held
          long oldestHeld = produced - capacity;
          assertThat(e.missed()).isEqualTo(oldestHeld - expectedNext[r]);
          missed[r] += e.missed();
          expectedNext[r] = oldestHeld;
          continue;
        }
        if (v == null) {
          assertThat(expectedNext[r]).as("nothing pending").isEqualTo(produced);
          break;
        }
        assertThat(produced - expectedNext[r])
            .as("a value is only received while held")
            .isLessThanOrEqualTo(capacity);
        assertThat(v).as("in order, no silent gap").isEqualTo(expectedNext[r]);
        expectedNext[r]++;
        received[r]++;
      }
    }
    for (int r = 0; r < readers; r++) {
      if (reader[r] != null) {
        assertThat(reader[r].received()).isEqualTo(received[r]);
        assertThat(reader[r].missed()).isEqualTo(missed[r]);
      }
    }
  }

  @Property(tries = 200)
  void aLatestReaderNeverSeesAnOlderValueThanItSawAndAlwaysGetsTheNewest(
      @ForAll("steps") List<Step> steps) {
    Buffer<Long> latest = BufferSpec.latest().create("prop");
    Reader<Long> reader = latest.subscribe();
    long produced = 0;
    long lastSeen = -1;
    for (Step step : steps) {
      if (step.produce()) {
        for (int i = 0; i < step.count(); i++) {
          latest.produce(produced++);
        }
      } else {
        Long v = reader.tryRecv();
        if (produced - 1 > lastSeen) {
          assertThat(v).isEqualTo(produced - 1);
          lastSeen = v;
        } else {
          assertThat(v).isNull();
        }
      }
    }
  }
}
