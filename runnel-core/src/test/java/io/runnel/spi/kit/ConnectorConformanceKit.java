package io.runnel.spi.kit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.runnel.RecordKey;
import io.runnel.Runnel;
import io.runnel.RunnelBuilder;
import io.runnel.buffer.Producer;
import io.runnel.inspect.GraphSnapshot;
import io.runnel.inspect.TaskInfo;
import io.runnel.spi.Connector;
import io.runnel.spi.ConnectorStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The connector contract of {@code io.runnel.spi}, as one kit every connector passes (like {@code
 * BufferConformanceTest} for buffers). A connector module extends this class in its tests and
 * supplies a {@link Harness}: how to make its connector against a working peer and against one that
 * never answers, how to wire it to a record, and what the peer received.
 *
 * <p>What it checks, for every connector:
 *
 * <ul>
 *   <li><b>start is prompt</b>, even when the peer is unreachable: connecting happens in the
 *       background;
 *   <li><b>an unreachable peer is a status, not an exception</b>: the pipeline runs, and once the
 *       connector has something to send, the status says not connected and names the error;
 *   <li><b>a failing peer never throws into a producer</b> and never fails or restarts a task;
 *   <li><b>close is bounded</b>, with values still pending and the peer gone;
 *   <li><b>status is thread-safe</b> and names the connector;
 *   <li><b>it delivers</b> every value to a working peer, and a store-and-forward connector
 *       <b>resumes from its cursor</b> after a restart (at least once: nothing missing).
 * </ul>
 *
 * <p>Values are {@link Sample}s produced from outside into an external record; the harness maps
 * them to whatever its connector sends and reports the {@code n} of each value its peer received.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
public abstract class ConnectorConformanceKit {

  /** What every kit test produces. */
  public record Sample(String source, long n) {}

  /** The key the kit produces into (an external record of {@link Sample}s). */
  public static final RecordKey KEY = RecordKey.of("kit.sample");

  /** One connector implementation, with its peer. */
  public interface Harness extends AutoCloseable {
    /** A connector whose peer works. Called at most once per pipeline. */
    Connector working() throws Exception;

    /** A connector whose peer never answers (nothing listens, or it only blackholes). */
    Connector unreachable() throws Exception;

    /**
     * Declares {@link #KEY} (external, type {@link Sample}) and whatever else the connector needs
     * (a tap, a persist hook), and registers the connector.
     */
    void configure(RunnelBuilder builder, Connector connector) throws Exception;

    /** The {@code n} of every value the peer has received so far (duplicates allowed). */
    Set<Long> received();

    /** Whether the connector forwards from durable history (then restarts must resume). */
    boolean storeAndForward();

    /** The longest {@code close()} the connector documents. */
    Duration closeBound();

    @Override
    void close() throws Exception;
  }

  /** A fresh harness for one test; closed after it. */
  protected abstract Harness harness() throws Exception;

  private final List<AutoCloseable> cleanup = new ArrayList<>();

  @AfterEach
  void cleanUp() throws Exception {
    for (int i = cleanup.size() - 1; i >= 0; i--) {
      cleanup.get(i).close();
    }
    cleanup.clear();
  }

  private Harness open() throws Exception {
    Harness h = harness();
    cleanup.add(h);
    return h;
  }

  private Runnel pipeline(Harness h, Connector c) throws Exception {
    RunnelBuilder b = Runnel.builder().name("kit");
    h.configure(b, c);
    Runnel r = b.build();
    cleanup.add(r);
    return r;
  }

  @Test
  void startIsPromptAndAnUnreachablePeerIsAStatusNotAnException() throws Exception {
    Harness h = open();
    Connector c = h.unreachable();
    Runnel r = pipeline(h, c);
    long t0 = System.nanoTime();
    r.start();
    long startMillis = (System.nanoTime() - t0) / 1_000_000;
    assertThat(startMillis).as("start() must not wait for the peer").isLessThan(5_000);
    assertThat(r.state()).isEqualTo(Runnel.State.RUNNING);
    // a connector may connect lazily, when it has something to send: give it something
    r.producer(Sample.class, KEY).produce(new Sample("kit", 0));
    awaitTrue(
        "status names the failure",
        Duration.ofSeconds(30),
        () -> {
          ConnectorStatus s = c.status();
          return !s.connected() && s.lastError() != null && !s.lastError().isBlank();
        });
    ConnectorStatus s = r.inspect().connector(c.name()).orElseThrow();
    assertThat(s.connected()).isFalse();
    assertThat(s.name()).isEqualTo(c.name());
  }

  @Test
  void aFailingPeerNeverThrowsIntoAProducerNorStopsATask() throws Exception {
    Harness h = open();
    Connector c = h.unreachable();
    Runnel r = pipeline(h, c).start();
    Producer<Sample> p = r.producer(Sample.class, KEY);
    for (int i = 0; i < 500; i++) {
      long n = i;
      assertThatCode(() -> p.produce(new Sample("kit", n))).doesNotThrowAnyException();
    }
    assertThat(r.inspect().record(KEY.id()).orElseThrow().produced()).isEqualTo(500);
    Thread.sleep(300); // let taps and connector threads run into the dead peer
    for (TaskInfo t : r.inspect().tasks()) {
      assertThat(t.failures()).as("failures of " + t.id()).isZero();
      assertThat(t.state())
          .as("state of " + t.id())
          .isIn(TaskInfo.State.RUNNING, TaskInfo.State.DONE);
    }
  }

  @Test
  void closeIsBoundedWithValuesPendingAndThePeerGone() throws Exception {
    Harness h = open();
    Connector c = h.unreachable();
    Runnel r = pipeline(h, c).start();
    Producer<Sample> p = r.producer(Sample.class, KEY);
    for (int i = 0; i < 200; i++) {
      p.produce(new Sample("kit", i));
    }
    long t0 = System.nanoTime();
    r.close();
    long millis = (System.nanoTime() - t0) / 1_000_000;
    assertThat(millis)
        .as("close() with the peer gone")
        .isLessThan(h.closeBound().toMillis() + 5_000 + 2_000); // + the pipeline's shutdown timeout
    assertThat(r.state()).isEqualTo(Runnel.State.CLOSED);
  }

  @Test
  void statusIsThreadSafeAndNamesTheConnector() throws Exception {
    Harness h = open();
    Connector c = h.working();
    Runnel r = pipeline(h, c).start();
    Producer<Sample> p = r.producer(Sample.class, KEY);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    List<Thread> readers = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      readers.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    try {
                      for (int i = 0; i < 300; i++) {
                        ConnectorStatus s = c.status();
                        assertThat(s.name()).isEqualTo(c.name());
                        GraphSnapshot snap = r.inspect();
                        assertThat(snap.connector(c.name())).isPresent();
                      }
                    } catch (Throwable e) {
                      failure.compareAndSet(null, e);
                    }
                  }));
    }
    for (int i = 0; i < 300; i++) {
      p.produce(new Sample("kit", i));
    }
    for (Thread t : readers) {
      t.join(Duration.ofSeconds(30));
    }
    assertThat(failure.get()).isNull();
  }

  @Test
  void deliversEveryValueToAWorkingPeer() throws Exception {
    Harness h = open();
    Connector c = h.working();
    Runnel r = pipeline(h, c).start();
    Producer<Sample> p = r.producer(Sample.class, KEY);
    for (int i = 0; i < 100; i++) {
      p.produce(new Sample("kit", i));
    }
    awaitTrue(
        "every value received; got " + h.received().size(),
        Duration.ofSeconds(30),
        () -> h.received().containsAll(range(0, 100)));
  }

  @Test
  void aStoreAndForwardConnectorResumesFromItsCursorAfterARestart() throws Exception {
    Harness h = open();
    if (!h.storeAndForward()) {
      return; // a live connector has no cursor
    }
    Connector first = h.working();
    Runnel r1 = pipeline(h, first).start();
    Producer<Sample> p1 = r1.producer(Sample.class, KEY);
    for (int i = 0; i < 50; i++) {
      p1.produce(new Sample("kit", i));
    }
    awaitTrue(
        "the first 50 received",
        Duration.ofSeconds(30),
        () -> h.received().containsAll(range(0, 50)));
    r1.close();
    Connector second = h.working();
    Runnel r2 = pipeline(h, second).start();
    Producer<Sample> p2 = r2.producer(Sample.class, KEY);
    for (int i = 50; i < 100; i++) {
      p2.produce(new Sample("kit", i));
    }
    awaitTrue(
        "all 100 received after the restart; got " + h.received().size(),
        Duration.ofSeconds(30),
        () -> h.received().containsAll(range(0, 100)));
  }

  private static Set<Long> range(long from, long to) {
    Set<Long> s = new java.util.HashSet<>();
    for (long i = from; i < to; i++) {
      s.add(i);
    }
    return s;
  }

  /** Polls every 10 ms until {@code condition} holds, or fails naming {@code what}. */
  protected static void awaitTrue(String what, Duration timeout, BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("timed out after " + timeout + ": " + what);
      }
      Thread.sleep(10);
    }
  }
}
