package io.runnel.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import io.runnel.codec.Codec;
import io.runnel.codec.JsonCodec;
import io.runnel.store.StoredEntry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;

/**
 * Renders batches of stored entries as the JSON body of a POST:
 *
 * <pre>{@code
 * {"node":"gw-1","firstSequence":17,"lastSequence":18,"count":2,"entries":[
 *   {"sequence":17,"timestamp":"2026-01-02T03:04:05.123456Z","key":"sensor.temp","value":{...}},
 *   {"sequence":18,"timestamp":"...","key":"raw.frame","codec":"8f3a...","payload":"<base64>"}]}
 * }</pre>
 *
 * An entry written by a registered codec (matched by {@link Codec#id()}) is decoded and rendered as
 * {@code value} (a {@link JsonCodec} payload is embedded as it is); any other entry, or one whose
 * decoding or rendering fails, carries its stored bytes as base64 {@code payload} with the codec id
 * in hex, so that nothing is ever left out. Each entry is rendered on its own, so its exact size
 * counts against the batch byte limit. Used by the sync thread only.
 */
final class BatchWriter {
  private final ObjectMapper mapper;
  private final Map<Long, Codec<?>> codecs;
  private final String node;
  private final int headerReserve;
  private final ByteArrayOutputStream scratch = new ByteArrayOutputStream(256);

  /** Outcome of rendering one entry. */
  record Rendered(byte[] json, boolean decoded, String problem) {}

  BatchWriter(ObjectMapper mapper, Map<Long, Codec<?>> codecs, String node) {
    this.mapper = mapper;
    this.codecs = Map.copyOf(codecs);
    this.node = node;
    this.headerReserve = header(Long.MIN_VALUE, Long.MIN_VALUE, Integer.MIN_VALUE).length + 2;
  }

  /**
   * The default mapper: records and beans as usual, {@code java.time} values as their ISO text (the
   * JSR-310 module is not a dependency).
   */
  static ObjectMapper defaultMapper() {
    SimpleModule time = new SimpleModule("runnel-http-time");
    for (Class<?> c :
        List.of(
            Instant.class,
            Duration.class,
            LocalDate.class,
            LocalTime.class,
            LocalDateTime.class,
            OffsetDateTime.class,
            ZonedDateTime.class)) {
      time.addSerializer(c, ToStringSerializer.instance);
    }
    return JsonMapper.builder()
        .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
        .addModule(time)
        .build();
  }

  /** Bytes of a body around its entries, beyond the entries and the commas between them. */
  int headerReserve() {
    return headerReserve;
  }

  Rendered entry(StoredEntry e) {
    Codec<?> codec = codecs.get(e.codecId());
    String problem = null;
    if (codec != null) {
      try {
        return new Rendered(render(e, codec), true, null);
      } catch (RuntimeException | IOException ex) {
        problem =
            "cannot render entry "
                + e.sequence()
                + " of '"
                + e.key()
                + "' with codec "
                + codec.schema()
                + " ("
                + ex
                + "); sent as base64";
      }
    }
    try {
      return new Rendered(render(e, null), false, problem);
    } catch (IOException ex) {
      throw new UncheckedIOException("cannot render entry " + e.sequence() + " as JSON", ex);
    }
  }

  private byte[] render(StoredEntry e, Codec<?> codec) throws IOException {
    scratch.reset();
    try (JsonGenerator g = mapper.createGenerator(scratch)) {
      g.writeStartObject();
      g.writeNumberField("sequence", e.sequence());
      g.writeStringField("timestamp", e.timestamp().toString());
      g.writeStringField("key", e.key());
      int stored =
          e.writtenVersion() > 0
              ? e.writtenVersion()
              : codec == null ? 0 : codec.versionOf(e.codecId());
      if (codec instanceof JsonCodec<?>) {
        g.writeFieldName("value");
        g.writeRawValue(new String(e.payload(), StandardCharsets.UTF_8));
      } else if (codec != null && codec.version() > 0) {
        // any version of the chain, migrated to the codec's: both versions said
        Object value = e.decode(codec);
        g.writeNumberField("version", codec.version());
        if (stored != codec.version()) {
          g.writeNumberField("storedVersion", stored);
        }
        g.writeFieldName("value");
        mapper.writeValue(g, value);
      } else if (codec != null) {
        Object value = codec.decode(e.payload());
        g.writeFieldName("value");
        mapper.writeValue(g, value);
      } else {
        g.writeStringField("codec", Long.toHexString(e.codecId()));
        if (stored > 0) {
          g.writeNumberField("version", stored);
        }
        g.writeBinaryField("payload", e.payload());
      }
      g.writeEndObject();
    }
    return scratch.toByteArray();
  }

  /** The whole body: header, the rendered entries separated by commas, closing brackets. */
  byte[] body(long first, long last, List<byte[]> entries, int entryBytes) {
    byte[] head = header(first, last, entries.size());
    byte[] body = new byte[head.length + entryBytes + Math.max(0, entries.size() - 1) + 2];
    System.arraycopy(head, 0, body, 0, head.length);
    int at = head.length;
    for (int i = 0; i < entries.size(); i++) {
      if (i > 0) {
        body[at++] = ',';
      }
      byte[] e = entries.get(i);
      System.arraycopy(e, 0, body, at, e.length);
      at += e.length;
    }
    body[at++] = ']';
    body[at++] = '}';
    return body;
  }

  private byte[] header(long first, long last, int count) {
    scratch.reset();
    try (JsonGenerator g = mapper.createGenerator(scratch)) {
      g.writeStartObject();
      g.writeStringField("node", node);
      g.writeNumberField("firstSequence", first);
      g.writeNumberField("lastSequence", last);
      g.writeNumberField("count", count);
      g.writeFieldName("entries");
      g.writeStartArray();
      g.flush();
      byte[] b = scratch.toByteArray();
      // the generator would close the array and object on close; we close them ourselves
      return b;
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
  }
}
