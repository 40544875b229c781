package io.runnel.store;

/**
 * An entry was written with a codec or schema other than the one used to read it, e.g. after a
 * record type changed. The message names the entry, the schema it was written with (when the store
 * knows it) and the schema of the reading codec.
 */
public final class SchemaMismatchException extends CodecException {
  private static final long serialVersionUID = 1L;

  private final long writtenId;
  private final long readerId;

  SchemaMismatchException(StoredEntry entry, String writtenSchema, Codec<?> reader) {
    super(
        "entry "
            + entry.sequence()
            + " of key '"
            + entry.key()
            + "' was written with schema "
            + (writtenSchema == null ? "<unknown>" : writtenSchema)
            + " [id 0x"
            + Long.toHexString(entry.codecId())
            + "] but is read with schema "
            + reader.schema()
            + " [id 0x"
            + Long.toHexString(reader.id())
            + "]; read it with a codec for the type it was written with, or convert the history");
    this.writtenId = entry.codecId();
    this.readerId = reader.id();
  }

  /** The codec id stored in the entry. */
  public long writtenId() {
    return writtenId;
  }

  /** The id of the codec the entry was read with. */
  public long readerId() {
    return readerId;
  }
}
