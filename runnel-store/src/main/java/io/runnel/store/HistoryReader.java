package io.runnel.store;

import io.runnel.RecordKey;
import io.runnel.spi.Checks;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.function.LongSupplier;
import java.util.function.ToLongFunction;

/**
 * Reads the durable history of a {@link HistoryStore} through a durable, named cursor, page by
 * page, for a connector that forwards it (HTTP sync, MQTT, Kafka): the one mechanism behind every
 * store-and-forward link.
 *
 * <pre>{@code
 * HistoryReader reader = HistoryReader.builder(store, "cloud-sync")
 *     .keys(Key.INDOOR, Key.OUTDOOR)          // default: every key
 *     // or .keys(KeySelector.prefix("station.")): also the keys first written later
 *     .maxPageEntries(500).maxPageBytes(1 << 20)
 *     .rememberSent()                         // rebuild an unanswered page identically
 *     .build();                               // opens the cursor(s)
 * long from = reader.position();
 * while (running) {
 *   HistoryReader.Page page = reader.await(from, Duration.ofMillis(200));   // bounded wait
 *   if (page.isEmpty() && page.end() == from) continue;                     // timed out
 *   reader.markSent(page);                   // before sending (only with rememberSent)
 *   send(page.entries());                    // the connector's business
 *   reader.delivered(page.end());            // the far side has it
 *   reader.commit();                         // the cursor moves (fsync)
 *   from = page.end();
 * }
 * }</pre>
 *
 * <h2>Contract</h2>
 *
 * <ul>
 *   <li><b>Positions.</b> A position is a sequence: "everything before it". The cursor's {@link
 *       #position()} is the first sequence not yet committed. A {@link Page} read from {@code from}
 *       covers {@code [from, page.end())}: every <em>durable</em> entry of the selected keys in
 *       that range is in {@link Page#entries()}, in sequence order; the rest of the range is
 *       entries of other keys and sequence gaps. A page may be empty and still end after {@code
 *       from} (only other keys' entries there): report it delivered so that the cursor passes them.
 *   <li><b>Selected keys</b> ({@link Builder#keys(KeySelector)}): a key is selected by its id, not
 *       by the reader's start: with a {@linkplain KeySelector#prefix prefix}, entries of a key
 *       first written after the reader was built (a record added at run time) are read like the
 *       others. The cursor remembers a position, not the selection: a reader built later with a
 *       wider selection on the same cursor does not go back for the new keys' entries before it.
 *   <li><b>Durable only.</b> Only entries at or below {@link HistoryStore#durableSequence()} are
 *       read: an entry that is written but not forced may vanish in a power cut, and its sequence
 *       would then be reused; the far side must never hold what the device lost.
 *   <li><b>Pages.</b> At most {@link Builder#maxPageEntries} entries (or fewer, per call) and
 *       {@link Builder#maxPageBytes} bytes as measured by {@link Builder#entrySize}; an entry
 *       larger than the byte limit comes alone, never dropped. {@link Page#prefix} cuts a page
 *       further by the caller's own measure (e.g. the rendered size). A read looks at a bounded
 *       number of entries (100 000, or the page limit if larger): through a long run of other keys'
 *       entries it returns a short or empty page that ends where it stopped.
 *   <li><b>Delivered.</b> The caller reports {@link #delivered(long) delivered(end)} when the far
 *       side has taken responsibility for every entry before {@code end} (an HTTP 2xx, an MQTT
 *       PUBACK, a Kafka ack), or the caller decided for good to skip it (a broker's final
 *       rejection). The report is a position, so delivery is contiguous by construction: with
 *       acknowledgements out of order, report the first unacknowledged sequence. Reports only move
 *       forwards (a smaller one is ignored) and never past the durable end.
 *   <li><b>Commit.</b> {@link #commit()} persists the cursor (atomically, fsync) at the newest
 *       delivered position that is outside the replay window; {@link #commitAll()} at the newest
 *       delivered position, ignoring the window. The cursor never moves past an entry that was not
 *       reported delivered, and never backwards. After a restart a reader with the same store and
 *       cursor name resumes at the committed position: delivery is at least once, and nothing
 *       reported delivered and committed is read again.
 *   <li><b>Replay window</b> (optional, {@link Builder#replayWindow}): commit lags delivery by at
 *       least that time (and, with {@link Builder#replayWindowSequences}, that many sequences), for
 *       a far side that acknowledges before it is itself durable (a broker that may lose its
 *       session). {@link #rewind()} forgets the deliveries not yet committed and returns the
 *       committed position, from which the caller resends.
 *   <li><b>Sent bounds</b> (optional, {@link Builder#rememberSent}): {@link #markSent(Page)}
 *       persists the page's end in a second cursor, {@code <cursor>.sent}, before the caller sends
 *       it. A later read from inside those bounds (after a restart, or a retry) returns exactly
 *       {@code [from, sentEnd)}, whatever the page limits, flagged {@link Page#rebuilt()}, so that
 *       a page sent but never answered is sent again identically (never a longer page under the
 *       same idempotency key, which a de-duplicating receiver would acknowledge without reading).
 *       {@link #discardSentBounds()} drops them (the far side refused them, e.g. as too large)
 *       until the cursor passes them.
 *   <li><b>Waiting</b> is always bounded: {@link #await} waits at most its timeout for a new
 *       durable entry (the store's {@link HistoryStore#awaitDurable}) and returns an empty page
 *       ending at {@code from} when nothing came.
 *   <li><b>Closed store.</b> Reading, waiting and committing on a closed store throw {@link
 *       StoreException} naming the reader's cursor and the store.
 * </ul>
 *
 * <p>The configuration is immutable. One reader per cursor name: two readers committing the same
 * cursor would each move it past what only the other delivered. The read methods may be called from
 * any thread; {@link #delivered}, {@link #commit}, {@link #rewind}, {@link #markSent} and {@link
 * #discardSentBounds} are serialised on the reader. Typically one connector thread drives it and
 * others only read {@link #position()}.
 */
public final class HistoryReader {

  /**
   * A read looks at no more than this many entries of its range (or the page limit, if larger),
   * selected or not: a page of a rare key through a long history of others ends where the scan
   * stopped, empty if need be, instead of reading to the end in one call.
   */
  static final long SCAN_BUDGET = 100_000;

  /** Deliveries closer together than this share one replay-window mark (bounds the marks). */
  private static final long MARK_INTERVAL_NANOS = 10_000_000L;

  private final HistoryStore store;
  private final String cursorName;
  private final StoreCursor cursor;
  private final StoreCursor sent; // null unless rememberSent
  private final SelectedKeys selected; // null: every key
  private final int maxPageEntries;
  private final long maxPageBytes;
  private final long scanBudget;
  private final ToLongFunction<StoredEntry> entrySize;
  private final long replayWindowNanos;
  private final long replayWindowSequences;
  private final LongSupplier nanoClock;

  // commit state, guarded by this
  private long deliveredEnd;
  private long agedEnd; // newest delivered position older than the replay window (time)
  private final ArrayDeque<long[]> marks = new ArrayDeque<>(); // (nanoTime, delivered end)
  private boolean sentDiscarded;

  private HistoryReader(Builder b) throws IOException {
    this.store = b.store;
    this.cursorName = b.cursorName;
    this.selected = b.keys == null || b.keys.isAll() ? null : new SelectedKeys(b.keys);
    this.maxPageEntries = b.maxPageEntries;
    this.maxPageBytes = b.maxPageBytes;
    this.scanBudget = b.scanBudget;
    this.entrySize = b.entrySize;
    this.replayWindowNanos = b.replayWindow.toNanos();
    this.replayWindowSequences = b.replayWindowSequences;
    this.nanoClock = b.nanoClock;
    checkOpen("open its cursor");
    this.cursor = store.cursor(cursorName);
    this.sent = b.rememberSent ? store.cursor(cursorName + ".sent") : null;
    this.deliveredEnd = cursor.position();
    this.agedEnd = deliveredEnd;
  }

  /**
   * Starts configuring a reader of {@code store} through the cursor {@code cursorName} (record-key
   * syntax; created at position 0 if new).
   */
  public static Builder builder(HistoryStore store, String cursorName) {
    return new Builder(store, cursorName);
  }

  /** The cursor's name. */
  public String cursorName() {
    return cursorName;
  }

  /** Key ids this reader has decided on so far (tests); 0 when it reads every key. */
  int keysDecided() {
    return selected == null ? 0 : selected.decided();
  }

  /** The keys this reader reads. */
  public KeySelector keys() {
    return selected == null ? KeySelector.all() : selected.selector();
  }

  /** The committed position: every entry before it was delivered (or is not of a selected key). */
  public long position() {
    return cursor.position();
  }

  /**
   * The newest position reported {@linkplain #delivered delivered} (at least {@link #position}).
   */
  public synchronized long deliveredPosition() {
    return Math.max(deliveredEnd, cursor.position());
  }

  /** The end of the furthest page {@linkplain #markSent marked sent}; -1 without rememberSent. */
  public long sentPosition() {
    return sent == null ? -1 : sent.position();
  }

  // ------------------------------------------------------------------------------------- reading

  /** {@link #read(long, int)} with the configured page size. */
  public Page read(long from) throws IOException {
    return read(from, maxPageEntries);
  }

  /**
   * The next page of durable entries from {@code from}, without waiting.
   *
   * @param maxEntries at most this many entries (and at most {@link Builder#maxPageEntries}), e.g.
   *     fewer after the far side refused a page as too large, or to fill a window
   * @throws StoreException if the store is closed
   * @throws IOException if a segment cannot be read
   */
  public Page read(long from, int maxEntries) throws IOException {
    Checks.notNegative("from", from);
    Checks.positive("maxEntries", maxEntries);
    checkOpen("read");
    // The durable sequence is read before the query: "the query returned less than asked" then
    // means "everything up to that durable sequence was seen".
    long durable = store.durableSequence();
    int limit = Math.min(maxEntries, maxPageEntries);
    long until = Long.MAX_VALUE; // the end of a page sent before, to rebuild with its exact bounds
    if (sent != null) {
      synchronized (this) {
        long end = sent.position();
        if (from >= end) {
          sentDiscarded = false;
        } else if (!sentDiscarded && end - 1 <= durable) {
          until = end;
          limit = (int) Math.min(Query.MAX_LIMIT, end - from);
        }
      }
    }
    boolean rebuilt = until != Long.MAX_VALUE;
    if (from > durable) {
      return new Page(from, from, List.of(), false);
    }
    // Only the selected keys' entries come back: the limit counts them, not the others passed.
    // A rebuilt page must be whole, so it has no scan budget.
    Query q = Query.all().fromSequence(from).limit(limit);
    long budget = rebuilt ? Long.MAX_VALUE : Math.max(scanBudget, limit);
    HistoryQueries.Scan scan = store.scan(q, selected, budget);
    List<StoredEntry> found = scan.entries();
    List<StoredEntry> entries = new ArrayList<>(Math.min(found.size(), limit));
    long next = from;
    long bytes = 0;
    boolean cut = false;
    boolean outOfBudget = scan.stoppedBefore() >= 0;
    boolean reachedEnd = found.size() < limit && !outOfBudget;
    for (StoredEntry e : found) {
      if (e.sequence() > durable || e.sequence() >= until) {
        reachedEnd = true;
        break;
      }
      long size = entrySize.applyAsLong(e);
      if (!rebuilt && !entries.isEmpty() && bytes + size > maxPageBytes) {
        cut = true;
        break;
      }
      entries.add(e);
      bytes += size;
      next = e.sequence() + 1;
    }
    if (rebuilt) {
      next = until;
    } else if (reachedEnd && !cut) {
      next = Math.max(next, durable + 1); // nothing more of these keys up to the durable end
    } else if (outOfBudget && !cut) {
      // every entry before where the scan stopped was looked at: passed, up to the durable end
      next = Math.max(next, Math.min(scan.stoppedBefore(), durable + 1));
    }
    return new Page(from, next, List.copyOf(entries), rebuilt);
  }

  /** {@link #await(long, int, Duration)} with the configured page size. */
  public Page await(long from, Duration timeout) throws IOException, InterruptedException {
    return await(from, maxPageEntries, timeout);
  }

  /**
   * Waits at most {@code timeout} until an entry at or after {@code from} is durable, then {@link
   * #read(long, int) reads} the page.
   *
   * @return the page; an empty page ending at {@code from} if the timeout elapsed first
   * @throws StoreException if the store is closed or failed (before or while waiting)
   * @throws InterruptedException if interrupted while waiting
   */
  public Page await(long from, int maxEntries, Duration timeout)
      throws IOException, InterruptedException {
    Checks.notNegative("timeout", timeout);
    checkOpen("wait for new entries");
    if (!store.awaitDurable(from, timeout)) {
      return new Page(from, from, List.of(), false);
    }
    return read(from, maxEntries);
  }

  // ------------------------------------------------------------------------------------- sent

  /**
   * Remembers that {@code page} is about to be sent: persists its end in {@code <cursor>.sent}
   * (fsync) unless a page ending there or later was marked already. Call it before the first send.
   * An empty page is not remembered.
   *
   * @throws IllegalStateException if the reader was built without {@link Builder#rememberSent}
   * @throws IOException if the sent cursor cannot be persisted
   */
  public synchronized void markSent(Page page) throws IOException {
    if (sent == null) {
      throw new IllegalStateException(
          "history reader '" + cursorName + "' was built without rememberSent()");
    }
    checkOpen("mark a page sent");
    if (!page.isEmpty() && page.end() > sent.position()) {
      sent.advanceTo(page.end());
    }
  }

  /**
   * Forgets the remembered sent bounds until the cursor passes them (in this reader only: a new
   * reader honours them again): pages are built by the limits again. For bounds the far side
   * refused (e.g. HTTP 413), so that the page can be rebuilt smaller.
   */
  public synchronized void discardSentBounds() {
    sentDiscarded = true;
  }

  // ------------------------------------------------------------------------------------- commit

  /**
   * Reports that every entry before {@code end} was delivered (see the class comment). Not
   * persisted until {@link #commit()}.
   *
   * @throws IllegalArgumentException if {@code end} is beyond the durable end of the store
   */
  public synchronized void delivered(long end) {
    long durable = store.durableSequence();
    if (end > durable + 1) {
      throw new IllegalArgumentException(
          "history reader '"
              + cursorName
              + "': cannot report entries up to "
              + end
              + " delivered; the store is durable only up to "
              + durable
              + " (deliver only what was read)");
    }
    if (end <= deliveredEnd) {
      return;
    }
    deliveredEnd = end;
    if (replayWindowNanos <= 0) {
      agedEnd = end;
      return;
    }
    long now = nanoClock.getAsLong();
    long[] last = marks.peekLast();
    if (last != null && now - last[0] < MARK_INTERVAL_NANOS) {
      last[1] = end;
    } else {
      marks.addLast(new long[] {now, end});
    }
  }

  /**
   * Persists the cursor at the newest delivered position outside the replay window (all of it
   * without a window), if that is ahead of the cursor.
   *
   * @return the cursor position now
   * @throws StoreException if the store is closed
   * @throws IOException if the cursor cannot be persisted (it then keeps its old position)
   */
  public synchronized long commit() throws IOException {
    long now = nanoClock.getAsLong();
    while (!marks.isEmpty() && now - marks.peekFirst()[0] >= replayWindowNanos) {
      agedEnd = Math.max(agedEnd, marks.pollFirst()[1]);
    }
    long upTo = agedEnd;
    if (replayWindowSequences > 0) {
      upTo = Math.min(upTo, deliveredEnd - replayWindowSequences);
    }
    return advance(upTo);
  }

  /**
   * Persists the cursor at the newest delivered position, ignoring the replay window (e.g. when
   * closing a link whose far side is known to be up).
   *
   * @return the cursor position now
   */
  public synchronized long commitAll() throws IOException {
    marks.clear();
    agedEnd = Math.max(agedEnd, deliveredEnd);
    return advance(deliveredEnd);
  }

  /**
   * Forgets every delivery not yet committed (the far side may have lost them) and returns the
   * committed position, from which the caller reads and sends again.
   */
  public synchronized long rewind() {
    marks.clear();
    long p = cursor.position();
    deliveredEnd = p;
    agedEnd = p;
    return p;
  }

  private long advance(long upTo) throws IOException {
    if (upTo > cursor.position()) {
      checkOpen("commit");
      cursor.advanceTo(upTo);
    }
    return cursor.position();
  }

  private void checkOpen(String what) {
    if (store.isClosed()) {
      throw new StoreException(
          "history reader '"
              + cursorName
              + "' cannot "
              + what
              + ": the history store in "
              + store.directory()
              + " is closed (close connectors before their store)");
    }
  }

  @Override
  public String toString() {
    return "HistoryReader["
        + cursorName
        + " @ "
        + cursor.position()
        + (selected == null ? "" : ", keys " + selected.selector())
        + "]";
  }

  // ------------------------------------------------------------------------------------- page

  /**
   * Durable entries of the selected keys in {@code [from, end)}, in sequence order; the rest of
   * that range holds only other keys' entries and gaps. Immutable.
   */
  public static final class Page {
    private final long from;
    private final long end;
    private final List<StoredEntry> entries;
    private final boolean rebuilt;

    Page(long from, long end, List<StoredEntry> entries, boolean rebuilt) {
      this.from = from;
      this.end = end;
      this.entries = entries;
      this.rebuilt = rebuilt;
    }

    /** The position the page was read from. */
    public long from() {
      return from;
    }

    /** The position after the page: deliver it, and read the next page from here. */
    public long end() {
      return end;
    }

    /** The entries, oldest first (unmodifiable). */
    public List<StoredEntry> entries() {
      return entries;
    }

    public int size() {
      return entries.size();
    }

    public boolean isEmpty() {
      return entries.isEmpty();
    }

    /** The sequence of the first entry; -1 if empty. */
    public long firstSequence() {
      return entries.isEmpty() ? -1 : entries.getFirst().sequence();
    }

    /** The sequence of the last entry; -1 if empty. */
    public long lastSequence() {
      return entries.isEmpty() ? -1 : entries.getLast().sequence();
    }

    /**
     * True if the page was rebuilt to the bounds of a page {@linkplain #markSent marked sent}
     * before: send it whole and unchanged.
     */
    public boolean rebuilt() {
      return rebuilt;
    }

    /**
     * The position after the first {@code n} entries: what to report delivered when only they were
     * (the end of the page for {@code n == size()}).
     */
    public long endAfter(int n) {
      Objects.checkIndex(n, entries.size() + 1);
      return n == entries.size() ? end : entries.get(n).sequence();
    }

    /**
     * The first {@code n} entries as a page (ending at {@link #endAfter endAfter(n)}), for a caller
     * that cuts by its own measure.
     *
     * @throws IllegalStateException if the page was {@linkplain #rebuilt() rebuilt} (its bounds are
     *     fixed)
     */
    public Page prefix(int n) {
      if (n == entries.size()) {
        return this;
      }
      if (rebuilt) {
        throw new IllegalStateException(
            "page ["
                + from
                + ", "
                + end
                + ") was rebuilt to the bounds it was sent with; send it"
                + " whole");
      }
      return new Page(from, endAfter(n), entries.subList(0, n), false);
    }

    @Override
    public String toString() {
      return "Page["
          + from
          + ", "
          + end
          + "): "
          + entries.size()
          + " entries"
          + (rebuilt ? ", rebuilt" : "");
    }
  }

  // ------------------------------------------------------------------------------------- builder

  /**
   * Configures a {@link HistoryReader}; every setting has a default. Immutable: every option
   * returns a new builder and leaves the receiver unchanged.
   */
  public static final class Builder {
    private final HistoryStore store;
    private final String cursorName;
    private KeySelector keys; // null until selected: every key
    private int maxPageEntries = 500;
    private long maxPageBytes = Long.MAX_VALUE;
    private long scanBudget = SCAN_BUDGET;
    private ToLongFunction<StoredEntry> entrySize = Builder::storedSize;
    private Duration replayWindow = Duration.ZERO;
    private long replayWindowSequences;
    private boolean rememberSent;
    private LongSupplier nanoClock = System::nanoTime;

    private Builder(HistoryStore store, String cursorName) {
      this.store = Checks.notNull("store", store);
      Checks.keySyntax("invalid cursor name", Checks.notNull("cursorName", cursorName));
      this.cursorName = cursorName;
    }

    private Builder(Builder o) {
      this.store = o.store;
      this.cursorName = o.cursorName;
      this.keys = o.keys;
      this.maxPageEntries = o.maxPageEntries;
      this.maxPageBytes = o.maxPageBytes;
      this.scanBudget = o.scanBudget;
      this.entrySize = o.entrySize;
      this.replayWindow = o.replayWindow;
      this.replayWindowSequences = o.replayWindowSequences;
      this.rememberSent = o.rememberSent;
      this.nanoClock = o.nanoClock;
    }

    /** The bytes of an entry as stored: key, payload and the fixed fields. */
    static long storedSize(StoredEntry e) {
      return 26L + e.key().length() + e.payload().length;
    }

    /**
     * Reads only entries of these keys (default: every key), in addition to those selected before;
     * the cursor passes the others. No keys: no change.
     */
    public Builder keys(RecordKey... keys) {
      Checks.notNull("keys", keys);
      return keys(Arrays.asList(keys));
    }

    /**
     * Reads only entries of these keys (default: every key), in addition to those selected before;
     * the cursor passes the others. An empty collection: no change.
     */
    public Builder keys(Collection<? extends RecordKey> keys) {
      Checks.notNull("keys", keys);
      keys.forEach(k -> Checks.notNull("key", k));
      return keys.isEmpty() ? new Builder(this) : keys(KeySelector.of(keys));
    }

    /**
     * Reads only entries of the keys {@code selector} selects (default: every key), in addition to
     * those selected before; the cursor passes the others. With a {@linkplain KeySelector#prefix
     * prefix}, keys first written after the reader was built are read too.
     */
    public Builder keys(KeySelector selector) {
      Checks.notNull("selector", selector);
      Builder b = new Builder(this);
      b.keys = keys == null ? selector : keys.or(selector);
      return b;
    }

    /** At most this many entries per page (default 500). */
    public Builder maxPageEntries(int n) {
      Checks.positive("maxPageEntries", n);
      Checks.notAbove("maxPageEntries", n, "Query.MAX_LIMIT", Query.MAX_LIMIT);
      Builder b = new Builder(this);
      b.maxPageEntries = n;
      return b;
    }

    /**
     * At most this many bytes per page as measured by {@link #entrySize} (default unlimited); an
     * entry larger than this comes alone.
     */
    public Builder maxPageBytes(long bytes) {
      Builder b = new Builder(this);
      b.maxPageBytes = Checks.positive("maxPageBytes", bytes);
      return b;
    }

    /** How an entry counts against {@link #maxPageBytes} (default: its stored size). */
    public Builder entrySize(ToLongFunction<StoredEntry> size) {
      Builder b = new Builder(this);
      b.entrySize = Checks.notNull("entrySize", size);
      return b;
    }

    /** Commit lags delivery by at least this time (default zero: no window). */
    public Builder replayWindow(Duration window) {
      Builder b = new Builder(this);
      b.replayWindow = Checks.notNegative("replayWindow", window);
      return b;
    }

    /** Commit lags delivery by at least this many sequences (default 0: no window). */
    public Builder replayWindowSequences(long sequences) {
      Builder b = new Builder(this);
      b.replayWindowSequences = Checks.notNegative("replayWindowSequences", sequences);
      return b;
    }

    /**
     * Keeps the bounds of the furthest page {@linkplain HistoryReader#markSent marked sent} in the
     * cursor {@code <cursor>.sent}, to rebuild an unanswered page identically (default off).
     */
    public Builder rememberSent() {
      Builder b = new Builder(this);
      b.rememberSent = true;
      return b;
    }

    /** Tests: at most this many entries looked at per read (at least the page limit). */
    Builder scanBudget(long entries) {
      Builder b = new Builder(this);
      b.scanBudget = Checks.positive("scanBudget", entries);
      return b;
    }

    /** Tests: the clock of the replay window. */
    Builder nanoClock(LongSupplier clock) {
      Builder b = new Builder(this);
      b.nanoClock = Checks.notNull("clock", clock);
      return b;
    }

    /**
     * Opens the cursor (and the sent cursor) and returns the reader.
     *
     * @throws IllegalArgumentException if {@code <cursor>.sent} is not a valid cursor name
     * @throws StoreException if the store is closed
     * @throws IOException if a cursor cannot be read
     */
    public HistoryReader build() throws IOException {
      return new HistoryReader(this);
    }
  }
}
