package io.runnel.inspect;

/**
 * A record at the moment of the snapshot.
 *
 * @param key the record key
 * @param name the display name (the key unless one was set)
 * @param type the Java type's name
 * @param origin what writes it
 * @param buffer the buffer kind: {@code ring}, {@code latest} or {@code mailbox}
 * @param capacity values held (the rounded ring capacity, or 1)
 * @param producers writers: 1 for a source, transform or join, 1 for an external record once a
 *     producer was handed out, else 0
 * @param consumers taps, derived records reading it, and outside readers currently subscribed
 * @param produced values produced
 * @param delivered values received, summed over readers
 * @param lagged values missed by lagging readers, summed over readers, counted when a reader reads
 *     past them (a reader that stopped reading shows here only once it reads again; see {@code
 *     maxBacklog})
 * @param maxBacklog how far behind its furthest-behind current reader is, now: values produced that
 *     it has neither received nor been told it missed (ring); updates since it last received
 *     (latest, which skips them by design); 1 if a value is pending (mailbox). Computed at snapshot
 *     time from the readers' published counters, whether or not they are reading
 * @param wouldLag for a ring, how many values that reader will be told it missed when it next reads
 *     ({@code maxBacklog - capacity}, at least 0); 0 for the other kinds
 * @param dropped values lost before any reader took them (mailbox overwrites)
 * @param closed whether the buffer is closed
 * @param lastValue the newest value, or {@code null}
 * @param hookCounters counters of the record's hooks (see {@code RecordHook}), as {@code
 *     <hook>.<counter>}, e.g. {@code persist.appended}
 */
public record RecordInfo(
    String key,
    String name,
    String type,
    Origin origin,
    String buffer,
    int capacity,
    int producers,
    int consumers,
    long produced,
    long delivered,
    long lagged,
    long maxBacklog,
    long wouldLag,
    long dropped,
    boolean closed,
    Object lastValue,
    java.util.Map<String, Long> hookCounters) {

  public RecordInfo {
    hookCounters = java.util.Map.copyOf(hookCounters);
  }

  /** Without reader backlogs (both 0): the constructor before {@code maxBacklog} existed. */
  public RecordInfo(
      String key,
      String name,
      String type,
      Origin origin,
      String buffer,
      int capacity,
      int producers,
      int consumers,
      long produced,
      long delivered,
      long lagged,
      long dropped,
      boolean closed,
      Object lastValue,
      java.util.Map<String, Long> hookCounters) {
    this(
        key,
        name,
        type,
        origin,
        buffer,
        capacity,
        producers,
        consumers,
        produced,
        delivered,
        lagged,
        0,
        0,
        dropped,
        closed,
        lastValue,
        hookCounters);
  }

  /** What writes a record. */
  public enum Origin {
    SOURCE,
    TRANSFORM,
    JOIN,
    /**
     * Written from outside the graph: declared {@code external()} (see {@code Runnel.producer}).
     */
    EXTERNAL,
    /** Nothing writes it: no writer in the graph and not declared {@code external()}. */
    PASSIVE
  }
}
