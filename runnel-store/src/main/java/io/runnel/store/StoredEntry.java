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
   * <p>A {@link io.runnel.codec.VersionedCodec} reads an entry of any version of its chain,
   * migrated to its own version; any other codec reads only entries with its own id.
   *
   * @throws SchemaMismatchException if the entry was written by another codec or by a version the
   *     codec cannot read (the message names both schemas or versions, and what to deploy)
   * @throws io.runnel.codec.MigrationException if a migration between versions fails
   * @throws CodecException if the payload cannot be decoded
   */
  public <T> T decode(Codec<T> codec) {
    if (codec.id() == codecId) {
      return codec.decode(payload);
    }
    SchemaRegistry s = schemas;
    String what = "entry " + sequence + " of key '" + key + "'";
    if (codec.version() == 0) {
      String written = s == null ? null : s.describe(codecId);
      throw new SchemaMismatchException(what, codecId, written, codec);
    }
    // a versioned codec: migrates any version of its chain, else names both versions
    return codec.decode(what, codecId, writtenVersion(), payload);
  }

  /**
   * The version of the type this entry was written with, as recorded in the store's {@code
   * schemas.txt} by a versioned codec (also for entries written before the type had versions, once
   * a versioned codec declaring that schema has written to the store), or 0 if unknown.
   */
  public int writtenVersion() {
    SchemaRegistry s = schemas;
    return s == null ? 0 : s.version(codecId);
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
