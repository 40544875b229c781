package io.runnel.http;

import static io.runnel.http.Fixture.TEMP;
import static io.runnel.http.Fixture.append;
import static io.runnel.http.Fixture.eventually;
import static io.runnel.http.Fixture.keptAfterDedup;
import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.http.FaultyServer.Close;
import io.runnel.http.FaultyServer.Fault;
import io.runnel.http.FaultyServer.Reset;
import io.runnel.http.FaultyServer.Silent;
import io.runnel.http.FaultyServer.Slow;
import io.runnel.http.FaultyServer.Status;
import io.runnel.spi.ConnectorStatus;
import io.runnel.store.HistoryStore;
import io.runnel.store.StoreConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Cloud sync against a server that misbehaves in every way we could think of. */
@Timeout(90)
class CloudSyncFaultsTest {
  @TempDir Path dir;
  private HistoryStore store;
  private final List<AutoCloseable> toClose = new ArrayList<>();

  @BeforeEach
  void open() throws IOException {
    store = HistoryStore.open(StoreConfig.builder(dir).build());
  }

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : toClose.reversed()) {
      c.close();
    }
    store.close();
  }

  private FaultyServer server(Function<Integer, Fault> script) throws IOException {
    FaultyServer s = new FaultyServer(script);
    toClose.add(s);
    return s;
  }

  /** A sync with short timeouts and backoff, started. */
  /** A sync whose requests time out after 2 s: ample for a loaded CI machine. */
  private CloudSync sync(URI uri, int batch) throws IOException {
    return sync(uri, batch, Duration.ofSeconds(2));
  }

  private CloudSync sync(URI uri, int batch, Duration requestTimeout) throws IOException {
    CloudSync sync =
        CloudSync.builder(store, uri)
            .nodeId("gw-1")
            .maxBatchEntries(batch)
            .connectTimeout(Duration.ofMillis(500))
            .requestTimeout(requestTimeout)
            .backoff(Duration.ofMillis(10), Duration.ofMillis(100))
            .build();
    toClose.add(sync);
    return sync.start();
  }

  private static List<Long> range(long last) {
    return LongStream.rangeClosed(0, last).boxed().toList();
  }

  /** Every appended entry was kept exactly once by a receiver that de-duplicates by key. */
  private static void assertExactlyOnceAfterDedup(FaultyServer server, long last) {
    Map<Long, Integer> kept = keptAfterDedup(server.received());
    assertThat(kept.keySet()).containsExactlyElementsOf(range(last));
    assertThat(kept.values()).containsOnly(1);
  }

  @Test
  void serverErrorsAreRetriedWithTheSameBatchUntilAccepted() throws Exception {
    FaultyServer server = server(i -> i < 3 ? new Status(500, null) : FaultyServer.OK);
    long last = append(store, TEMP, 50);
    CloudSync sync = sync(server.uri(), 100);

    assertThat(sync.awaitForwarded(last, Duration.ofSeconds(10))).isTrue();

    List<FaultyServer.Request> reqs = server.requests();
    assertThat(reqs).hasSize(4);
    assertThat(reqs).allSatisfy(r -> assertThat(r.idempotencyKey()).isEqualTo("gw-1-0"));
    assertThat(reqs).allSatisfy(r -> assertThat(r.body()).isEqualTo(reqs.get(0).body()));
    ConnectorStatus st = sync.status();
    assertThat(st.retries()).isEqualTo(3);
    assertThat(st.lastError()).contains("HTTP 500").contains("gw-1-0");
    assertThat(st.connected()).isTrue();
    assertThat(st.counters()).containsEntry("failedRequests", 3L).containsEntry("rejected", 0L);
    assertExactlyOnceAfterDedup(server, last);
  }

  @Test
  void tooManyRequestsWaitsForRetryAfter() throws Exception {
    FaultyServer server = server(i -> i == 0 ? new Status(429, "1") : FaultyServer.OK);
    long last = append(store, TEMP, 10);
    CloudSync sync = sync(server.uri(), 100); // backoff alone would retry within 10 ms

    assertThat(sync.awaitForwarded(last, Duration.ofSeconds(10))).isTrue();

    List<FaultyServer.Request> reqs = server.requests();
    assertThat(reqs).hasSize(2);
    assertThat(Duration.ofNanos(reqs.get(1).nanos() - reqs.get(0).nanos()))
        .isGreaterThanOrEqualTo(Duration.ofMillis(950));
    assertThat(sync.status().lastError()).contains("HTTP 429").contains("Retry-After 1000 ms");
  }

  @Test
  void resetAndClosedConnectionsAreRetried() throws Exception {
    FaultyServer server =
        server(i -> i == 0 ? new Reset() : i == 1 ? new Close() : FaultyServer.OK);
    long last = append(store, TEMP, 20);
    CloudSync sync = sync(server.uri(), 100);

    assertThat(sync.awaitForwarded(last, Duration.ofSeconds(10))).isTrue();

    assertThat(server.requests()).hasSize(3);
    assertThat(sync.status().retries()).isEqualTo(2);
    assertThat(sync.status().lastError()).contains("gw-1-0").contains("Exception");
    assertThat(sync.status().connected()).isTrue();
    assertExactlyOnceAfterDedup(server, last);
  }

  @Test
  void aResponseSlowerThanTheTimeoutIsRetriedAndDeduplicatedByKey() throws Exception {
    FaultyServer server = server(i -> i == 0 ? new Slow(Duration.ofSeconds(3)) : FaultyServer.OK);
    long last = append(store, TEMP, 30);
    CloudSync sync = sync(server.uri(), 100, Duration.ofSeconds(1));

    assertThat(sync.awaitForwarded(last, Duration.ofSeconds(10))).isTrue();

    // the server kept the first copy but the answer came too late: it got the batch twice
    assertThat(server.received()).hasSize(2);
    assertThat(server.received().get(1).idempotencyKey())
        .isEqualTo(server.received().get(0).idempotencyKey());
    assertThat(sync.status().counters().get("timeouts")).isEqualTo(1L);
    assertThat(sync.status().lastError()).contains("timed out");
    assertExactlyOnceAfterDedup(server, last);
  }

  @Test
  void aBatchWhoseAnswerWasLostIsRebuiltWithTheSameBoundsAfterARestart() throws Exception {
    // the first request is stored by the server, but its answer comes after the client gave up
    FaultyServer server = server(i -> i == 0 ? new Slow(Duration.ofSeconds(2)) : FaultyServer.OK);
    long small = append(store, TEMP, 37);
    CloudSync first =
        CloudSync.builder(store, server.uri())
            .nodeId("gw-1")
            .maxBatchEntries(500)
            .requestTimeout(Duration.ofMillis(300))
            .backoff(Duration.ofSeconds(30), Duration.ofSeconds(60)) // no retry before the close
            .build()
            .start();
    assertThat(
            eventually(Duration.ofSeconds(10), () -> first.status().counters().get("timeouts") > 0))
        .isTrue();
    first.close(); // the device restarts with the batch unacknowledged
    assertThat(store.cursor("cloud-sync").position()).isZero();

    // meanwhile more history became durable: a naive rebuild would send 0..499 under "gw-1-0",
    // which a de-duplicating receiver acknowledges without reading, losing 37..499
    long last = append(store, TEMP, 500);
    CloudSync second = sync(server.uri(), 500);
    assertThat(second.awaitForwarded(last, Duration.ofSeconds(10))).isTrue();
    assertThat(small).isEqualTo(36);
    assertThat(server.received().get(0).idempotencyKey()).isEqualTo("gw-1-0");
    assertThat(Fixture.sequences(server.received().get(1).body())).hasSize(37); // the same 0..36
    assertExactlyOnceAfterDedup(server, last);
  }

  @Test
  void aServerGoneForAWhileGetsEverythingAfterItComesBack() throws Exception {
    FaultyServer server = server(i -> FaultyServer.OK);
    long first = append(store, TEMP, 100);
    CloudSync sync = sync(server.uri(), 50);
    assertThat(sync.awaitForwarded(first, Duration.ofSeconds(10))).isTrue();

    server.goAway();
    long retriesBefore = sync.status().retries();
    long last = append(store, TEMP, 200);
    assertThat(
            eventually(Duration.ofSeconds(10), () -> sync.status().retries() >= retriesBefore + 3))
        .isTrue();
    ConnectorStatus down = sync.status();
    assertThat(down.connected()).isFalse();
    assertThat(down.lastError()).contains("cannot connect to 127.0.0.1");
    assertThat(down.backlog()).isEqualTo(200);
    assertThat(sync.forwardedPosition()).isEqualTo(first + 1);

    server.comeBack();
    assertThat(sync.awaitForwarded(last, Duration.ofSeconds(10))).isTrue();
    assertThat(sync.status().connected()).isTrue();
    assertThat(sync.status().backlog()).isZero();
    assertExactlyOnceAfterDedup(server, last);
  }

  @Test
  void aSilentServerTimesOutAndIsRetriedNeverHangs() throws Exception {
    FaultyServer server = server(i -> new Silent());
    append(store, TEMP, 10);
    CloudSync sync = sync(server.uri(), 100, Duration.ofMillis(300));

    assertThat(eventually(Duration.ofSeconds(10), () -> server.requests().size() >= 3)).isTrue();
    ConnectorStatus st = sync.status();
    assertThat(st.connected()).isFalse();
    assertThat(st.retries()).isGreaterThanOrEqualTo(2);
    assertThat(st.counters().get("timeouts")).isGreaterThanOrEqualTo(2L);
    assertThat(st.lastError()).contains("request timed out after 300 ms");
    assertThat(sync.forwardedPosition()).isZero();
    assertThat(server.requests())
        .allSatisfy(r -> assertThat(r.idempotencyKey()).isEqualTo("gw-1-0"));
  }

  @Test
  void closeCancelsAnInFlightRequestPromptlyAndKeepsTheCursor() throws Exception {
    FaultyServer server = server(i -> new Silent());
    append(store, TEMP, 10);
    CloudSync sync =
        CloudSync.builder(store, server.uri())
            .nodeId("gw-1")
            .name("slow")
            .requestTimeout(Duration.ofSeconds(30))
            .build()
            .start();
    toClose.add(sync);
    assertThat(eventually(Duration.ofSeconds(10), () -> server.requests().size() == 1)).isTrue();

    long t0 = System.nanoTime();
    sync.close();
    Duration took = Duration.ofNanos(System.nanoTime() - t0);

    assertThat(took).isLessThan(Duration.ofSeconds(2));
    assertThat(sync.forwardedPosition()).isZero();
    assertThat(store.cursor("slow").position()).isZero();
    assertThat(Thread.getAllStackTraces().keySet())
        .noneMatch(t -> t.getName().equals("runnel-http-slow") && t.isAlive());
  }

  @Test
  void anUnresolvableHostGivesBoundedRetriesAndAClearStatus() throws Exception {
    long last = append(store, TEMP, 10);
    CloudSync sync =
        CloudSync.builder(store, URI.create("http://runnel-nonexistent.invalid/ingest"))
            .nodeId("gw-1")
            .connectTimeout(Duration.ofMillis(500))
            .requestTimeout(Duration.ofMillis(500))
            .backoff(Duration.ofMillis(20), Duration.ofMillis(200))
            .build()
            .start();
    toClose.add(sync);

    assertThat(eventually(Duration.ofSeconds(10), () -> sync.status().retries() >= 3)).isTrue();
    Thread.sleep(1000);
    ConnectorStatus st = sync.status();
    assertThat(st.connected()).isFalse();
    assertThat(st.lastError()).contains("cannot resolve host 'runnel-nonexistent.invalid'");
    assertThat(st.backlog()).isEqualTo(last + 1);
    // backoff bounds the rate: mean delay ~100 ms once capped, so far fewer than 100 tries in ~2 s
    assertThat(st.retries()).isLessThan(100);

    long t0 = System.nanoTime();
    sync.close();
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(1500));
    assertThat(sync.forwardedPosition()).isZero();
  }

  @Test
  void rejectedBatchesAreNeverDroppedAndRetriedUntilAccepted() throws Exception {
    FaultyServer server = server(i -> i < 2 ? new Status(400, null) : FaultyServer.OK);
    long last = append(store, TEMP, 10);
    CloudSync sync = sync(server.uri(), 100);

    assertThat(sync.awaitForwarded(last, Duration.ofSeconds(10))).isTrue();

    assertThat(sync.status().counters()).containsEntry("rejected", 2L);
    assertThat(sync.status().lastError()).contains("HTTP 400 (rejected");
    assertExactlyOnceAfterDedup(server, last);
  }

  @Test
  void payloadTooLargeHalvesTheBatch() throws Exception {
    AtomicLong biggestAccepted = new AtomicLong();
    FaultyServer server =
        new FaultyServer(
            (i, body) -> {
              int n = Fixture.sequences(body).size();
              if (n > 25) {
                return new Status(413, null);
              }
              biggestAccepted.accumulateAndGet(n, Math::max);
              return FaultyServer.OK;
            });
    toClose.add(server);
    long last = append(store, TEMP, 100);
    CloudSync sync = sync(server.uri(), 100);

    assertThat(sync.awaitForwarded(last, Duration.ofSeconds(10))).isTrue();

    assertThat(biggestAccepted.get()).isEqualTo(25);
    assertThat(server.requests()).hasSize(2 + 4); // 100 -> 413, 50 -> 413, then 4 x 25
    assertThat(sync.status().counters()).containsEntry("batchLimit", 25L);
    assertExactlyOnceAfterDedup(server, last);
  }

  @Test
  void aScriptedMixOfFaultsEndsWithEveryEntryExactlyOnceAfterDedup() throws Exception {
    Random random = new Random(20261122);
    int faultyRequests = 120;
    Fault[] plan = new Fault[faultyRequests];
    for (int i = 0; i < faultyRequests; i++) {
      int roll = random.nextInt(100);
      plan[i] =
          roll < 45
              ? FaultyServer.OK
              : roll < 60
                  ? new Status(500 + random.nextInt(4), null)
                  : roll < 70
                      ? new Status(429, "0")
                      : roll < 80
                          ? new Reset()
                          : roll < 88 ? new Close() : new Slow(Duration.ofMillis(900));
    }
    plan[10] = new Status(503, "1"); // one real Retry-After wait
    FaultyServer server = server(i -> i < faultyRequests ? plan[i] : FaultyServer.OK);
    CloudSync sync = sync(server.uri(), 64, Duration.ofMillis(600));

    int total = 3000;
    AtomicLong lastSeq = new AtomicLong(-1);
    Thread producer =
        Thread.ofVirtual()
            .start(
                () -> {
                  for (int i = 0; i < total; i++) {
                    lastSeq.set(
                        store.append(TEMP, new Fixture.Reading("mix", i, i), Fixture.CODEC));
                    if (i % 100 == 99) {
                      try {
                        Thread.sleep(20);
                      } catch (InterruptedException e) {
                        return;
                      }
                    }
                  }
                });
    // the server also goes away for a while in the middle
    assertThat(eventually(Duration.ofSeconds(20), () -> server.requests().size() >= 40)).isTrue();
    server.goAway();
    Thread.sleep(500);
    server.comeBack();
    assertThat(producer.join(Duration.ofSeconds(20))).isTrue();
    long last = lastSeq.get();
    assertThat(last).isEqualTo(total - 1);

    assertThat(sync.awaitForwarded(last, Duration.ofSeconds(60)))
        .as("forwarded; requests: %s", server.describe())
        .isTrue();

    assertExactlyOnceAfterDedup(server, last);
    List<String> kinds =
        server.requests().stream()
            .map(r -> r.answer().getClass().getSimpleName())
            .distinct()
            .toList();
    assertThat(kinds).contains("Status", "Reset", "Close", "Slow", "Ok");
    assertThat(sync.status().retries()).isGreaterThan(20);
    assertThat(sync.status().backlog()).isZero();
    long distinctKeys =
        server.received().stream().map(FaultyServer.Request::idempotencyKey).distinct().count();
    assertThat(server.received().size())
        .as("slow answers made the server keep some batches twice")
        .isGreaterThan((int) distinctKeys);
  }
}
