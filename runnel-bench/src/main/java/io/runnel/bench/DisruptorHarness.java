package io.runnel.bench;

import com.lmax.disruptor.BlockingWaitStrategy;
import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.ExceptionHandler;
import com.lmax.disruptor.InsufficientCapacityException;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.YieldingWaitStrategy;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * LMAX Disruptor 4 multicast: single producer, one {@link EventHandler} (one thread) per reader,
 * preallocated events holding a {@code long}. The producer waits when the slowest reader is a full
 * ring behind (backpressure: nothing is ever lost).
 *
 * <p>The producer claims with {@code tryNext()}; when the ring is full it does what {@code next()}
 * does ({@code LockSupport.parkNanos(1)} and retry) but gives up after {@link #TIMEOUT_NANOS}, so a
 * dead reader cannot hang the benchmark. The fast path is the same code as {@code next()}.
 */
final class DisruptorHarness extends SpmcHarness {

  /** The preallocated event. */
  static final class LongEvent {
    long value;
  }

  private final Disruptor<LongEvent> disruptor;
  private final RingBuffer<LongEvent> ring;
  private final CountDownLatch shutdown;

  DisruptorHarness(String impl, int readerCount, int capacity, boolean blocking) {
    super(impl, readerCount);
    this.disruptor =
        new Disruptor<>(
            LongEvent::new,
            capacity,
            readerThreadFactory(impl + "-reader-"),
            ProducerType.SINGLE,
            blocking ? new BlockingWaitStrategy() : new YieldingWaitStrategy());
    this.shutdown = new CountDownLatch(readerCount);
    Handler[] handlers = new Handler[readerCount];
    for (int i = 0; i < readerCount; i++) {
      handlers[i] = new Handler(progress[i], shutdown);
    }
    disruptor.handleEventsWith(handlers);
    disruptor.setDefaultExceptionHandler(new Rethrow());
    this.ring = disruptor.start();
  }

  private static final class Handler implements EventHandler<LongEvent> {
    private final ReaderProgress p;
    private final CountDownLatch shutdown;
    private long errors;

    Handler(ReaderProgress p, CountDownLatch shutdown) {
      this.p = p;
      this.shutdown = shutdown;
    }

    @Override
    public void onEvent(LongEvent event, long sequence, boolean endOfBatch) {
      if (event.value != (sequence & POOL_MASK)) {
        p.setErrors(++errors);
      }
      p.setPosition(sequence + 1);
    }

    @Override
    public void onShutdown() {
      shutdown.countDown();
    }
  }

  /** Like the default FatalExceptionHandler but without logging: the thread dies, we record it. */
  private static final class Rethrow implements ExceptionHandler<Object> {
    @Override
    public void handleEventException(Throwable ex, long sequence, Object event) {
      throw new IllegalStateException("handler failed at sequence " + sequence, ex);
    }

    @Override
    public void handleOnStartException(Throwable ex) {
      throw new IllegalStateException("handler failed on start", ex);
    }

    @Override
    public void handleOnShutdownException(Throwable ex) {
      throw new IllegalStateException("handler failed on shutdown", ex);
    }
  }

  @Override
  void publish(long seq) {
    long s;
    try {
      s = ring.tryNext();
    } catch (InsufficientCapacityException full) {
      s = nextSlow();
    }
    ring.get(s).value = seq & POOL_MASK;
    ring.publish(s);
  }

  /** The ring is full: wait like {@code next()} does, but bounded. */
  private long nextSlow() {
    long deadline = System.nanoTime() + TIMEOUT_NANOS;
    for (; ; ) {
      LockSupport.parkNanos(1L);
      try {
        return ring.tryNext();
      } catch (InsufficientCapacityException full) {
        if (System.nanoTime() - deadline > 0) {
          throw timeout("waiting for ring capacity");
        }
        checkFailure();
      }
    }
  }

  @Override
  void stopReaders() {
    disruptor.halt(); // alerts every processor (and wakes those blocked in the wait strategy)
    try {
      if (!shutdown.await(TIMEOUT_NANOS, TimeUnit.NANOSECONDS)) {
        throw timeout("waiting for the Disruptor's processors to halt");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(impl + ": interrupted while halting", e);
    }
  }

  @Override
  void verifyReaders() {
    long published = ring.getCursor() + 1;
    for (int i = 0; i < progress.length; i++) {
      if (progress[i].position() != published || progress[i].missed() != 0) {
        throw new IllegalStateException(
            impl
                + " reader "
                + i
                + " at "
                + progress[i].position()
                + " (missed "
                + progress[i].missed()
                + "), published "
                + published);
      }
    }
  }
}
