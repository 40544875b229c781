package io.runnel.codec;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * A JSON codec (Jackson), for values that must stay readable by other tools or survive type changes
 * that add fields. Larger and slower than {@link RecordCodec}. Java records are supported directly;
 * {@link java.time.Instant} and other {@code java.time} types need the mapper passed to {@link
 * #of(Class, ObjectMapper)} to have the JSR-310 module registered (not a dependency of this
 * module).
 *
 * <p>The id is a fingerprint of {@code "json:" + type name}: renaming the type changes it, adding
 * fields does not (unknown properties are then a decode error unless the mapper ignores them).
 */
public final class JsonCodec<T> implements Codec<T> {
  private final Class<T> type;
  private final ObjectMapper mapper;
  private final long id;

  private JsonCodec(Class<T> type, ObjectMapper mapper) {
    this.type = type;
    this.mapper = mapper;
    this.id = Fingerprint.of("json:" + type.getName());
  }

  /** A codec with a default mapper. */
  public static <T> JsonCodec<T> of(Class<T> type) {
    return new JsonCodec<>(
        type, JsonMapper.builder().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS).build());
  }

  /** A codec with the given (configured, no longer modified) mapper. */
  public static <T> JsonCodec<T> of(Class<T> type, ObjectMapper mapper) {
    return new JsonCodec<>(type, mapper);
  }

  @Override
  public long id() {
    return id;
  }

  @Override
  public String schema() {
    return "json:" + type.getName();
  }

  @Override
  public byte[] encode(T value) {
    try {
      return mapper.writeValueAsBytes(value);
    } catch (IOException e) {
      throw new CodecException(
          "cannot encode " + type.getName() + " as JSON: " + e.getMessage(), e);
    }
  }

  @Override
  public T decode(byte[] bytes) {
    try {
      return mapper.readValue(bytes, type);
    } catch (IOException e) {
      throw new CodecException(
          "cannot decode JSON as "
              + type.getName()
              + ": "
              + e.getMessage()
              + " (payload starts with '"
              + new String(bytes, 0, Math.min(bytes.length, 60), StandardCharsets.UTF_8)
              + "')",
          e);
    }
  }
}
