package io.runnel.mqtt;

import java.util.ArrayDeque;

/**
 * Decides when a history route may treat the broker's PUBACKs as delivery: the rule that ties the
 * replay window to failure detection. Owned by one route's thread; not thread-safe.
 *
 * <h2>The rule</h2>
 *
 * <p>A PUBACK means the broker took the message into memory, not that it passed it on or will
 * survive a power cut. A route reports an acknowledged position {@code P} delivered (so that the
 * cursor may move past it) only after a <em>confirmation</em>: a round trip to the broker (the
 * link's probe, an UNSUBSCRIBE answered by an UNSUBACK) that was sent at least {@code replayWindow}
 * after the last PUBACK before {@code P} arrived, and answered on the same connection as those
 * PUBACKs. So the broker is proven to have been alive, with the state the PUBACKs created, for the
 * whole window after acknowledging: time to hand the messages on. A broker that died within the
 * window never answers that probe; however long the link takes to notice (keep-alive: up to about
 * twice {@code keepAlive} on a blackholed network), the cursor stays where it was and, after the
 * reconnect, everything after it is sent again.
 *
 * <p>Acknowledgements on an earlier connection are never confirmed: when the connection changes
 * (with or without session) the route rewinds to its committed cursor and the gate is {@linkplain
 * #reset reset}. A zero window trusts PUBACK alone: every acknowledgement is confirmed at once.
 *
 * <h2>Implementation overview</h2>
 *
 * <p>Acknowledged positions are kept as marks {@code (first, last PUBACK time, end, connection,
 * entries)}, oldest first; PUBACKs within {@link #MARK_INTERVAL_NANOS} of a mark's first, on one
 * connection, share it (so the deque stays small at any rate), and the window counts from its last.
 * At most one probe is outstanding; it is due once the oldest unconfirmed mark is older than the
 * window, and at least {@link #MIN_PROBE_INTERVAL_NANOS} after the previous probe. Its answer
 * confirms every mark at least a window older than the probe's send time, on the probe's
 * connection.
 */
final class ConfirmationGate {

  static final long MARK_INTERVAL_NANOS = 10_000_000L;

  /**
   * A probe unanswered for this long is given up and sent again (the answer may have been lost).
   */
  static final long PROBE_TIMEOUT_NANOS = 30_000_000_000L;

  /**
   * Least time between two probes: a steady stream (a paced resend, a record persisted at a steady
   * rate) would otherwise probe once per mark, a hundred round trips a second. The cursor commits
   * every 200 ms anyway ({@code HistoryRoute.COMMIT_INTERVAL}).
   */
  static final long MIN_PROBE_INTERVAL_NANOS = 100_000_000L;

  private final long windowNanos;
  // {first PUBACK's nanos, last PUBACK's nanos, end, connection, entries}
  private final ArrayDeque<long[]> marks = new ArrayDeque<>();
  private long unconfirmedEntries;
  private long probeSentAt;
  private boolean probed; // probeSentAt is meaningful
  private long probeConnection = -1; // -1: no probe outstanding

  ConfirmationGate(long windowNanos) {
    this.windowNanos = windowNanos;
  }

  boolean trustsPuback() {
    return windowNanos <= 0;
  }

  /**
   * {@code entries} more entries were acknowledged on {@code connection}; every entry before {@code
   * end} is acknowledged now.
   *
   * @return {@code end} if that is confirmed at once (a zero window), else -1
   */
  long acknowledged(long end, long entries, long nanos, long connection) {
    if (trustsPuback()) {
      return end;
    }
    unconfirmedEntries += entries;
    long[] last = marks.peekLast();
    if (last != null && last[3] == connection && nanos - last[0] < MARK_INTERVAL_NANOS) {
      last[1] = nanos; // the window counts from the mark's last PUBACK
      last[2] = end;
      last[4] += entries;
    } else {
      marks.addLast(new long[] {nanos, nanos, end, connection, entries});
    }
    return -1;
  }

  /**
   * Whether a probe would confirm something now, the least interval between probes aside (closing
   * waits that out).
   */
  boolean probeWanted(long now) {
    if (probeConnection >= 0) {
      return now - probeSentAt >= PROBE_TIMEOUT_NANOS;
    }
    long[] first = marks.peekFirst();
    return first != null && now - first[1] >= windowNanos;
  }

  /** Whether a probe should be sent now. */
  boolean probeDue(long now) {
    if (probeConnection >= 0) {
      return now - probeSentAt >= PROBE_TIMEOUT_NANOS;
    }
    long[] first = marks.peekFirst();
    return first != null
        && now - first[1] >= windowNanos
        && (!probed || now - probeSentAt >= MIN_PROBE_INTERVAL_NANOS);
  }

  boolean probeOutstanding() {
    return probeConnection >= 0;
  }

  void probeSent(long now, long connection) {
    probeSentAt = now;
    probed = true;
    probeConnection = connection;
  }

  /**
   * The outstanding probe was answered on {@code connection} (-1: it failed, no answer).
   *
   * @return the newest position now confirmed, or -1
   */
  long probeAnswered(long connection) {
    long sentAt = probeSentAt;
    long on = probeConnection;
    probeConnection = -1;
    if (connection < 0 || connection != on) {
      return -1;
    }
    long confirmed = -1;
    while (!marks.isEmpty()) {
      long[] m = marks.peekFirst();
      if (m[3] != on || sentAt - m[1] < windowNanos) {
        break;
      }
      marks.pollFirst();
      confirmed = m[2];
      unconfirmedEntries -= m[4];
    }
    return confirmed;
  }

  /** Entries acknowledged but not yet confirmed: those a rewind sends again though acknowledged. */
  long unconfirmedEntries() {
    return unconfirmedEntries;
  }

  /** Whether anything acknowledged waits for confirmation. */
  boolean pending() {
    return !marks.isEmpty();
  }

  /** Forgets every unconfirmed acknowledgement and the outstanding probe (the route rewinds). */
  void reset() {
    marks.clear();
    unconfirmedEntries = 0;
    probeConnection = -1;
  }
}
