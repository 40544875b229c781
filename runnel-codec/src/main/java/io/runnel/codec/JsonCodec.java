package io.runnel.codec;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * A JSON codec (Jackson), for values that must stay readable by other tools or survive type changes
 * that add fields. Larger and slower than {@link RecordCodec}. Java records are supported directly.
 * {@link java.time.Instant} and the other {@code java.time} types are written as ISO-8601 strings
 * ({@code "2026-03-01T12:00:00Z"}, {@code "PT1.5S"}) by the default mapper when Jackson's JSR-310
 * module ({@code jackson-datatype-jsr310}, optional like {@code jackson-databind}) is present; on
 * the module path, it must be resolved ({@code requires com.fasterxml.jackson.datatype.jsr310} in
 * the application's module, or {@code --add-modules}). Without it a {@code java.time} value fails
 * to encode with a {@link CodecException} that says so. A mapper passed to {@link #of(Class,
 * ObjectMapper)} is used as given.
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

  /** A codec with a default mapper (with {@code java.time} support when present). */
  public static <T> JsonCodec<T> of(Class<T> type) {
    return new JsonCodec<>(type, DEFAULT_MAPPER);
  }

  /** Immutable once built, thread-safe: shared by every default codec. */
  private static final ObjectMapper DEFAULT_MAPPER = defaultMapper();

  private static ObjectMapper defaultMapper() {
    JsonMapper.Builder b =
        JsonMapper.builder()
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS);
    if (javaTimeLoadable()) {
      b = JavaTime.register(b);
    }
    return b.build();
  }

  private static boolean javaTimeLoadable() {
    try {
      Class.forName(
          "com.fasterxml.jackson.datatype.jsr310.JavaTimeModule",
          false,
          JsonCodec.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  /**
   * The only class that names the optional JSR-310 module: loading it (which the verifier does with
   * the module's classes) happens only once they are known to be there.
   */
  private static final class JavaTime {
    static JsonMapper.Builder register(JsonMapper.Builder b) {
      return b.addModule(new com.fasterxml.jackson.datatype.jsr310.JavaTimeModule());
    }
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
      // Jackson's message names the missing module for a java.time value without JSR-310
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
