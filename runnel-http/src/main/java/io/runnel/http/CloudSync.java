package io.runnel.http;

import static java.lang.System.Logger.Level.DEBUG;
import static java.lang.System.Logger.Level.INFO;
import static java.lang.System.Logger.Level.WARNING;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.runnel.Connector;
import io.runnel.RecordKey;
import io.runnel.Runnel;
import io.runnel.codec.Codec;
import io.runnel.inspect.ConnectorStatus;
import io.runnel.internal.Durations;
import io.runnel.internal.LogLimiter;
import io.runnel.store.HistoryStore;
import io.runnel.store.Query;
import io.runnel.store.StoreCursor;
import io.runnel.store.StoreException;
import io.runnel.store.StoredEntry;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;

/**
 * Store and forward to a cloud endpoint over HTTP: reads the persisted history of a {@link
 * HistoryStore} through a durable {@link StoreCursor} and POSTs it in batches, at least once.
 *
 * <pre>{@code
 * CloudSync sync = CloudSync.builder(store, URI.create("https://ingest.example.com/v1/batches"))
 *     .nodeId("gw-1")
 *     .codec(Codec.forRecord(Reading.class))        // render these payloads as JSON values
 *     .header("Authorization", () -> "Bearer " + tokens.current())
 *     .build();
 * Runnel runnel = Runnel.builder().connector(sync)...build().start();   // or sync.start()
 * }</pre>
 *
 * <h2>Contract</h2>
 *
 * <ul>
 *   <li><b>What is sent.</b> Every <em>durable</em> entry ({@link HistoryStore#durableSequence()})
 *       at or after the cursor, in sequence order, optionally only those of some {@link
 *       Builder#keys keys}. Entries that are written but not yet forced are not sent: after a power
 *       loss they might not exist any more, and the cloud must never hold data the device lost
 *       (their sequences would be reused for other values).
 *   <li><b>Batches.</b> At most {@link Builder#maxBatchEntries} entries and {@link
 *       Builder#maxBatchBytes} body bytes; a single entry larger than the byte limit is sent alone
 *       (never dropped). Each batch carries the header {@code Idempotency-Key: <node>-<first
 *       sequence>}. After a failure the very same bytes are sent again.
 *   <li><b>Acknowledgement.</b> Only a 2xx response moves the cursor, and the cursor is persisted
 *       (fsync) before the next batch is built. Delivery is at least once: a batch whose response
 *       was lost is sent again under the same key, so a receiver that de-duplicates by key sees
 *       every entry exactly once. Nothing acknowledged is lost across restarts: a new instance with
 *       the same store and cursor name resumes where the old one was acknowledged.
 *   <li><b>Failures</b> never drop data and never hang: connect and request timeouts bound every
 *       attempt (and an overall deadline bounds the client itself); a failure is retried after a
 *       capped exponential backoff with full jitter, or after the server's {@code Retry-After}
 *       (capped by {@link Builder#maxRetryAfter}). 408, 429 and 5xx are transient. 413 halves the
 *       batch size (down to one entry) and retries. Any other status (400, 401, 404, ...) is
 *       counted as {@code rejected} and retried with backoff too: the sync then waits, visibly,
 *       until the server or the credentials are fixed.
 *   <li><b>Lane.</b> One platform thread per instance ({@code runnel-http-<name>}) plus the HTTP
 *       client's own small pool; nothing runs on a pool shared with the store or the pipeline.
 *   <li><b>Close</b> cancels an in-flight request and stops the thread within {@link
 *       Builder#closeTimeout}; the cursor stays at the last acknowledged batch.
 * </ul>
 *
 * <p>{@link #status()} reports {@code connected} (the last request was acknowledged), the last
 * error with its time, the backlog (entries the cursor has not passed yet, by sequence), retries,
 * and counters: {@code sentEntries}, {@code sentBatches}, {@code sentBytes}, {@code requests},
 * {@code failedRequests}, {@code timeouts}, {@code rejected}, {@code oversizeEntries}, {@code
 * undecodedEntries} (sent as base64 because rendering failed), {@code cursor}, {@code batchLimit}.
 */
public final class CloudSync implements Connector, AutoCloseable {

  /** The {@link ConnectorStatus#kind()} of this connector. */
  public static final String KIND = "http-sync";

  private static final System.Logger LOG = System.getLogger(CloudSync.class.getName());

  /** Longest single wait for new durable entries; bounds how long close() waits for the lane. */
  private static final Duration DATA_POLL = Duration.ofMillis(200);

  /** Extra time the client gets beyond its own timeouts before we give up on it ourselves. */
  private static final Duration CLIENT_GRACE = Duration.ofSeconds(1);

  /** How much of an error response body is kept for the status and the log. */
  private static final int ERROR_BODY_CHARS = 200;

  // ------------------------------------------------------------------ configuration (immutable)
  private final String name;
  private final HistoryStore store;
  private final URI endpoint;
  private final String nodeId;
  private final String cursorName;
  private final Set<String> keys;
  private final int maxBatchEntries;
  private final long maxBatchBytes;
  private final Duration connectTimeout;
  private final Duration requestTimeout;
  private final Backoff backoff;
  private final Duration maxRetryAfter;
  private final Duration closeTimeout;
  private final Map<String, Supplier<String>> headers;
  private final SSLContext sslContext;
  private final BatchWriter writer;

  // ------------------------------------------------------------------ lifecycle
  private final Object lifecycle = new Object();
  private boolean started; // guarded by lifecycle
  private Thread lane; // set once in start()
  private HttpClient client; // set once in start()
  private ExecutorService clientExecutor; // set once in start()
  private volatile StoreCursor cursor;

  /**
   * The end (exclusive) of the furthest batch ever sent, persisted before it is sent. After a
   * restart the batch at the cursor is rebuilt with exactly these bounds, so that a batch whose
   * answer was lost is re-sent identically under its key (never a longer batch under the same key,
   * which a de-duplicating receiver would acknowledge without reading).
   */
  private StoreCursor sentEnd;

  /** Set after a 413: the stored bounds were refused, so batches may be rebuilt smaller. */
  private boolean ignoreSentEnd;

  private volatile boolean closing;
  private volatile CompletableFuture<?> inFlight;

  /** Guards {@link #wakeRequested}; {@link #changed} signals a cursor move or a wake-up. */
  private final ReentrantLock lock = new ReentrantLock();

  private final Condition changed = lock.newCondition();
  private boolean wakeRequested;

  // ------------------------------------------------------------------ status
  private volatile boolean connected;
  private volatile String lastError;
  private volatile int batchLimit;
  private final AtomicLong retries = new AtomicLong();
  private final AtomicLong sentEntries = new AtomicLong();
  private final AtomicLong sentBatches = new AtomicLong();
  private final AtomicLong sentBytes = new AtomicLong();
  private final AtomicLong requests = new AtomicLong();
  private final AtomicLong failedRequests = new AtomicLong();
  private final AtomicLong timeouts = new AtomicLong();
  private final AtomicLong rejected = new AtomicLong();
  private final AtomicLong oversizeEntries = new AtomicLong();
  private final AtomicLong undecodedEntries = new AtomicLong();
  private final LogLimiter failureLog = new LogLimiter(3, TimeUnit.MINUTES.toNanos(1));
  private final LogLimiter renderLog = new LogLimiter(3, TimeUnit.MINUTES.toNanos(1));

  private CloudSync(Builder b) {
    this.name = b.name;
    this.store = b.store;
    this.endpoint = b.endpoint;
    this.nodeId = b.nodeId;
    this.cursorName = b.cursorName != null ? b.cursorName : b.name;
    this.keys = Set.copyOf(b.keys);
    this.maxBatchEntries = b.maxBatchEntries;
    this.maxBatchBytes = b.maxBatchBytes;
    this.connectTimeout = b.connectTimeout;
    this.requestTimeout = b.requestTimeout;
    this.backoff = new Backoff(b.minBackoff, b.maxBackoff);
    this.maxRetryAfter = b.maxRetryAfter;
    this.closeTimeout = b.closeTimeout;
    this.headers = Map.copyOf(b.headers);
    this.sslContext = b.sslContext;
    this.writer = new BatchWriter(b.mapper, b.codecs, b.nodeId);
    this.batchLimit = b.maxBatchEntries;
  }

  /**
   * Starts configuring a sync of {@code store} to {@code endpoint} (http or https). {@link
   * Builder#nodeId} is required.
   */
  public static Builder builder(HistoryStore store, URI endpoint) {
    return new Builder(store, endpoint);
  }

  @Override
  public String name() {
    return name;
  }

  /** Starts with the pipeline; see {@link #start()}. */
  @Override
  public void start(Runnel runnel) throws IOException {
    start();
  }

  /**
   * Opens the cursor and starts the sync lane; returns at once (connecting happens on the lane).
   * For use without a pipeline; with one, register it with {@code Runnel.builder().connector(..)}.
   *
   * @throws IOException if the cursor cannot be read
   * @throws IllegalStateException if already started or closed
   */
  public CloudSync start() throws IOException {
    synchronized (lifecycle) {
      if (started || closing) {
        throw new IllegalStateException(
            "cloud sync '" + name + "' was already " + (closing ? "closed" : "started"));
      }
      cursor = store.cursor(cursorName);
      sentEnd = store.cursor(cursorName + ".sent");
      clientExecutor =
          Executors.newCachedThreadPool(
              Thread.ofPlatform().name("runnel-http-" + name + "-client-", 0).daemon().factory());
      HttpClient.Builder hb =
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_1_1)
              .followRedirects(HttpClient.Redirect.NEVER)
              .connectTimeout(connectTimeout)
              .executor(clientExecutor);
      if (sslContext != null) {
        hb.sslContext(sslContext);
      }
      client = hb.build();
      lane = Thread.ofPlatform().name("runnel-http-" + name).daemon().unstarted(this::runLane);
      started = true;
      lane.start();
    }
    return this;
  }

  /** Skips a backoff wait in progress: the next attempt starts now. */
  public void syncNow() {
    lock.lock();
    try {
      wakeRequested = true;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /**
   * The cursor position: every entry before it has been acknowledged by the endpoint (or skipped by
   * the key filter). 0 before {@link #start()} for a new cursor.
   */
  public long forwardedPosition() {
    StoreCursor c = cursor;
    return c == null ? 0 : c.position();
  }

  /**
   * Waits until every entry up to and including {@code sequence} has been acknowledged (or skipped
   * by the key filter).
   *
   * @return true if so, false if the timeout elapsed first
   * @throws InterruptedException if interrupted while waiting
   */
  public boolean awaitForwarded(long sequence, Duration timeout) throws InterruptedException {
    long nanos = Durations.saturatedNanos(timeout);
    lock.lock();
    try {
      while (forwardedPosition() <= sequence) {
        if (nanos <= 0) {
          return false;
        }
        nanos = changed.awaitNanos(nanos);
      }
      return true;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public ConnectorStatus status() {
    long position = forwardedPosition();
    long backlog = Math.max(0, store.writtenSequence() + 1 - position);
    Map<String, Long> c = new LinkedHashMap<>();
    c.put("sentEntries", sentEntries.get());
    c.put("sentBatches", sentBatches.get());
    c.put("sentBytes", sentBytes.get());
    c.put("requests", requests.get());
    c.put("failedRequests", failedRequests.get());
    c.put("timeouts", timeouts.get());
    c.put("rejected", rejected.get());
    c.put("oversizeEntries", oversizeEntries.get());
    c.put("undecodedEntries", undecodedEntries.get());
    c.put("cursor", position);
    c.put("batchLimit", (long) batchLimit);
    return new ConnectorStatus(name, KIND, connected, lastError, backlog, retries.get(), 0, c);
  }

  /**
   * Cancels an in-flight request, stops the lane (waiting at most {@link Builder#closeTimeout}) and
   * the HTTP client. The cursor stays at the last acknowledged batch. Idempotent.
   */
  @Override
  public void close() {
    Thread t;
    synchronized (lifecycle) {
      if (closing) {
        return;
      }
      closing = true;
      t = lane;
    }
    syncNow();
    CompletableFuture<?> f = inFlight;
    if (f != null) {
      f.cancel(true);
    }
    boolean interrupted = false;
    if (t != null) {
      try {
        if (!t.join(closeTimeout)) {
          // last resort: the lane is stuck somewhere we did not expect
          t.interrupt();
          if (!t.join(Duration.ofSeconds(1))) {
            LOG.log(
                WARNING, "cloud sync ''{0}'': lane did not stop within {1}", name, closeTimeout);
          }
        }
      } catch (InterruptedException e) {
        interrupted = true;
      }
      client.shutdownNow();
      clientExecutor.shutdownNow();
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "CloudSync[" + name + " -> " + endpoint + ", cursor " + cursorName + "]";
  }

  // ================================================================== the lane

  /** A batch ready to send; re-sent byte for byte until acknowledged. */
  private record Batch(long first, long last, long next, int count, byte[] body, int limit) {
    /**
     * {@code <node>-<first sequence>}; a batch built smaller after a 413 also names its entry
     * limit, so it never shares a key with the larger batch that was refused.
     */
    String idempotencyKey(String node, int maxEntries) {
      return limit < maxEntries ? node + "-" + first + "-l" + limit : node + "-" + first;
    }
  }

  private String key(Batch b) {
    return b.idempotencyKey(nodeId, maxBatchEntries);
  }

  private void runLane() {
    try {
      lane();
    } catch (Throwable t) { // an Error, or a bug: say so in the status rather than vanish
      connected = false;
      lastError = Instant.now() + " cloud sync '" + name + "': the sync thread died: " + t;
      LOG.log(System.Logger.Level.ERROR, "cloud sync '" + name + "': the sync thread died", t);
      if (t instanceof Error err) {
        throw err;
      }
    }
  }

  private void lane() {
    Batch pending = null;
    int attempt = 0; // failed attempts of the pending batch (or of reading the store)
    while (!closing) {
      Duration wait;
      try {
        if (pending == null) {
          long from = cursor.position();
          if (!store.awaitDurable(from, DATA_POLL)) {
            continue;
          }
          pending = nextBatch(from);
          if (pending.count() == 0) {
            advance(pending); // only filtered-out entries: pass them
            pending = null;
            continue;
          }
          if (pending.next() > sentEnd.position()) {
            sentEnd.advanceTo(pending.next()); // before the first send: see sentEnd
          }
        }
        Attempt a = send(pending);
        if (a == null) {
          break; // closing
        }
        if (a.acknowledged()) {
          // counters first: whoever sees the cursor move (awaitForwarded) sees them too
          sentEntries.addAndGet(pending.count());
          sentBatches.incrementAndGet();
          sentBytes.addAndGet(pending.body().length);
          connected = true;
          advance(pending);
          if (attempt > 0) {
            LOG.log(
                INFO,
                "cloud sync ''{0}'': {1} accepted batch {2} after {3} failed attempt(s)",
                name,
                endpoint,
                key(pending),
                attempt);
            failureLog.reset();
          }
          pending = null;
          attempt = 0;
          continue;
        }
        connected = false;
        attempt++;
        if (a.tooLarge() && pending.count() > 1) {
          // (a 413 for a single entry cannot shrink: it is retried, visibly, like other 4xx)
          batchLimit = Math.max(1, pending.count() / 2);
          ignoreSentEnd = true; // refused, so not stored under its key: rebuild smaller
          LOG.log(
              WARNING,
              "cloud sync ''{0}'': {1} answered 413 to {2} entries ({3} bytes); batches now hold at"
                  + " most {4} entries",
              name,
              endpoint,
              pending.count(),
              pending.body().length,
              batchLimit);
          pending = null; // rebuilt smaller from the same cursor
        }
        wait = backoff.delay(attempt, random());
        if (a.retryAfter() != null && a.retryAfter().compareTo(wait) > 0) {
          wait = a.retryAfter(); // never sooner than asked, never a tight loop on "Retry-After: 0"
        }
        fail(a.error(), attempt, wait);
      } catch (IOException | RuntimeException e) {
        // the store (query, cursor) or rendering failed: keep the batch if we have one, retry
        attempt++;
        wait = backoff.delay(attempt, random());
        fail("cloud sync '" + name + "' cannot read or advance the history: " + e, attempt, wait);
        if (!(e instanceof IOException) && !(e instanceof StoreException)) {
          LOG.log(DEBUG, "cloud sync lane failure", e);
        }
      } catch (InterruptedException e) {
        if (closing) {
          break;
        }
        continue; // stray interrupt: keep going
      }
      if (attempt > 0) {
        retries.incrementAndGet();
      }
      pause(wait);
    }
  }

  private static long saturatedAdd(long a, long b) {
    long r = a + b;
    return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
  }

  private static ThreadLocalRandom random() {
    return ThreadLocalRandom.current();
  }

  /**
   * Reads from {@code from} up to the durable end and builds the next batch. Reading the durable
   * sequence before the query makes "the query returned less than asked" mean "everything up to the
   * durable sequence was seen".
   */
  private Batch nextBatch(long from) throws IOException {
    long durable = store.durableSequence();
    int limit = batchLimit;
    long until = Long.MAX_VALUE; // rebuild a batch sent before a restart with its exact bounds
    long end = sentEnd.position();
    if (from >= end) {
      ignoreSentEnd = false;
    } else if (!ignoreSentEnd && end - 1 <= durable) {
      until = end;
      limit = (int) Math.min(Query.MAX_LIMIT, end - from);
    }
    Query q = Query.all().fromSequence(from).limit(limit);
    if (keys.size() == 1) {
      q = q.key(RecordKey.of(keys.iterator().next()));
    }
    List<StoredEntry> found = store.query(q);
    List<byte[]> rendered = new ArrayList<>();
    long first = -1;
    long last = -1;
    long next = from;
    long bytes = writer.headerReserve();
    int entryBytes = 0;
    boolean cut = false;
    boolean reachedEnd = found.size() < limit;
    for (StoredEntry e : found) {
      if (e.sequence() > durable || e.sequence() >= until) {
        reachedEnd = true;
        break;
      }
      if (!keys.isEmpty() && !keys.contains(e.key())) {
        next = e.sequence() + 1;
        continue;
      }
      BatchWriter.Rendered r = writer.entry(e);
      byte[] json = r.json();
      if (!rendered.isEmpty()
          && until == Long.MAX_VALUE
          && bytes + 1 + json.length > maxBatchBytes) {
        cut = true;
        break;
      }
      if (r.problem() != null) {
        undecodedEntries.incrementAndGet();
        long s = renderLog.tryAcquire();
        if (s >= 0) {
          LOG.log(
              WARNING, "cloud sync ''{0}'': {1} ({2} similar suppressed)", name, r.problem(), s);
        }
      }
      if (json.length + writer.headerReserve() > maxBatchBytes) {
        oversizeEntries.incrementAndGet();
      }
      if (first < 0) {
        first = e.sequence();
      }
      last = e.sequence();
      next = e.sequence() + 1;
      rendered.add(json);
      entryBytes += json.length;
      bytes += json.length + 1;
    }
    if (until != Long.MAX_VALUE) {
      next = until;
    } else if (reachedEnd && !cut) {
      next = Math.max(next, durable + 1);
    }
    if (rendered.isEmpty()) {
      return new Batch(-1, -1, next, 0, null, limit);
    }
    return new Batch(
        first,
        last,
        next,
        rendered.size(),
        writer.body(first, last, rendered, entryBytes),
        until != Long.MAX_VALUE ? maxBatchEntries : limit);
  }

  private void advance(Batch batch) throws IOException {
    cursor.advanceTo(batch.next());
    lock.lock();
    try {
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** The result of one POST. */
  private record Attempt(
      boolean acknowledged, boolean tooLarge, Duration retryAfter, String error) {
    static final Attempt OK = new Attempt(true, false, null, null);
  }

  /** Sends one batch; null if the sync is closing. Never waits longer than the timeouts. */
  private Attempt send(Batch batch) throws InterruptedException {
    String key = key(batch);
    String what =
        "cloud sync '"
            + name
            + "': POST "
            + endpoint
            + " (batch "
            + key
            + ", "
            + batch.count()
            + " entries)";
    HttpRequest request;
    try {
      HttpRequest.Builder rb =
          HttpRequest.newBuilder(endpoint)
              .timeout(requestTimeout)
              .header("Content-Type", "application/json")
              .header("Idempotency-Key", key)
              .POST(HttpRequest.BodyPublishers.ofByteArray(batch.body()));
      for (Map.Entry<String, Supplier<String>> h : headers.entrySet()) {
        rb.header(h.getKey(), Objects.requireNonNull(h.getValue().get(), h.getKey()));
      }
      request = rb.build();
    } catch (RuntimeException e) {
      failedRequests.incrementAndGet();
      return new Attempt(false, false, null, what + ": cannot build the request: " + e);
    }
    requests.incrementAndGet();
    CompletableFuture<HttpResponse<String>> f =
        client.sendAsync(request, info -> SnippetBody.of(ERROR_BODY_CHARS, info));
    inFlight = f;
    try {
      if (closing) {
        f.cancel(true);
        return null;
      }
      long deadline =
          saturatedAdd(
              saturatedAdd(
                  Durations.saturatedNanos(connectTimeout),
                  Durations.saturatedNanos(requestTimeout)),
              Durations.saturatedNanos(CLIENT_GRACE));
      HttpResponse<String> response = f.get(deadline, TimeUnit.NANOSECONDS);
      int status = response.statusCode();
      if (status >= 200 && status < 300) {
        return Attempt.OK;
      }
      failedRequests.incrementAndGet();
      Duration retryAfter =
          response
              .headers()
              .firstValue("Retry-After")
              .flatMap(v -> Backoff.parseRetryAfter(v, Instant.now()))
              .map(d -> d.compareTo(maxRetryAfter) > 0 ? maxRetryAfter : d)
              .orElse(null);
      boolean transientStatus = status == 408 || status == 429 || status >= 500;
      if (!transientStatus && (status != 413 || batch.count() == 1)) {
        rejected.incrementAndGet();
      }
      String body = response.body();
      String error =
          what
              + ": HTTP "
              + status
              + (transientStatus ? "" : " (rejected; retried until accepted)")
              + (retryAfter != null ? ", Retry-After " + retryAfter.toMillis() + " ms" : "")
              + (body == null || body.isBlank() ? "" : ", body: " + body.strip());
      return new Attempt(false, status == 413, retryAfter, error);
    } catch (CancellationException e) {
      if (closing) {
        return null;
      }
      failedRequests.incrementAndGet();
      return new Attempt(false, false, null, what + ": cancelled");
    } catch (TimeoutException e) {
      f.cancel(true);
      failedRequests.incrementAndGet();
      timeouts.incrementAndGet();
      return new Attempt(
          false, false, null, what + ": no answer within the deadline of the HTTP client");
    } catch (ExecutionException e) {
      if (closing) {
        return null;
      }
      failedRequests.incrementAndGet();
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      if (cause instanceof HttpTimeoutException) {
        timeouts.incrementAndGet();
      }
      return new Attempt(false, false, null, what + ": " + describe(cause));
    } finally {
      inFlight = null;
    }
  }

  /** A one-line account of a transport failure, naming the host where that is the problem. */
  private String describe(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof UnresolvedAddressException || c instanceof UnknownHostException) {
        return "cannot resolve host '" + endpoint.getHost() + "' (" + chain(t) + ")";
      }
    }
    if (t instanceof HttpConnectTimeoutException) {
      return "connect timed out after " + connectTimeout.toMillis() + " ms (" + chain(t) + ")";
    }
    if (t instanceof HttpTimeoutException) {
      return "request timed out after " + requestTimeout.toMillis() + " ms (" + chain(t) + ")";
    }
    if (t instanceof ConnectException) {
      return "cannot connect to " + endpoint.getHost() + ":" + port() + " (" + chain(t) + ")";
    }
    return chain(t);
  }

  private int port() {
    if (endpoint.getPort() >= 0) {
      return endpoint.getPort();
    }
    return "https".equalsIgnoreCase(endpoint.getScheme()) ? 443 : 80;
  }

  private static String chain(Throwable t) {
    StringBuilder sb = new StringBuilder();
    Set<Throwable> seen = new LinkedHashSet<>();
    for (Throwable c = t; c != null && seen.add(c); c = c.getCause()) {
      if (!sb.isEmpty()) {
        sb.append(" <- ");
      }
      sb.append(c.getClass().getSimpleName());
      if (c.getMessage() != null) {
        sb.append(": ").append(c.getMessage());
      }
    }
    return sb.toString();
  }

  private void fail(String error, int attempt, Duration wait) {
    lastError = Instant.now() + " " + error;
    long suppressed = failureLog.tryAcquire();
    if (suppressed >= 0) {
      LOG.log(
          WARNING,
          "{0}; attempt {1}, next in {2} ms{3}",
          error,
          attempt,
          wait.toMillis(),
          suppressed > 0 ? " (" + suppressed + " similar messages suppressed)" : "");
    }
  }

  /** Waits for {@code d}, or less if {@link #syncNow()} or {@link #close()} is called. */
  private void pause(Duration d) {
    long nanos = Durations.saturatedNanos(d);
    lock.lock();
    try {
      while (nanos > 0 && !wakeRequested && !closing) {
        nanos = changed.awaitNanos(nanos);
      }
      wakeRequested = false;
    } catch (InterruptedException e) {
      // close() interrupts only as a last resort; the loop checks closing
    } finally {
      lock.unlock();
    }
  }

  // ================================================================== builder

  /** Configures a {@link CloudSync}; every setting has a default except {@link #nodeId}. */
  public static final class Builder {
    private final HistoryStore store;
    private final URI endpoint;
    private String name = "cloud-sync";
    private String nodeId;
    private String cursorName;
    private final Set<String> keys = new LinkedHashSet<>();
    private final Map<Long, Codec<?>> codecs = new LinkedHashMap<>();
    private ObjectMapper mapper = BatchWriter.defaultMapper();
    private int maxBatchEntries = 500;
    private long maxBatchBytes = 1 << 20;
    private Duration connectTimeout = Duration.ofSeconds(10);
    private Duration requestTimeout = Duration.ofSeconds(30);
    private Duration minBackoff = Duration.ofMillis(200);
    private Duration maxBackoff = Duration.ofSeconds(60);
    private Duration maxRetryAfter = Duration.ofMinutes(10);
    private Duration closeTimeout = Duration.ofSeconds(5);
    private final Map<String, Supplier<String>> headers = new LinkedHashMap<>();
    private SSLContext sslContext;

    private Builder(HistoryStore store, URI endpoint) {
      this.store = Objects.requireNonNull(store, "store");
      this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
      String scheme = endpoint.getScheme();
      if (scheme == null
          || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
          || endpoint.getHost() == null) {
        throw new IllegalArgumentException(
            "cloud sync endpoint must be an absolute http or https URI with a host, got '"
                + endpoint
                + "'");
      }
    }

    /** The connector's name in the pipeline (default {@code cloud-sync}). */
    public Builder name(String name) {
      this.name = requireText(name, "name");
      return this;
    }

    /** This device's id: sent in every body and part of every idempotency key. Required. */
    public Builder nodeId(String nodeId) {
      this.nodeId = requireText(nodeId, "nodeId");
      return this;
    }

    /** The store cursor to read through (default: the connector's name); record-key syntax. */
    public Builder cursorName(String cursorName) {
      RecordKey.problem(cursorName)
          .ifPresent(
              p -> {
                throw new IllegalArgumentException("invalid cursor name: " + p);
              });
      this.cursorName = cursorName;
      return this;
    }

    /** Sends only entries of these keys (default: every key). The cursor passes the others. */
    public Builder keys(RecordKey... keys) {
      for (RecordKey k : keys) {
        this.keys.add(Objects.requireNonNull(k, "key").id());
      }
      return this;
    }

    /**
     * Renders entries written with this codec (matched by {@link Codec#id()}, whatever their key)
     * as JSON values; entries of other codecs are sent as base64 with their codec id.
     */
    public Builder codec(Codec<?> codec) {
      codecs.put(codec.id(), codec);
      return this;
    }

    /**
     * The mapper that renders decoded values (default: Jackson defaults, java.time as ISO text).
     */
    public Builder objectMapper(ObjectMapper mapper) {
      if (!"JSON".equals(mapper.getFactory().getFormatName())) {
        throw new IllegalArgumentException(
            "the body is JSON; the mapper writes " + mapper.getFactory().getFormatName());
      }
      this.mapper = mapper;
      return this;
    }

    /** At most this many entries per batch (default 500). */
    public Builder maxBatchEntries(int n) {
      if (n < 1 || n > Query.MAX_LIMIT) {
        throw new IllegalArgumentException("maxBatchEntries must be 1.." + Query.MAX_LIMIT);
      }
      this.maxBatchEntries = n;
      return this;
    }

    /**
     * At most this many body bytes per batch (default 1 MiB), unless one entry alone is larger:
     * such an entry is sent alone and counted as {@code oversizeEntries}.
     */
    public Builder maxBatchBytes(long bytes) {
      if (bytes < 1024) {
        throw new IllegalArgumentException("maxBatchBytes must be at least 1024, got " + bytes);
      }
      this.maxBatchBytes = bytes;
      return this;
    }

    /** Time to establish a connection (default 10 s). */
    public Builder connectTimeout(Duration d) {
      this.connectTimeout = positive(d, "connectTimeout");
      return this;
    }

    /** Time from sending a request to its response headers (default 30 s). */
    public Builder requestTimeout(Duration d) {
      this.requestTimeout = positive(d, "requestTimeout");
      return this;
    }

    /** Bounds of the capped exponential backoff with full jitter (default 200 ms to 60 s). */
    public Builder backoff(Duration min, Duration max) {
      new Backoff(positive(min, "min backoff"), positive(max, "max backoff")); // validates
      this.minBackoff = min;
      this.maxBackoff = max;
      return this;
    }

    /** The longest {@code Retry-After} honoured; longer ones are cut to it (default 10 min). */
    public Builder maxRetryAfter(Duration d) {
      this.maxRetryAfter = Objects.requireNonNull(d, "maxRetryAfter");
      return this;
    }

    /** The longest {@link CloudSync#close()} waits for the lane (default 5 s). */
    public Builder closeTimeout(Duration d) {
      this.closeTimeout = positive(d, "closeTimeout");
      return this;
    }

    /** A header sent with every request, e.g. {@code Authorization}. */
    public Builder header(String name, String value) {
      Objects.requireNonNull(value, "value");
      return header(name, () -> value);
    }

    /** A header whose value is asked for at every request (a token that expires). */
    public Builder header(String name, Supplier<String> value) {
      requireText(name, "header name");
      if (name.equalsIgnoreCase("Idempotency-Key") || name.equalsIgnoreCase("Content-Type")) {
        throw new IllegalArgumentException("header " + name + " is set by the cloud sync itself");
      }
      headers.put(name, Objects.requireNonNull(value, "value"));
      return this;
    }

    /** The TLS context for https (default: the JVM's default trust store). */
    public Builder sslContext(SSLContext context) {
      this.sslContext = Objects.requireNonNull(context, "context");
      return this;
    }

    /**
     * Builds the sync (not started).
     *
     * @throws IllegalStateException if {@link #nodeId} is missing or the cursor name is invalid
     */
    public CloudSync build() {
      if (nodeId == null) {
        throw new IllegalStateException(
            "cloud sync '" + name + "' needs a nodeId (it identifies this device in every batch)");
      }
      String c = cursorName != null ? cursorName : name;
      RecordKey.problem(c)
          .ifPresent(
              p -> {
                throw new IllegalStateException(
                    "cloud sync '" + name + "': invalid cursor name (set cursorName): " + p);
              });
      return new CloudSync(this);
    }

    private static String requireText(String s, String what) {
      if (s == null || s.isBlank()) {
        throw new IllegalArgumentException(what + " must not be empty");
      }
      return s;
    }

    private static Duration positive(Duration d, String what) {
      Objects.requireNonNull(d, what);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(what + " must be positive, got " + d);
      }
      return d;
    }
  }
}
