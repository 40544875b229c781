package io.runnel.store;

import io.runnel.codec.Codec;
import io.runnel.codec.CodecException;
import io.runnel.codec.SchemaMismatchException;
import io.runnel.store.wal.SchemaRegistry;
import java.time.Instant;

/**
 * One entry read back from the history: sequence, wall-clock timestamp, record key, the id of the
 * codec that wrote it and the encoded payload. Entries returned by the store have passed their
 * checksum; they are never partially written or damaged.
 *
 * <p>The payload array is the entry's own copy; do not modify it.
 */
public final class StoredEntry {
  private final long sequence;
  private final long timestampMicros;
  private final String key;
  private final long codecId;
  private final byte[] payload;
  private volatile SchemaRegistry schemas;

  StoredEntry(long sequence, long timestampMicros, String key, long codecId, byte[] payload) {
    this.sequence = sequence;
    this.timestampMicros = timestampMicros;
    this.key = key;
    this.codecId = codecId;
    this.payload = payload;
  }

  /** The entry's sequence number: unique and increasing in append order (gaps are possible). */
  public long sequence() {
    return sequence;
  }

  /** Wall-clock time of the append, in microseconds since the epoch. */
  public long timestampMicros() {
    return timestampMicros;
  }

  /** Wall-clock time of the append. */
  public Instant timestamp() {
    return Instant.ofEpochSecond(
        Math.floorDiv(timestampMicros, 1_000_000L),
        Math.floorMod(timestampMicros, 1_000_000L) * 1000L);
  }

  /** The record key id, e.g. {@code sensor.temp.indoor}. */
  public String key() {
    return key;
  }

  /** The {@link Codec#id()} of the codec that encoded the payload. */
  public long codecId() {
    return codecId;
  }

  /** The encoded value. */
  public byte[] payload() {
    return payload;
  }

  /**
   * Decodes the payload.
   *
   * @throws SchemaMismatchException if the entry was written by another codec or another version of
   *     the type (the message names both schemas when the store knows the writer's)
   * @throws CodecException if the payload cannot be decoded
   */
  public <T> T decode(Codec<T> codec) {
    if (codec.id() != codecId) {
      SchemaRegistry s = schemas;
      String written = s == null ? null : s.describe(codecId);
      throw new SchemaMismatchException(
          "entry " + sequence + " of key '" + key + "'", codecId, written, codec);
    }
    return codec.decode(payload);
  }

  StoredEntry withSchemas(SchemaRegistry registry) {
    this.schemas = registry;
    return this;
  }

  @Override
  public String toString() {
    return "StoredEntry[seq="
        + sequence
        + ", key="
        + key
        + ", at="
        + timestamp()
        + ", codec=0x"
        + Long.toHexString(codecId)
        + ", "
        + payload.length
        + " bytes]";
  }
}
