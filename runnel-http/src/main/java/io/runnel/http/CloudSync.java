package io.runnel.http;

import static java.lang.System.Logger.Level.WARNING;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.runnel.RecordKey;
import io.runnel.Runnel;
import io.runnel.codec.Codec;
import io.runnel.spi.Checks;
import io.runnel.spi.Connector;
import io.runnel.spi.ConnectorStatus;
import io.runnel.store.HistoryReader;
import io.runnel.store.HistoryStore;
import io.runnel.store.KeySelector;
import io.runnel.store.Query;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;

/**
 * Store and forward to a cloud endpoint over HTTP: reads the persisted history of a {@link
 * HistoryStore} through a {@link HistoryReader} (a durable cursor, plus {@code <cursor>.sent} for
 * the bounds of the batch in flight) and POSTs it in batches, at least once.
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
 *   <li><b>Credentials</b> (headers such as {@code Authorization}, see {@link
 *       Builder#credentialHeader}) never go in clear text off the machine unless allowed: {@link
 *       Builder#build()} refuses them over plain {@code http} to a host that is not a loopback
 *       address, unless {@link Builder#allowPlaintextCredentials()} is given; {@link #start()} logs
 *       a warning once when they go over plain http (to loopback, or allowed).
 *   <li><b>Close</b> cancels an in-flight request and stops the thread within {@link
 *       Builder#closeTimeout}; the cursor stays at the last acknowledged batch.
 * </ul>
 *
 * <p>{@link #status()} reports {@code connected} (the last request was acknowledged), the last
 * error with its time, the backlog (entries the cursor has not passed yet, by sequence), retries,
 * and counters: {@code sentEntries}, {@code sentBatches}, {@code sentBytes}, {@code requests},
 * {@code failedRequests}, {@code timeouts}, {@code rejected}, {@code oversizeEntries}, {@code
 * undecodedEntries} (sent as base64 because rendering failed), {@code cursor}, {@code batchLimit}.
 *
 * <p>This class is the public facade: configuration, lifecycle and the views other threads use. The
 * sync thread's work is done by package-private parts (see {@code package-info}): the loop (which
 * reads through the store's {@link HistoryReader}), the batcher and the HTTP sender.
 */
public final class CloudSync implements Connector, AutoCloseable {

  /** The {@link ConnectorStatus#kind()} of this connector. */
  public static final String KIND = "http-sync";

  /** The default {@link Builder#name name} of the connector (and of its cursor). */
  private static final String DEFAULT_NAME = "cloud-sync";

  private static final System.Logger LOG = System.getLogger(CloudSync.class.getName());

  private final SyncSettings settings;
  private final SyncStatus status;
  private final SyncSignal signal = new SyncSignal();

  // lifecycle: set once in start() under the lock, read by any thread
  private final Object lifecycle = new Object();
  private boolean started; // guarded by lifecycle
  private Thread lane;
  private HttpSender sender;
  private volatile SyncLoop loop;

  /**
   * What {@link Builder#codec} found wrong with its codecs; reported by build(), see problems().
   */
  private final List<String> problems;

  private CloudSync(SyncSettings settings, List<String> problems) {
    this.settings = settings;
    this.status = new SyncStatus(settings.maxBatchEntries());
    this.problems = problems;
  }

  /**
   * Starts configuring a sync of {@code store} to {@code endpoint} (http or https). {@link
   * Builder#nodeId} is required.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the endpoint is not an absolute http(s) URI with a host
   */
  public static Builder builder(HistoryStore store, URI endpoint) {
    return new Builder(store, endpoint);
  }

  /** The configuration this sync was built with (for tests). */
  SyncSettings settings() {
    return settings;
  }

  @Override
  public String name() {
    return settings.name();
  }

  /**
   * The version-chain problems of the codecs given to {@link Builder#codec}, listed by {@code
   * Runnel.builder()...build()} with the graph's other problems.
   */
  @Override
  public List<String> problems() {
    return problems;
  }

  /** Starts with the pipeline; see {@link #start()}. */
  @Override
  public void start(Runnel runnel) throws IOException {
    start();
  }

  /**
   * Opens the cursors (through a {@link HistoryReader}) and starts the sync lane; returns at once
   * (connecting happens on the lane). For use without a pipeline; with one, register it with {@code
   * Runnel.builder().connector(..)}.
   *
   * @throws IOException if the cursor cannot be read
   * @throws IllegalStateException if already started or closed
   */
  public CloudSync start() throws IOException {
    synchronized (lifecycle) {
      if (started || signal.closing()) {
        throw new IllegalStateException(
            "cloud sync '"
                + settings.name()
                + "' was already "
                + (signal.closing() ? "closed" : "started"));
      }
      if (!problems.isEmpty()) { // without a pipeline, nothing else reports them
        throw new IllegalStateException(
            "cloud sync '" + settings.name() + "' cannot start: " + String.join("; ", problems));
      }
      // no byte limit in the reader: the rendered JSON is the measure (see Batcher)
      HistoryReader reader =
          HistoryReader.builder(settings.store(), settings.cursorName())
              .keys(settings.keys())
              .maxPageEntries(settings.maxBatchEntries())
              .rememberSent()
              .build();
      warnIfPlaintextCredentials();
      sender = new HttpSender(settings, status, signal::closing);
      loop = new SyncLoop(settings, reader, new Batcher(settings, status), sender, status, signal);
      lane = Thread.ofPlatform().name("runnel-http-" + settings.name()).daemon().unstarted(loop);
      started = true;
      lane.start();
    }
    return this;
  }

  /** Once per instance (start runs once): build() let credentials through in clear text. */
  private void warnIfPlaintextCredentials() {
    List<String> exposed = settings.plaintextCredentials();
    if (!exposed.isEmpty()) {
      LOG.log(
          WARNING,
          PlaintextCredentials.warning(
              settings.name(),
              settings.endpoint(),
              exposed,
              PlaintextCredentials.isLoopback(settings.endpoint())));
    }
  }

  /** Skips a backoff wait in progress: the next attempt starts now. */
  public void syncNow() {
    signal.wake();
  }

  /**
   * The cursor position: every entry before it has been acknowledged by the endpoint (or skipped by
   * the key filter). 0 before {@link #start()} for a new cursor.
   */
  public long forwardedPosition() {
    SyncLoop l = loop;
    return l == null ? 0 : l.forwardedPosition();
  }

  /**
   * Waits until every entry up to and including {@code sequence} has been acknowledged (or skipped
   * by the key filter).
   *
   * @return true if so, false if the timeout elapsed first
   * @throws InterruptedException if interrupted while waiting
   */
  public boolean awaitForwarded(long sequence, Duration timeout) throws InterruptedException {
    return signal.awaitPosition(sequence, timeout, this::forwardedPosition);
  }

  @Override
  public ConnectorStatus status() {
    long position = forwardedPosition();
    long backlog = Math.max(0, settings.store().writtenSequence() + 1 - position);
    return status.snapshot(settings.name(), KIND, position, backlog);
  }

  /**
   * Cancels an in-flight request, stops the lane (waiting at most {@link Builder#closeTimeout}) and
   * the exchange's pool. The cursor stays at the last acknowledged batch. Idempotent.
   */
  @Override
  public void close() {
    Thread t;
    HttpSender s;
    synchronized (lifecycle) {
      if (signal.closing()) {
        return;
      }
      signal.markClosing();
      t = lane;
      s = sender;
    }
    signal.wake();
    if (s != null) {
      s.cancelInFlight();
    }
    boolean interrupted = false;
    if (t != null) {
      Duration closeTimeout = settings.closeTimeout();
      try {
        if (!t.join(closeTimeout)) {
          // last resort: the lane is stuck somewhere we did not expect
          t.interrupt();
          if (!t.join(Duration.ofSeconds(1))) {
            LOG.log(
                WARNING,
                "cloud sync ''{0}'': lane did not stop within {1}",
                settings.name(),
                closeTimeout);
          }
        }
      } catch (InterruptedException e) {
        interrupted = true;
      }
      s.shutdown();
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "CloudSync["
        + settings.name()
        + " -> "
        + settings.endpoint()
        + ", cursor "
        + settings.cursorName()
        + "]";
  }

  // ================================================================== builder

  /**
   * Configures a {@link CloudSync}; every setting has a default except {@link #nodeId}.
   *
   * <p>Immutable: every option method returns a new builder and leaves this one unchanged, so a
   * partly configured builder can be kept as a template and reused. Arguments are checked when
   * given (null: {@link NullPointerException} "{@code <what> must not be null}"; a duration not
   * above zero: {@link IllegalArgumentException} "{@code <what> must be positive, got <duration>}";
   * and so on); {@link #build()} checks what needs several settings together.
   */
  public static final class Builder {
    private final HistoryStore store;
    private final URI endpoint;
    private String name = DEFAULT_NAME;
    private String nodeId;
    private String cursorName;
    private KeySelector keys; // null: every key
    private Map<Long, Codec<?>> codecs = Map.of();
    private List<String> problems = List.of();
    private ObjectMapper mapper; // the default one is made once per builder() chain
    private int maxBatchEntries = 500;
    private long maxBatchBytes = 1 << 20;
    private Duration connectTimeout = Duration.ofSeconds(10);
    private Duration requestTimeout = Duration.ofSeconds(30);
    private Duration minBackoff = Duration.ofMillis(200);
    private Duration maxBackoff = Duration.ofSeconds(60);
    private Duration maxRetryAfter = Duration.ofMinutes(10);
    private Duration closeTimeout = Duration.ofSeconds(5);
    private Map<String, Supplier<String>> headers = Map.of();
    private Set<String> credentialHeaders = Set.of();
    private boolean allowPlaintextCredentials;
    private SSLContext sslContext;

    private Builder(HistoryStore store, URI endpoint) {
      this.store = Checks.notNull("store", store);
      this.endpoint = Checks.notNull("endpoint", endpoint);
      this.mapper = BatchWriter.defaultMapper();
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

    /** A copy of {@code b}; its collections are immutable, so they are shared. */
    private Builder(Builder b) {
      this.store = b.store;
      this.endpoint = b.endpoint;
      this.name = b.name;
      this.nodeId = b.nodeId;
      this.cursorName = b.cursorName;
      this.keys = b.keys;
      this.codecs = b.codecs;
      this.problems = b.problems;
      this.mapper = b.mapper;
      this.maxBatchEntries = b.maxBatchEntries;
      this.maxBatchBytes = b.maxBatchBytes;
      this.connectTimeout = b.connectTimeout;
      this.requestTimeout = b.requestTimeout;
      this.minBackoff = b.minBackoff;
      this.maxBackoff = b.maxBackoff;
      this.maxRetryAfter = b.maxRetryAfter;
      this.closeTimeout = b.closeTimeout;
      this.headers = b.headers;
      this.credentialHeaders = b.credentialHeaders;
      this.allowPlaintextCredentials = b.allowPlaintextCredentials;
      this.sslContext = b.sslContext;
    }

    /**
     * The connector's name in the pipeline (default {@code cloud-sync}); also the default cursor
     * name and part of the thread names.
     */
    public Builder name(String name) {
      Builder b = new Builder(this);
      b.name = Checks.notBlank("name", name);
      return b;
    }

    /** This device's id: sent in every body and part of every idempotency key. Required. */
    public Builder nodeId(String nodeId) {
      Builder b = new Builder(this);
      b.nodeId = Checks.notBlank("nodeId", nodeId);
      return b;
    }

    /** The store cursor to read through (default: the connector's name); record-key syntax. */
    public Builder cursorName(String cursorName) {
      Checks.notNull("cursorName", cursorName);
      Checks.keySyntax("invalid cursor name", cursorName);
      Builder b = new Builder(this);
      b.cursorName = cursorName;
      return b;
    }

    /**
     * Sends only entries of these keys (default: every key); adds to the keys given before. The
     * cursor passes the others. No keys: no change.
     */
    public Builder keys(RecordKey... keys) {
      Checks.notNull("keys", keys);
      for (RecordKey k : keys) {
        Checks.notNull("key", k);
      }
      return keys.length == 0 ? new Builder(this) : keys(KeySelector.of(keys));
    }

    /**
     * Sends only entries of the keys {@code selector} selects (default: every key); adds to the
     * keys given before. With a {@linkplain KeySelector#prefix prefix}, records added to the
     * pipeline while it runs are sent too, through the same cursor (decision 023).
     */
    public Builder keys(KeySelector selector) {
      Checks.notNull("selector", selector);
      Builder b = new Builder(this);
      b.keys = keys == null ? selector : keys.or(selector);
      return b;
    }

    /**
     * Renders entries written with this codec (matched by {@link Codec#id()}, whatever their key)
     * as JSON values; entries of other codecs are sent as base64 with their codec id. A versioned
     * codec ({@code Codec.versioned}) also renders entries of every other version of its chain,
     * migrated to its own version; the entry then says both versions (see {@code docs/FORMAT.md}).
     * An entry whose migration fails is sent as base64, with the error logged.
     */
    public Builder codec(Codec<?> codec) {
      Checks.notNull("codec", codec);
      if (!codec.problems().isEmpty()) { // a broken version chain: listed by the pipeline's build()
        Builder b = new Builder(this);
        List<String> all = new ArrayList<>(problems);
        String what =
            codec instanceof io.runnel.codec.VersionedCodec<?> vc
                ? "the versions of " + vc.chain().type().getName()
                : "codec " + codec.getClass().getName();
        codec.problems().forEach(p -> all.add(what + ": " + p));
        b.problems = List.copyOf(all);
        return b;
      }
      Map<Long, Codec<?>> all = new LinkedHashMap<>(codecs);
      all.put(codec.id(), codec);
      if (codec instanceof io.runnel.codec.VersionedCodec<?> vc) {
        for (io.runnel.codec.VersionedCodec.Version v : vc.versions()) {
          all.putIfAbsent(v.id(), codec); // every version of its chain, rendered migrated
        }
      }
      Builder b = new Builder(this);
      b.codecs = Collections.unmodifiableMap(all);
      return b;
    }

    /**
     * The mapper that renders decoded values (default: Jackson defaults, java.time as ISO text).
     */
    public Builder objectMapper(ObjectMapper mapper) {
      Checks.notNull("objectMapper", mapper);
      if (!"JSON".equals(mapper.getFactory().getFormatName())) {
        throw new IllegalArgumentException(
            "the body is JSON; the mapper writes " + mapper.getFactory().getFormatName());
      }
      Builder b = new Builder(this);
      b.mapper = mapper;
      return b;
    }

    /** At most this many entries per batch (default 500, at most {@link Query#MAX_LIMIT}). */
    public Builder maxBatchEntries(int n) {
      Checks.positive("maxBatchEntries", n);
      Checks.notAbove("maxBatchEntries", n, "Query.MAX_LIMIT", Query.MAX_LIMIT);
      Builder b = new Builder(this);
      b.maxBatchEntries = n;
      return b;
    }

    /**
     * At most this many body bytes per batch (default 1 MiB, at least 1024), unless one entry alone
     * is larger: such an entry is sent alone and counted as {@code oversizeEntries}.
     */
    public Builder maxBatchBytes(long bytes) {
      Checks.positive("maxBatchBytes", bytes);
      Checks.atLeast("maxBatchBytes", bytes, 1024);
      Builder b = new Builder(this);
      b.maxBatchBytes = bytes;
      return b;
    }

    /** Time to establish a connection (default 10 s). */
    public Builder connectTimeout(Duration d) {
      Builder b = new Builder(this);
      b.connectTimeout = Checks.positive("connectTimeout", d);
      return b;
    }

    /** Time from sending a request to its response headers (default 30 s). */
    public Builder requestTimeout(Duration d) {
      Builder b = new Builder(this);
      b.requestTimeout = Checks.positive("requestTimeout", d);
      return b;
    }

    /** Bounds of the capped exponential backoff with full jitter (default 200 ms to 60 s). */
    public Builder backoff(Duration min, Duration max) {
      Checks.positive("minBackoff", min);
      Checks.positive("maxBackoff", max);
      Checks.notAbove("minBackoff", min, "maxBackoff", max);
      Builder b = new Builder(this);
      b.minBackoff = min;
      b.maxBackoff = max;
      return b;
    }

    /**
     * The longest {@code Retry-After} honoured; longer ones are cut to it (default 10 min; zero:
     * never wait longer than the backoff).
     */
    public Builder maxRetryAfter(Duration d) {
      Builder b = new Builder(this);
      b.maxRetryAfter = Checks.notNegative("maxRetryAfter", d);
      return b;
    }

    /** The longest {@link CloudSync#close()} waits for the lane (default 5 s). */
    public Builder closeTimeout(Duration d) {
      Builder b = new Builder(this);
      b.closeTimeout = Checks.positive("closeTimeout", d);
      return b;
    }

    /**
     * A header sent with every request, e.g. {@code Authorization}. A header whose name looks like
     * a credential ({@code Authorization}, {@code Cookie}, {@code X-API-Key}, ...: see {@link
     * #credentialHeader(String, Supplier)}) is refused over plain http off loopback.
     */
    public Builder header(String name, String value) {
      Checks.notNull("header value", value);
      return header(name, () -> value);
    }

    /** A header whose value is asked for at every request (a token that expires). */
    public Builder header(String name, Supplier<String> value) {
      Checks.notBlank("header name", name);
      if (name.equalsIgnoreCase("Idempotency-Key") || name.equalsIgnoreCase("Content-Type")) {
        throw new IllegalArgumentException("header " + name + " is set by the cloud sync itself");
      }
      Checks.notNull("header value", value);
      Map<String, Supplier<String>> all = new LinkedHashMap<>(headers);
      all.put(name, value);
      Builder b = new Builder(this);
      b.headers = Collections.unmodifiableMap(all);
      return b;
    }

    /** Like {@link #credentialHeader(String, Supplier)} with a fixed value. */
    public Builder credentialHeader(String name, String value) {
      Checks.notNull("header value", value);
      return credentialHeader(name, () -> value);
    }

    /**
     * A header that carries a credential, sent with every request like {@link #header(String,
     * Supplier)}. Credentials are not sent in clear text off the machine: {@link #build()} refuses
     * a plain {@code http} endpoint that is not a loopback address unless {@link
     * #allowPlaintextCredentials()} is given. Headers named {@code Authorization}, {@code
     * Proxy-Authorization}, {@code Cookie}, or with a name containing {@code auth}, {@code token},
     * {@code secret}, {@code passw}, {@code apikey}, {@code credential}, {@code session} or ending
     * in {@code key} (ignoring case, {@code -} and {@code _}) count as credentials without being
     * marked; use this method for any other. A name once marked stays marked.
     */
    public Builder credentialHeader(String name, Supplier<String> value) {
      Builder b = header(name, value);
      Set<String> all = new LinkedHashSet<>(credentialHeaders);
      all.add(name);
      b.credentialHeaders = Collections.unmodifiableSet(all);
      return b;
    }

    /**
     * Allows credential headers over plain {@code http} to a host that is not a loopback address.
     * Use it only when the network path is protected some other way (a VPN, a TLS-terminating proxy
     * on the device); {@link CloudSync#start()} still logs a warning once. Over https, and without
     * credential headers, this changes nothing.
     */
    public Builder allowPlaintextCredentials() {
      Builder b = new Builder(this);
      b.allowPlaintextCredentials = true;
      return b;
    }

    /** The TLS context for https (default: the JVM's default trust store). */
    public Builder sslContext(SSLContext context) {
      Builder b = new Builder(this);
      b.sslContext = Checks.notNull("sslContext", context);
      return b;
    }

    /**
     * Builds the sync (not started). The builder can be used again.
     *
     * @throws IllegalStateException if {@link #nodeId} is missing, the cursor name is invalid, or
     *     credential headers would go over plain http to a host that is not a loopback address
     *     without {@link #allowPlaintextCredentials()}
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
      SyncSettings settings =
          new SyncSettings(
              name,
              store,
              endpoint,
              nodeId,
              c,
              keys == null ? KeySelector.all() : keys,
              codecs,
              mapper,
              maxBatchEntries,
              maxBatchBytes,
              connectTimeout,
              requestTimeout,
              minBackoff,
              maxBackoff,
              maxRetryAfter,
              closeTimeout,
              headers,
              credentialHeaders,
              allowPlaintextCredentials,
              sslContext);
      List<String> exposed = settings.plaintextCredentials();
      if (!exposed.isEmpty()
          && !allowPlaintextCredentials
          && !PlaintextCredentials.isLoopback(endpoint)) {
        throw new IllegalStateException(PlaintextCredentials.refusal(name, endpoint, exposed));
      }
      return new CloudSync(settings, problems);
    }
  }
}
