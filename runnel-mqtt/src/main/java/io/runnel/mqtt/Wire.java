package io.runnel.mqtt;

import io.runnel.codec.Codec;
import java.nio.ByteBuffer;

/**
 * What a message carries about the schema of its payload: the writer's codec id (its fingerprint)
 * and, for a versioned codec, the version number. On MQTT 5 in user properties ({@value
 * #SCHEMA_PROPERTY}, {@value #VERSION_PROPERTY}); on MQTT 3.1.1, which has no properties, a payload
 * of a versioned codec is wrapped in the envelope described in {@code docs/FORMAT.md} (magic {@code
 * RNV1}, id, version, payload). An unversioned codec's payload on 3.1.1 stays bare, as before.
 */
final class Wire {
  private Wire() {}

  /** MQTT 5 user property: the writer's codec id, 16 lowercase hex digits. */
  static final String SCHEMA_PROPERTY = "runnel-schema";

  /** MQTT 5 user property: the writer's version number (only for versioned codecs). */
  static final String VERSION_PROPERTY = "runnel-version";

  /** The 3.1.1 envelope's magic: ASCII {@code RNV} and the envelope format version 1. */
  static final int MAGIC = 0x524E5631;

  static final int HEADER_BYTES = 14;

  /** The schema stamp of one message; {@code known} false when the message carried none. */
  record Stamp(boolean known, long id, int version, String idHex, String versionText) {
    static final Stamp NONE = new Stamp(false, 0, 0);

    Stamp(boolean known, long id, int version) {
      this(
          known,
          id,
          version,
          java.util.HexFormat.of().toHexDigits(id),
          version > 0 ? Integer.toString(version) : null);
    }

    static Stamp of(Codec<?> codec) {
      return new Stamp(true, codec.id(), codec.version());
    }
  }

  static byte[] wrap(Stamp s, byte[] payload) {
    return ByteBuffer.allocate(HEADER_BYTES + payload.length)
        .putInt(MAGIC)
        .putLong(s.id())
        .putShort((short) s.version())
        .put(payload)
        .array();
  }

  /** The envelope's stamp if {@code payload} starts with one, else null. */
  static Stamp envelope(byte[] payload) {
    if (payload.length < HEADER_BYTES || ByteBuffer.wrap(payload).getInt() != MAGIC) {
      return null;
    }
    ByteBuffer b = ByteBuffer.wrap(payload);
    b.getInt();
    return new Stamp(true, b.getLong(), Short.toUnsignedInt(b.getShort()));
  }

  static byte[] unwrap(byte[] payload) {
    return java.util.Arrays.copyOfRange(payload, HEADER_BYTES, payload.length);
  }

  /** Parses the MQTT 5 properties; {@link Stamp#NONE} if the schema property is absent or bad. */
  static Stamp properties(String schema, String version) {
    if (schema == null) {
      return Stamp.NONE;
    }
    try {
      long id = Long.parseUnsignedLong(schema, 16);
      int v = version == null ? 0 : Integer.parseInt(version);
      return new Stamp(true, id, v < 0 || v > 65535 ? 0 : v);
    } catch (NumberFormatException e) {
      return Stamp.NONE;
    }
  }
}
