package io.runnel.store.wal;

import io.runnel.codec.Codec;
import io.runnel.store.OverflowPolicy;
import io.runnel.store.StoreException;
import io.runnel.store.StoreFullException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The bounded queue between producers (any thread) and the store's single writer thread. Assigns
 * sequence numbers, so sequence order is queue order is file order.
 *
 * <p>The queue has two bounds: {@code capacity} entries and {@code maxBytes} bytes, where an entry
 * accounts for {@link Pending#bytes()}: its value's size estimate ({@link Codec#sizeHint}, taken on
 * the producer's thread; nothing is encoded there) plus {@value #ENTRY_OVERHEAD_BYTES} bytes of
 * bookkeeping. It is <em>full</em> for a value when either bound would be passed; the overflow
 * policy then acts alike for both bounds, and each outcome caused by the byte bound is also counted
 * on its own ({@code ...OverBytes}). A value larger than {@code maxBytes} on its own can never fit:
 * it is refused at once under every policy (drop-oldest drops it on arrival).
 *
 * <p>Contract: {@link #offer} never takes a lock and never waits for the writer when the queue has
 * room, whatever the policy; when it is full, {@link OverflowPolicy#fail()} throws at once, {@link
 * OverflowPolicy#waitUpTo} waits (bounded) for the writer to make room, and {@link
 * OverflowPolicy#dropOldest()} never blocks: it drops the oldest droppable value (one itself
 * offered under drop-oldest) among the oldest {@value #DROP_SEARCH} queued, or else the new value
 * ({@link #DROPPED}); it drops the new value too while the writer is taking a batch out (the slots
 * that batch frees are not reusable yet) or while another producer has been making room for more
 * than ~10 µs. Every drop is counted per key. A dropped queued value's sequence is a gap; a value
 * dropped on arrival gets none.
 *
 * <h2>Implementation overview</h2>
 *
 * <p>A multi-producer, single-consumer ring of {@code capacity} slots (a power of two), in the
 * style of the Disruptor's multi-producer sequencer, with three cursors that count
 * <em>positions</em> (they never wrap; the slot of position {@code p} is {@code p & mask}):
 *
 * <ul>
 *   <li>{@code tail}: the next position to claim. A producer claims one with a CAS from {@code t}
 *       to {@code t + 1} if {@code t - released < capacity}; position {@code t} is the value's
 *       sequence, so claim order is sequence order. It then stores the value's sequence in the
 *       {@link Pending} and publishes the {@code Pending} into the slot with a release store: a
 *       non-null slot is a published, fully visible entry (there is no separate marker; a slot is
 *       null from the moment it is freed until its next entry is published). The {@link #CLOSED}
 *       bit, set once by {@link #close}, makes every later claim's CAS fail, so the set of claimed
 *       positions is final once the writer sees it.
 *   <li>{@code head}: the first position the writer has not taken. The writer takes a batch by a
 *       CAS from {@code h} to {@code (h + n) | TAKING}, claiming the positions {@code [h, h + n)}
 *       (all claimed, maybe not yet published: it waits for each slot to become non-null, which a
 *       producer does a few instructions after its claim), copies and nulls their slots, then moves
 *       {@code released} to {@code h + n} and clears {@link #TAKING}. No producer waits for any of
 *       this: producers read only {@code released}.
 *   <li>{@code released}: the first position whose slot is not yet free. Producers read it to see
 *       whether there is room; written by the writer after a batch, and by a producer that made
 *       room (below).
 * </ul>
 *
 * <p>Drop-oldest on a full queue makes room by <em>compaction</em>, which the writer and other
 * droppers never see half done: the producer CASes {@code head} from a value with neither flag to
 * {@code h | COMPACTING}, which the writer cannot take a batch from (it spins until the flag
 * clears: a writer may wait for a producer, never the other way round). Holding it, the producer
 * looks at the published slots of {@code [h, h + 64)} for the oldest droppable entry {@code v},
 * claims position {@code t = h + capacity} (the queue is full and nobody else can claim), moves the
 * entries of {@code [h, v)} up by one slot (overwriting the victim; their order is kept and so
 * their sequences still increase), puts its own entry into the slot of {@code h} (which is the slot
 * of {@code t}), and releases: {@code released = h + 1}, then {@code head = h + 1}. If {@code head}
 * carries {@link #TAKING} the slots that would be freed belong to the writer's batch: the new value
 * is dropped instead, without waiting.
 *
 * <p>Invariants: {@code released <= head <= tail} (flags aside) and {@code tail - released <=
 * capacity}; when {@code head} has no flag, {@code released == head} (the writer and a compacting
 * producer set {@code released} before they clear their flag); slots of {@code [head, tail)} are
 * touched only by their claiming producer (the publishing store) and by a compacting producer;
 * slots of {@code [released, head)} only by the writer; {@link #TAKING} and {@link #COMPACTING} are
 * never both set. Entries are consumed exactly once, in position order, which is sequence order.
 *
 * <p><b>The byte bound.</b> Two more counters, kept beside the cursors producers touch anyway so
 * that an append reads and writes no other cache line: {@code claimedBytes} (beside {@code tail})
 * is the sum of {@link Pending#bytes()} producers ever reserved less what they gave back; {@code
 * releasedBytes} (beside {@code released}) the sum of the entries' bytes taken out or evicted. The
 * queue holds {@code claimedBytes - releasedBytes}. A producer reserves its entry's bytes with one
 * CAS on {@code claimedBytes} <em>before</em> it claims a position, only if the difference then
 * stays within {@code maxBytes} (reading {@code releasedBytes} first: a stale value only
 * overestimates), and gives them back if the entries' room is gone when it tries to claim. The
 * writer adds a batch's bytes to {@code releasedBytes} after copying it out, before it moves {@code
 * released}; a compacting producer adds what it evicts. Both hold a flag of {@code head} then, so
 * {@code releasedBytes} has one writer at a time. Under drop-oldest, a queue full by bytes is made
 * room in by <em>eviction</em>, a compaction like the one above that inserts nothing: holding
 * {@code COMPACTING}, the producer picks the oldest droppable entries among the oldest 64 until
 * their bytes make room (if they cannot, it drops its new value instead and evicts nothing), moves
 * the other entries of that range up past them (order and sequences kept), nulls the freed slots at
 * the bottom and releases them; then it claims as usual. The count-bound compaction is unchanged
 * but for the bytes: it evicts one entry, inserts the new one in its place and adds the difference
 * of their bytes to {@code claimedBytes} in one CAS (if that would pass the bound, the new value is
 * dropped instead); the evicted entry's bytes never reach {@code releasedBytes}. A producer
 * reserves bytes only once it saw room for an entry, so a drop from a queue full of entries costs
 * no atomic operation on the bytes.
 *
 * <p>{@code waitUpTo} is the only path that blocks: on a full queue a producer waits on a condition
 * that the writer signals after a batch if some producer is waiting (a counter, checked with a full
 * fence on both sides, so no wake-up is lost; the waits are timed anyway). The writer parks when
 * there is nothing to take; a producer unparks it only when the queue is half full (by entries or
 * bytes), so appends do not pay for thread wake-ups (the writer polls). Counters of rare events are
 * adders; the count of appends is the tail itself.
 */
public final class HandoffQueue extends HandoffCursors.Pad4 {

  /**
   * What {@link #offer} returns for a value dropped on arrival (drop-oldest, nothing older to
   * drop).
   */
  public static final long DROPPED = -1;

  /**
   * Bytes every queued entry accounts for besides its value's size estimate: the {@link Pending}
   * itself and its references, roughly.
   */
  public static final int ENTRY_OVERHEAD_BYTES = 64;

  /** One value on its way to the writer. */
  public static final class Pending {
    final String key;
    final long timestampMicros;
    final Object value;
    final Codec<?> codec;

    /** What the entry accounts for in the queue's byte bound. */
    final long bytes;

    /** Set by the claiming producer before the entry is published (the slot's release store). */
    long sequence;

    /** Appended under drop-oldest: may be dropped to make room for a newer value. */
    boolean droppable;

    /**
     * An entry whose bytes are {@link #ENTRY_OVERHEAD_BYTES} plus {@code codec.sizeHint(value)}
     * (nothing more if the codec is null or cannot tell).
     */
    public Pending(String key, long timestampMicros, Object value, Codec<?> codec) {
      this(key, timestampMicros, value, codec, sizeOf(codec, value));
    }

    /** An entry that accounts for {@code bytes} in the queue's byte bound. */
    public Pending(String key, long timestampMicros, Object value, Codec<?> codec, long bytes) {
      this.key = key;
      this.timestampMicros = timestampMicros;
      this.value = value;
      this.codec = codec;
      this.bytes = bytes;
    }

    /**
     * What a value accounts for: its codec's size estimate plus the entry's bookkeeping. A codec
     * whose estimate fails counts as unknown: the producer is not the place to learn that a value
     * cannot be encoded (the writer meets the same problem, counts and logs it).
     */
    @SuppressWarnings("unchecked")
    public static long sizeOf(Codec<?> codec, Object value) {
      long hint;
      try {
        hint = codec == null ? -1 : ((Codec<Object>) codec).sizeHint(value);
      } catch (RuntimeException e) {
        hint = -1;
      }
      return ENTRY_OVERHEAD_BYTES + Math.max(0, hint);
    }

    /** What this entry accounts for in the queue's byte bound. */
    public long bytes() {
      return bytes;
    }

    /** The sequence {@link #offer} assigned (valid once the writer has taken the entry). */
    public long sequence() {
      return sequence;
    }

    public String key() {
      return key;
    }

    public Object value() {
      return value;
    }
  }

  /** In {@code tail}: closed, no more claims. */
  static final long CLOSED = 1L << 62;

  /** In {@code head}: the writer is copying out the batch below it. */
  static final long TAKING = 1L << 61;

  /** In {@code head}: a drop-oldest producer is compacting the slots above it. */
  static final long COMPACTING = 1L << 60;

  private static final long FLAGS = CLOSED | TAKING | COMPACTING;

  /** How far from the head drop-oldest looks for a droppable value (bounds the work per call). */
  static final int DROP_SEARCH = 64;

  /** How long a dropper spins for another dropper's compaction before it drops its new value. */
  private static final int COMPACTING_SPINS = 256;

  private static final VarHandle TAIL;
  private static final VarHandle HEAD;
  private static final VarHandle RELEASED;
  private static final VarHandle WRITER_PARKED;
  private static final VarHandle CLAIMED_BYTES;
  private static final VarHandle RELEASED_BYTES;
  private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Pending[].class);

  static {
    try {
      MethodHandles.Lookup l = MethodHandles.lookup();
      TAIL = l.findVarHandle(HandoffCursors.Tail.class, "tail", long.class);
      HEAD = l.findVarHandle(HandoffCursors.Head.class, "head", long.class);
      RELEASED = l.findVarHandle(HandoffCursors.Released.class, "released", long.class);
      WRITER_PARKED = l.findVarHandle(HandoffCursors.WriterParked.class, "writerParked", int.class);
      CLAIMED_BYTES = l.findVarHandle(HandoffCursors.Tail.class, "claimedBytes", long.class);
      RELEASED_BYTES = l.findVarHandle(HandoffCursors.Released.class, "releasedBytes", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final Pending[] ring;
  private final int mask;
  private final int capacity;
  private final long maxBytes;
  private final long halfBytes;
  private final long firstSequence;

  private volatile String closedReason = "the history store is closed";
  private volatile Thread writerThread;

  // waitUpTo only: producers wait here for room; the writer signals after a batch if any waits
  private final ReentrantLock waitLock = new ReentrantLock();
  private final Condition notFull = waitLock.newCondition();
  private final AtomicInteger waiters = new AtomicInteger();

  private final LongAdder waited = new LongAdder();
  private final LongAdder waitTimeouts = new LongAdder();
  private final LongAdder droppedOldest = new LongAdder();
  private final LongAdder rejected = new LongAdder();
  private final LongAdder waitedOverBytes = new LongAdder();
  private final LongAdder waitTimeoutsOverBytes = new LongAdder();
  private final LongAdder droppedOverBytes = new LongAdder();
  private final LongAdder rejectedOverBytes = new LongAdder();

  /** Values dropped under drop-oldest, by key (touched only when something is dropped). */
  private final ConcurrentHashMap<String, LongAdder> droppedByKey = new ConcurrentHashMap<>();

  /** Of those, the ones dropped because of the byte bound. */
  private final ConcurrentHashMap<String, LongAdder> droppedOverBytesByKey =
      new ConcurrentHashMap<>();

  /** A queue bounded in entries only (its byte bound is {@link Long#MAX_VALUE}). */
  public HandoffQueue(int capacity, long firstSequence) {
    this(capacity, firstSequence, Long.MAX_VALUE);
  }

  /**
   * A queue of {@code capacity} entries (rounded up to a power of two) and at most {@code maxBytes}
   * bytes, whose first sequence is {@code firstSequence}.
   */
  public HandoffQueue(int capacity, long firstSequence, long maxBytes) {
    if (maxBytes <= 0) {
      throw new IllegalArgumentException("maxBytes must be positive: " + maxBytes);
    }
    this.maxBytes = maxBytes;
    this.halfBytes = maxBytes >> 1;
    int c = Integer.highestOneBit(capacity);
    if (c < capacity) {
      c <<= 1;
    }
    ring = new Pending[c];
    mask = c - 1;
    this.capacity = c;
    this.firstSequence = firstSequence;
    TAIL.setRelease(this, firstSequence);
    HEAD.setRelease(this, firstSequence);
    RELEASED.setVolatile(this, firstSequence);
  }

  public int capacity() {
    return capacity;
  }

  /** The byte bound. */
  public long maxBytes() {
    return maxBytes;
  }

  /**
   * Enqueues a value under the given policy.
   *
   * @return its sequence, or {@link #DROPPED}
   * @throws StoreFullException if refused
   * @throws StoreException if closed
   */
  public long offer(Pending p, OverflowPolicy policy) {
    p.droppable = policy instanceof OverflowPolicy.DropOldest;
    long n = p.bytes;
    if (n > maxBytes) {
      return oversized(p, policy);
    }
    boolean reserved = false; // n is added to claimedBytes
    long bytesNow = 0;
    boolean counted = false; // waitUpTo counts one wait per offer
    boolean countedBytes = false;
    long deadline = 0;
    while (true) {
      long t = (long) TAIL.getVolatile(this);
      if ((t & CLOSED) != 0) {
        if (reserved) {
          unreserve(n);
        }
        throw new StoreException(closedReason);
      }
      long r = (long) RELEASED.getAcquire(this);
      if (t - r < capacity) {
        if (!reserved) {
          bytesNow = reserve(n);
          if (bytesNow < 0) { // the byte bound
            switch (policy) {
              case OverflowPolicy.Fail f -> {
                rejected.increment();
                rejectedOverBytes.increment();
                throw bytesFull(n, "value rejected (policy fail)");
              }
              case OverflowPolicy.DropOldest d -> {
                long seq = dropOldest(p, true);
                if (seq != RETRY) {
                  return seq;
                }
              }
              case OverflowPolicy.Wait w -> {
                if (!counted) {
                  counted = true;
                  waited.increment();
                  deadline = deadline(w);
                }
                if (!countedBytes) {
                  countedBytes = true;
                  waitedOverBytes.increment();
                }
                awaitRoom(w, deadline, n);
              }
            }
            continue;
          }
          reserved = true;
        }
        if (TAIL.compareAndSet(this, t, t + 1)) {
          publish(p, t);
          if ((t + 1 - r >= (capacity >> 1) || bytesNow >= halfBytes) && writerParked != 0) {
            wakeParkedWriter();
          }
          return t;
        }
        continue; // another producer claimed t: try t + 1 (the bytes stay reserved)
      }
      // The entry bound. The bytes are reserved only if room vanished since: give them back.
      if (reserved) {
        unreserve(n);
        reserved = false;
      }
      switch (policy) {
        case OverflowPolicy.Fail f -> {
          rejected.increment();
          throw new StoreFullException(
              "history queue full ("
                  + capacity
                  + " entries): the writer cannot keep up with the appends; value rejected (policy"
                  + " fail). Use a larger queue, a cheaper durability policy, or wait/drop"
                  + " policies",
              false);
        }
        case OverflowPolicy.DropOldest d -> {
          long seq = dropOldest(p, false); // settles the bytes of p and its victim itself
          if (seq != RETRY) {
            return seq;
          }
        }
        case OverflowPolicy.Wait w -> {
          if (!counted) {
            counted = true;
            waited.increment();
            deadline = deadline(w);
          }
          awaitRoom(w, deadline, n);
        }
      }
    }
  }

  private static long deadline(OverflowPolicy.Wait w) {
    // capped (~73 years) so that the deadline arithmetic cannot overflow
    return System.nanoTime() + Math.min(w.timeout().toNanos(), Long.MAX_VALUE >> 2);
  }

  /**
   * Adds {@code n} to the queued bytes if that stays within the bound.
   *
   * @return the queued bytes with {@code n}, or -1 (nothing added) if that would pass the bound
   */
  private long reserve(long n) {
    return reserve(n, 0);
  }

  /**
   * Like {@link #reserve(long)} for an entry that replaces one of {@code credit} bytes: adds the
   * difference {@code n - credit} to {@code claimedBytes} in one step (the replaced entry's bytes
   * are not added to {@code releasedBytes}), so the queued bytes go from the old total straight to
   * the new one and are never seen above the bound in between (jcstress {@code
   * HandoffBytesVsDrain.MakeRoom}, scenario 2).
   */
  private long reserve(long n, long credit) {
    while (true) {
      long rb = (long) RELEASED_BYTES.getAcquire(this); // first: a stale value only overestimates
      long cb = (long) CLAIMED_BYTES.getVolatile(this);
      long after = cb + n - rb - credit;
      if (after > maxBytes) {
        return -1;
      }
      if (CLAIMED_BYTES.compareAndSet(this, cb, cb + n - credit)) {
        return after;
      }
    }
  }

  private void unreserve(long n) {
    CLAIMED_BYTES.getAndAdd(this, -n);
  }

  /** Bytes the queue holds now, never more than it did (claimed first, then released). */
  private long queuedBytes() {
    long cb = (long) CLAIMED_BYTES.getVolatile(this);
    return Math.max(0, cb - (long) RELEASED_BYTES.getVolatile(this));
  }

  /**
   * {@code n} more bytes left the queue; by the holder of {@link #TAKING} or {@link #COMPACTING}
   * only, so there is one writer at a time (published with the release of {@code head}).
   */
  private void released(long n) {
    RELEASED_BYTES.setRelease(this, (long) RELEASED_BYTES.get(this) + n);
  }

  /** A value larger than the whole byte bound: it can never fit, so it is refused at once. */
  private long oversized(Pending p, OverflowPolicy policy) {
    if (((long) TAIL.getVolatile(this) & CLOSED) != 0) {
      throw new StoreException(closedReason);
    }
    if (policy instanceof OverflowPolicy.DropOldest) {
      return droppedOnArrival(p, true);
    }
    rejected.increment();
    rejectedOverBytes.increment();
    throw new StoreFullException(
        "a value of key '"
            + p.key
            + "' accounts for "
            + p.bytes
            + " bytes, more than the history queue's whole byte bound ("
            + maxBytes
            + " bytes); value rejected. Raise StoreConfig.queueBytes above the largest value",
        true);
  }

  private StoreFullException bytesFull(long n, String what) {
    return new StoreFullException(
        "history queue full ("
            + maxBytes
            + " bytes queued at most; this value accounts for "
            + n
            + "): the writer cannot keep up with the appended bytes; "
            + what
            + ". Use a larger queueBytes, a cheaper durability policy, or wait/drop policies",
        true);
  }

  private void publish(Pending p, long position) {
    p.sequence = position;
    SLOT.setRelease(ring, (int) position & mask, p);
  }

  /** {@link #dropOldest}: room appeared meanwhile, claim again. */
  private static final long RETRY = Long.MIN_VALUE;

  /**
   * Drop-oldest on a full queue: compaction (see the class comment), or the new value dropped.
   * {@code forBytes}: the queue is full by bytes: evict old entries and return {@link #RETRY}, or
   * drop {@code p}; otherwise full by entries: evict one and insert {@code p} in its place, adding
   * the difference of their bytes (or, if that would pass the byte bound, drop {@code p}). Neither
   * expects {@code p}'s bytes reserved.
   *
   * @return the new value's sequence, {@link #DROPPED}, or {@link #RETRY}
   */
  private long dropOldest(Pending p, boolean forBytes) {
    int spins = 0;
    long h;
    while (true) {
      long hw = (long) HEAD.getVolatile(this);
      if ((hw & TAKING) != 0) {
        // the freed slots (and bytes) are the writer's until its batch is out
        return droppedOnArrival(p, forBytes);
      }
      if ((hw & COMPACTING) != 0) {
        if (++spins > COMPACTING_SPINS) {
          return droppedOnArrival(p, forBytes); // another producer has been at it for long
        }
        Thread.onSpinWait();
        continue;
      }
      if (HEAD.compareAndSet(this, hw, hw | COMPACTING)) {
        h = hw;
        break;
      }
    }
    // Compacting: the writer takes nothing, no other producer compacts, released == h.
    try {
      long t = (long) TAIL.getVolatile(this);
      if ((t & CLOSED) != 0) {
        throw new StoreException(closedReason);
      }
      if (forBytes) {
        long over =
            (long) CLAIMED_BYTES.getVolatile(this)
                + p.bytes
                - (long) RELEASED_BYTES.getVolatile(this)
                - maxBytes;
        if (over <= 0) {
          return RETRY; // the writer (or a producer giving its bytes back) made room meanwhile
        }
        long evicted = evict(h, t, over);
        if (evicted == 0) {
          return droppedOnArrival(p, true);
        }
        h += evicted;
        return RETRY;
      }
      if (t - h < capacity) {
        return RETRY; // the writer made room before this producer got here
      }
      int victim = -1;
      for (int k = 0, end = (int) Math.min(t - h, DROP_SEARCH); k < end; k++) {
        Pending q = (Pending) SLOT.getAcquire(ring, (int) (h + k) & mask);
        if (q == null) {
          break; // claimed, not yet published: neither it nor anything newer is looked at
        }
        if (q.droppable) {
          victim = k;
          break;
        }
      }
      if (victim < 0) {
        return droppedOnArrival(p, false);
      }
      Pending gone = ring[(int) (h + victim) & mask];
      if (reserve(p.bytes, gone.bytes) < 0) {
        return droppedOnArrival(p, true); // p is larger, and the bytes left cannot take it
      }
      // t == h + capacity and no one else can claim it (the queue is full); only close races us
      if (!TAIL.compareAndSet(this, t, t + 1)) {
        unreserve(p.bytes - gone.bytes);
        throw new StoreException(closedReason);
      }
      for (int k = victim; k > 0; k--) {
        ring[(int) (h + k) & mask] = ring[(int) (h + k - 1) & mask];
      }
      dropped(gone.key, false);
      p.sequence = t;
      ring[(int) h & mask] = p; // the slot of t; published by the release of head below
      h++;
      return t;
    } finally {
      RELEASED.setRelease(this, h);
      HEAD.setRelease(this, h); // clears COMPACTING; publishes the moved entries and p
    }
  }

  /**
   * Eviction for the byte bound, while compacting at head {@code h} (tail {@code t}): drops the
   * oldest droppable entries among the oldest {@value #DROP_SEARCH} until they free at least {@code
   * need} bytes, moving the other entries below the last victim up past them (their order and
   * sequences kept) and nulling the freed slots at the bottom. Evicts nothing if the droppable
   * entries in reach cannot free enough.
   *
   * @return how many entries were evicted (the caller releases that many slots)
   */
  private int evict(long h, long t, long need) {
    int end = (int) Math.min(t - h, DROP_SEARCH);
    long freed = 0;
    int last = -1;
    int victims = 0;
    for (int k = 0; k < end && freed < need; k++) {
      Pending q = (Pending) SLOT.getAcquire(ring, (int) (h + k) & mask);
      if (q == null) {
        break; // claimed, not yet published: neither it nor anything newer is looked at
      }
      if (q.droppable) {
        freed += q.bytes;
        last = k;
        victims++;
      }
    }
    if (freed < need) {
      return 0;
    }
    // Move the survivors of [h, h + last] up to the top of that range, oldest lowest.
    int w = last;
    for (int k = last; k >= 0; k--) {
      Pending q = ring[(int) (h + k) & mask];
      if (q.droppable) { // every droppable entry up to the last victim is one
        dropped(q.key, true);
        continue;
      }
      ring[(int) (h + w) & mask] = q;
      w--;
    }
    for (int k = 0; k < victims; k++) {
      ring[(int) (h + k) & mask] = null; // freed: reused once released moves past it
    }
    released(freed);
    return victims;
  }

  private long droppedOnArrival(Pending p, boolean overBytes) {
    // It gets no sequence, so a dropped value never leaves a gap at the tail that a reopened
    // store would reuse.
    dropped(p.key, overBytes);
    return DROPPED;
  }

  private void dropped(String key, boolean overBytes) {
    droppedOldest.increment();
    droppedByKey.computeIfAbsent(key, k -> new LongAdder()).increment();
    if (overBytes) {
      droppedOverBytes.increment();
      droppedOverBytesByKey.computeIfAbsent(key, k -> new LongAdder()).increment();
    }
  }

  /**
   * Longest single wait of {@link #awaitRoom} before it looks again: bytes given back by a producer
   * whose reservation failed are not signalled.
   */
  private static final long AWAIT_SLICE_NANOS = 1_000_000;

  /**
   * waitUpTo on a full queue: waits for the writer to release slots and bytes for an entry of
   * {@code n} bytes, or until the deadline.
   */
  private void awaitRoom(OverflowPolicy.Wait w, long deadline, long n) {
    boolean interrupted = false;
    waitLock.lock();
    waiters.incrementAndGet(); // full fence: the writer's check of waiters follows its release
    try {
      int full;
      while ((full = fullFor(n)) != 0) {
        long nanos = deadline - System.nanoTime();
        if (nanos <= 0 || interrupted) {
          waitTimeouts.increment();
          if (full == FULL_BYTES) {
            waitTimeoutsOverBytes.increment();
            throw bytesFull(
                n,
                "waited "
                    + w.timeout().toMillis()
                    + " ms (slow disk?); value rejected (policy wait)");
          }
          throw new StoreFullException(
              "history queue full ("
                  + capacity
                  + " entries) for "
                  + w.timeout().toMillis()
                  + " ms: the writer cannot keep up (slow disk?); value rejected. Use a larger"
                  + " queue, a longer wait, or a cheaper durability policy",
              false);
        }
        try {
          notFull.awaitNanos(Math.min(nanos, AWAIT_SLICE_NANOS));
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    } finally {
      waiters.decrementAndGet();
      waitLock.unlock();
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static final int FULL_ENTRIES = 1;
  private static final int FULL_BYTES = 2;

  /**
   * Whether an entry of {@code n} bytes would not fit now: {@link #FULL_ENTRIES}, {@link
   * #FULL_BYTES}, or 0 (it fits, or the queue is closed: a waiter then returns to find the close).
   */
  private int fullFor(long n) {
    long t = (long) TAIL.getVolatile(this);
    if ((t & CLOSED) != 0) {
      return 0;
    }
    if (t - (long) RELEASED.getVolatile(this) >= capacity) {
      return FULL_ENTRIES;
    }
    return queuedBytes() + n > maxBytes ? FULL_BYTES : 0;
  }

  /** Values of {@code key} dropped under drop-oldest so far. */
  public long droppedFor(String key) {
    LongAdder n = droppedByKey.get(key);
    return n == null ? 0 : n.sum();
  }

  /** Of {@link #droppedFor}, the values dropped because of the byte bound. */
  public long droppedOverBytesFor(String key) {
    LongAdder n = droppedOverBytesByKey.get(key);
    return n == null ? 0 : n.sum();
  }

  /**
   * Writer side (one thread): moves up to {@code out.length} values into {@code out}, in sequence
   * order, waiting up to {@code waitNanos} if none is present.
   *
   * @return how many; 0 on timeout; -1 if closed and empty
   * @throws InterruptedException if interrupted while waiting
   */
  public int drain(Pending[] out, long waitNanos) throws InterruptedException {
    int n = take(out);
    if (n != 0 || waitNanos <= 0) {
      return n;
    }
    Thread me = Thread.currentThread();
    if (writerThread != me) {
      writerThread = me;
    }
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
    WRITER_PARKED.setVolatile(this, 1);
    n = take(out); // re-check after announcing the park: a producer that missed it
    if (n == 0) {
      LockSupport.parkNanos(this, waitNanos);
      n = take(out);
    }
    writerParked = 0;
    if (n == 0 && Thread.interrupted()) {
      throw new InterruptedException();
    }
    return n;
  }

  /** The writer's batch take: claim, copy out, release (see the class comment). */
  private int take(Pending[] out) {
    long h;
    int n;
    int spins = 0;
    while (true) {
      h = (long) HEAD.getVolatile(this);
      if ((h & COMPACTING) != 0) {
        spins = backOff(spins); // a producer is making room: at most 64 moves
        continue;
      }
      long t = (long) TAIL.getVolatile(this);
      long claimed = t & ~CLOSED;
      if (claimed == h) {
        return (t & CLOSED) != 0 ? -1 : 0;
      }
      n = (int) Math.min(claimed - h, out.length);
      if (HEAD.compareAndSet(this, h, (h + n) | TAKING)) {
        break;
      }
    }
    long bytes = 0;
    for (int i = 0; i < n; i++) {
      int idx = (int) (h + i) & mask;
      Pending p;
      spins = 0;
      while ((p = (Pending) SLOT.getAcquire(ring, idx)) == null) {
        spins = backOff(spins); // claimed a moment ago, its producer is publishing
      }
      out[i] = p;
      bytes += p.bytes;
      ring[idx] = null; // plain: producers reuse it only after the release of `released` below
    }
    long end = h + n;
    released(bytes); // published by the full fence below
    RELEASED.setVolatile(this, end); // full fence before reading waiters (see awaitRoom)
    HEAD.setRelease(this, end); // clears TAKING
    if (waiters.get() > 0) {
      waitLock.lock();
      try {
        notFull.signalAll();
      } finally {
        waitLock.unlock();
      }
    }
    return n;
  }

  /**
   * The writer waiting for a producer (never the other way round): spin, yield, then sleep in 10 µs
   * steps, for a producer descheduled between its claim and its publishing store.
   */
  private static int backOff(int spins) {
    if (spins < 1000) {
      Thread.onSpinWait();
    } else if (spins < 1100) {
      Thread.yield();
    } else {
      LockSupport.parkNanos(10_000);
    }
    return spins + 1;
  }

  private void wakeParkedWriter() {
    if (WRITER_PARKED.compareAndSet(this, 1, 0)) {
      Thread w = writerThread;
      if (w != null) {
        LockSupport.unpark(w);
      }
    }
  }

  /** Refuses further offers; the writer still drains what is queued. */
  public void close(String reason) {
    while (true) {
      long t = (long) TAIL.getVolatile(this);
      if ((t & CLOSED) != 0) {
        break;
      }
      closedReason = reason; // before the bit: whoever sees the bit reads this reason
      if (TAIL.compareAndSet(this, t, t | CLOSED)) {
        break;
      }
    }
    wakeWriter();
    waitLock.lock();
    try {
      notFull.signalAll();
    } finally {
      waitLock.unlock();
    }
  }

  /** Wakes the writer, e.g. to sync now. */
  public void wakeWriter() {
    Thread w = writerThread;
    if (w != null) {
      LockSupport.unpark(w);
    }
  }

  public long lastAssignedSequence() {
    return ((long) TAIL.getVolatile(this) & ~FLAGS) - 1;
  }

  public void fillStats(long[] out) {
    long t = (long) TAIL.getVolatile(this) & ~FLAGS;
    long r = (long) RELEASED.getVolatile(this);
    out[0] = t - firstSequence;
    out[1] = waited.sum();
    out[2] = waitTimeouts.sum();
    out[3] = droppedOldest.sum();
    out[4] = rejected.sum();
    out[5] = Math.max(0, t - r);
    out[6] = queuedBytes();
    out[7] = waitedOverBytes.sum();
    out[8] = waitTimeoutsOverBytes.sum();
    out[9] = droppedOverBytes.sum();
    out[10] = rejectedOverBytes.sum();
  }

  /** How many values {@link #fillStats} writes. */
  public static final int STATS = 11;
}
