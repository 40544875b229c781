package io.runnel.bench;

import io.runnel.buffer.Buffer;
import io.runnel.buffer.BufferSpec;
import io.runnel.buffer.EndOfStreamException;
import io.runnel.buffer.LaggedException;
import io.runnel.buffer.Reader;

/**
 * Runnel's SPMC ring: {@code produce} never waits, so a reader that falls more than the capacity
 * behind gets a {@link LaggedException} with the exact number of values it missed and continues
 * from the oldest value still held. Readers block in {@code recv()} (spin, then park).
 */
final class RunnelHarness extends SpmcHarness {

  private final Buffer<Long> buffer;
  private final Reader<Long>[] readers;

  @SuppressWarnings("unchecked")
  RunnelHarness(String impl, int readerCount, int capacity, boolean busySpin) {
    super(impl, readerCount);
    this.buffer = BufferSpec.ring(capacity).create("bench");
    this.readers = new Reader[readerCount];
    // Subscribe all readers before the first value so each one starts at sequence 0.
    for (int i = 0; i < readerCount; i++) {
      readers[i] = buffer.subscribe();
    }
    for (int i = 0; i < readerCount; i++) {
      Reader<Long> reader = readers[i];
      ReaderProgress p = progress[i];
      startReader(impl + "-reader-" + i, () -> run(reader, p, busySpin));
    }
  }

  /**
   * Reads every value, accounting for lag. With {@code busySpin} the reader never parks: it
   * busy-polls {@code tryRecv()} (for comparison only); otherwise it blocks in {@code recv()}.
   */
  private static void run(Reader<Long> reader, ReaderProgress p, boolean busySpin) {
    long position = 0;
    long missed = 0;
    long lagEvents = 0;
    long errors = 0;
    for (; ; ) {
      Long value;
      try {
        value = busySpin ? reader.tryRecv() : reader.recv();
      } catch (LaggedException e) {
        // The reader was moved to the oldest value still held; account for the skipped values.
        missed += e.missed();
        position += e.missed();
        p.setMissed(missed);
        p.setLagEvents(++lagEvents);
        p.setPosition(position);
        continue;
      } catch (EndOfStreamException | InterruptedException e) {
        return; // buffer closed by stop()
      }
      if (value == null) {
        Thread.onSpinWait();
        continue;
      }
      if (value.longValue() != (position & POOL_MASK)) {
        p.setErrors(++errors);
      }
      p.setPosition(++position);
    }
  }

  @Override
  void publish(long seq) {
    buffer.produce(POOL[(int) seq & POOL_MASK]);
  }

  @Override
  void stopReaders() {
    buffer.close(); // readers drain, then get EndOfStreamException
  }

  @Override
  void verifyReaders() {
    // Our own accounting must match the library's counters exactly.
    for (int i = 0; i < readers.length; i++) {
      ReaderProgress p = progress[i];
      if (readers[i].received() != p.delivered() || readers[i].missed() != p.missed()) {
        throw new IllegalStateException(
            "runnel reader "
                + i
                + ": library counts received="
                + readers[i].received()
                + " missed="
                + readers[i].missed()
                + " but the benchmark counted received="
                + p.delivered()
                + " missed="
                + p.missed());
      }
      if (p.position() != buffer.produced()) {
        throw new IllegalStateException(
            "runnel reader "
                + i
                + " accounted for "
                + p.position()
                + " values, produced "
                + buffer.produced());
      }
    }
  }
}
