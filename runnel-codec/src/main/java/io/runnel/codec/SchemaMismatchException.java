package io.runnel.codec;

/**
 * A value was written with a codec or schema other than the one used to read it, e.g. after a
 * record type changed. The message names the value (for the history store: the entry's sequence and
 * key), the schema it was written with (when known) and the schema of the reading codec.
 */
public final class SchemaMismatchException extends CodecException {
  private static final long serialVersionUID = 1L;

  private final long writtenId;
  private final long readerId;

  /**
   * A mismatch for a value described by {@code what}.
   *
   * @param what the value, e.g. {@code entry 7 of key 'sensor.temp'}; starts the message
   * @param writtenId the codec id the value was written with
   * @param writtenSchema the schema of that codec, or null if unknown
   * @param reader the codec the value was read with
   */
  public SchemaMismatchException(
      String what, long writtenId, String writtenSchema, Codec<?> reader) {
    super(
        what
            + " was written with schema "
            + (writtenSchema == null ? "<unknown>" : writtenSchema)
            + " [id 0x"
            + Long.toHexString(writtenId)
            + "] but is read with schema "
            + reader.schema()
            + " [id 0x"
            + Long.toHexString(reader.id())
            + "]; read it with a codec for the type it was written with, or convert the history");
    this.writtenId = writtenId;
    this.readerId = reader.id();
  }

  /**
   * A mismatch with a complete message (used by {@link VersionedCodec}, whose message names the
   * versions and what to deploy).
   */
  public SchemaMismatchException(String message, long writtenId, long readerId) {
    super(message);
    this.writtenId = writtenId;
    this.readerId = readerId;
  }

  /** The codec id the value was written with. */
  public long writtenId() {
    return writtenId;
  }

  /** The id of the codec the value was read with. */
  public long readerId() {
    return readerId;
  }
}
