package io.runnel.codec;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The 64-bit codec ids of derived codecs: the first 8 bytes of the SHA-256 of a schema text. Its
 * own class (not a method of {@link JsonCodec}) so that {@link RecordCodec} never loads a class
 * that refers to Jackson, which is optional.
 */
public final class Fingerprint {
  private Fingerprint() {}

  /**
   * The first 8 bytes of the SHA-256 of the text, big-endian: how derived codec ids are made (a
   * {@code RecordCodec}'s id is {@code of("record:" + schema)}, a {@code JsonCodec}'s {@code
   * of(schema)}), so a tool holding only a stored schema text can check it against an entry's id.
   */
  public static long of(String text) {
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      long v = 0;
      for (int i = 0; i < 8; i++) {
        v = (v << 8) | (h[i] & 0xff);
      }
      return v;
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError("SHA-256 is required of every JDK", e);
    }
  }
}
