package io.runnel.buffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ReaderGroupTest {

  @Test
  void awaitWakesWhenAnyMemberHasAValue() throws Exception {
    Buffer<Integer> x = BufferSpec.ring(8).create("x");
    Buffer<Integer> y = BufferSpec.latest().create("y");
    ReaderGroup group = new ReaderGroup();
    Reader<Integer> rx = group.subscribe(x);
    Reader<Integer> ry = group.subscribe(y);
    CompletableFuture<Boolean> woke = new CompletableFuture<>();
    Thread.ofVirtual()
        .start(
            () -> {
              try {
                woke.complete(group.await(Duration.ofSeconds(20)));
              } catch (InterruptedException e) {
                woke.completeExceptionally(e);
              }
            });
    Thread.sleep(50);
    y.produce(5);
    assertThat(woke.get(10, TimeUnit.SECONDS)).isTrue();
    assertThat(ry.tryRecv()).isEqualTo(5);
    assertThat(rx.tryRecv()).isNull();
    assertThat(group.await(Duration.ofMillis(20))).isFalse();
  }

  /** Regression: group readers used to share one signal, so a second waiter stole the wake-up. */
  @Test
  void groupReadersBlockedOnTwoThreadsAreEachWoken() throws Exception {
    Buffer<Integer> x = BufferSpec.ring(8).create("x");
    Buffer<Integer> y = BufferSpec.ring(8).create("y");
    ReaderGroup group = new ReaderGroup();
    Reader<Integer> rx = group.subscribe(x);
    Reader<Integer> ry = group.subscribe(y);
    AtomicReference<Object> gotX = new AtomicReference<>();
    Thread t1 =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    gotX.set(rx.recv());
                  } catch (Throwable e) {
                    gotX.set(e);
                  }
                });
    Thread.sleep(50);
    Thread t2 =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    ry.recv();
                  } catch (Throwable ignored) {
                    // ended by close below
                  }
                });
    Thread.sleep(50);
    x.produce(42);
    t1.join(Duration.ofSeconds(10));
    assertThat(gotX.get()).isEqualTo(42);
    y.close();
    t2.join(Duration.ofSeconds(10));
    assertThat(t2.isAlive()).isFalse();
  }

  @Test
  void awaitReturnsWhenEveryMemberEnded() throws Exception {
    Buffer<Integer> x = BufferSpec.mailbox().create("x");
    ReaderGroup group = new ReaderGroup();
    Reader<Integer> rx = group.subscribe(x);
    x.close();
    assertThatThrownBy(rx::tryRecv).isInstanceOf(EndOfStreamException.class);
    assertThat(group.await(Duration.ofSeconds(5))).isTrue(); // nothing left to wait for
  }

  @Test
  void concurrentProduceIntoASingleWriterBufferIsDetected() throws Exception {
    for (BufferSpec spec : new BufferSpec[] {BufferSpec.ring(64), BufferSpec.latest()}) {
      Buffer<Integer> ring = spec.create("misused");
      AtomicReference<Throwable> error = new AtomicReference<>();
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      Runnable writer =
          () -> {
            Integer v = 1;
            while (error.get() == null && System.nanoTime() < until) {
              try {
                ring.produce(v);
              } catch (IllegalStateException e) {
                error.compareAndSet(null, e);
              }
            }
          };
      Thread a = Thread.ofPlatform().start(writer);
      Thread b = Thread.ofPlatform().start(writer);
      a.join();
      b.join();
      assertThat(error.get())
          .as("overlapping produce() calls on %s", spec)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("concurrent produce() calls into 'misused'");
    }
  }
}
