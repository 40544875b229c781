package io.runnel.codec;

/**
 * Turns values of one type into bytes and back. The store writes {@link #id()} into every entry, so
 * a value is only ever decoded by a codec with the same id; a different id gives a {@link
 * SchemaMismatchException} instead of garbage.
 *
 * <p>Contract: {@code decode(encode(v))} equals {@code v}; {@link #id()} changes whenever the byte
 * layout changes (for derived codecs it is a fingerprint of the schema); codecs are immutable and
 * thread-safe. {@code encode} runs on the store's writer thread, {@code decode} on the reader's.
 *
 * @param <T> the value type
 */
public interface Codec<T> {

  /** A 64-bit id of the codec and its schema, stored in each entry. */
  long id();

  /** A human-readable schema, e.g. {@code Reading(sensor:String,celsius:double)}. */
  String schema();

  /**
   * Encodes a value.
   *
   * @throws CodecException if the value cannot be encoded
   */
  byte[] encode(T value);

  /**
   * Decodes a value.
   *
   * @throws CodecException if the bytes are not a value of this codec
   */
  T decode(byte[] bytes);

  /**
   * An estimate of how many bytes {@link #encode} makes of {@code value}, computed without
   * encoding, or {@code -1} if this codec cannot tell cheaply (the default). The history store
   * calls it on the producer's thread to bound its hand-off queue in bytes ({@code
   * StoreConfig.queueBytes}), so it must be cheap: no encoding, no allocation, constant work per
   * component where it can; and it should not throw (the store counts a failing estimate as
   * unknown). A value whose codec says {@code -1} is bounded by the queue's entry count only.
   *
   * <p>Runnel's codecs: {@link #bytes} is exact; {@link RecordCodec} counts each number and length
   * prefix at its largest and each {@code String} as one byte per {@code char} (so it is never
   * below the encoded size for ASCII text, and at most 3 times below for other text); {@link
   * JsonCodec} says {@code -1}.
   */
  default long sizeHint(T value) {
    return -1;
  }

  /**
   * Decodes a value written with codec id {@code writtenId} (and, where the transport carried it,
   * version {@code writtenVersion}; 0 when unknown). A plain codec decodes only its own id and
   * throws {@link SchemaMismatchException} for any other; a {@link VersionedCodec} decodes every
   * version of its chain, migrating it to its own.
   *
   * @param what the value, for messages, e.g. {@code entry 7 of key 'sensor.temp'}
   * @throws SchemaMismatchException if the value is of a schema or version this codec cannot read
   * @throws MigrationException if a migration between versions fails
   * @throws CodecException if the bytes cannot be decoded
   */
  default T decode(String what, long writtenId, int writtenVersion, byte[] bytes) {
    if (writtenId != id()) {
      throw new SchemaMismatchException(what, writtenId, null, this);
    }
    return decode(bytes);
  }

  /** Whether {@link #decode(String, long, int, byte[])} can read values written with this id. */
  default boolean reads(long writtenId) {
    return writtenId == id();
  }

  /**
   * The version this codec writes: 0 for an unversioned codec, else its {@link Versions} number.
   */
  default int version() {
    return 0;
  }

  /** The version a value written with {@code writtenId} is, or 0 if unknown or unversioned. */
  default int versionOf(long writtenId) {
    return writtenId == id() ? version() : 0;
  }

  /**
   * What is wrong with this codec, one line each (empty when usable): for a {@link VersionedCodec}
   * the chain's {@link Versions#problems()}. The places that attach a codec to a record check it
   * and report every line with the graph's other problems.
   */
  default java.util.List<String> problems() {
    return java.util.List.of();
  }

  /**
   * Returns {@code codec} if it has no {@link #problems()}, else throws one {@link
   * IllegalStateException} listing them all ({@code "; "}-separated): what a hook's {@code attach}
   * or a link's {@code publish}/{@code subscribe} calls, so that {@code build()} reports them.
   */
  static <C extends Codec<?>> C requireUsable(C codec) {
    java.util.List<String> p = codec.problems();
    if (!p.isEmpty()) {
      throw new IllegalStateException(String.join("; ", p));
    }
    return codec;
  }

  /** The codec of a chain of versions at its current version; see {@link Versions}. */
  static <T> Codec<T> versioned(Versions<T> versions) {
    return versions.codec();
  }

  /** A compact binary codec derived from the record's components; see {@link RecordCodec}. */
  static <R extends Record> Codec<R> forRecord(Class<R> type) {
    return RecordCodec.of(type);
  }

  /**
   * A JSON codec (Jackson); see {@link JsonCodec}. Needs {@code jackson-databind} on the class path
   * (an optional dependency of runnel-codec: add it yourself).
   */
  static <T> Codec<T> json(Class<T> type) {
    return JsonCodec.of(type);
  }

  /** The identity codec for raw bytes, with the given id. */
  static Codec<byte[]> bytes(long id) {
    return new Codec<>() {
      @Override
      public long id() {
        return id;
      }

      @Override
      public String schema() {
        return "bytes#" + Long.toHexString(id);
      }

      @Override
      public byte[] encode(byte[] value) {
        return value;
      }

      @Override
      public byte[] decode(byte[] bytes) {
        return bytes;
      }

      @Override
      public long sizeHint(byte[] value) {
        return value.length;
      }
    };
  }
}
