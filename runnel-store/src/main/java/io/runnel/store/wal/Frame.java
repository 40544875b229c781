package io.runnel.store.wal;

/**
 * One decoded entry frame, as the {@link SegmentScanner} hands it to its visitor: sequence,
 * timestamp, key, codec id and payload. The scanner reuses one instance (it is refilled for the
 * next entry, so copy out what you keep); the key string and payload array are fresh per entry and
 * may be kept. The public entry type, {@code io.runnel.store.StoredEntry}, is made from it by the
 * query that wants one.
 */
public final class Frame {
  private long sequence;
  private long timestampMicros;
  private String key;
  private long codecId;
  private byte[] payload;

  void set(long sequence, long timestampMicros, String key, long codecId, byte[] payload) {
    this.sequence = sequence;
    this.timestampMicros = timestampMicros;
    this.key = key;
    this.codecId = codecId;
    this.payload = payload;
  }

  public long sequence() {
    return sequence;
  }

  public long timestampMicros() {
    return timestampMicros;
  }

  public String key() {
    return key;
  }

  public long codecId() {
    return codecId;
  }

  public byte[] payload() {
    return payload;
  }
}
