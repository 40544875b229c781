package io.runnel.remote.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import io.runnel.GraphProblem;
import io.runnel.RecordKey;
import io.runnel.Runnel;
import io.runnel.buffer.BufferClosedException;
import io.runnel.buffer.Producer;
import io.runnel.inspect.GraphSnapshot;
import io.runnel.inspect.RecordInfo;
import io.runnel.remote.Role;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code set}: the write allow-list, decoding JSON into the record's type and producing it, and the
 * audit log ({@code io.runnel.remote.audit}, one line per accepted write).
 */
final class Writes {
  static final System.Logger AUDIT = System.getLogger("io.runnel.remote.audit");

  private final Runnel runnel;
  private final Set<String> allowed;
  private final ServerStats stats;
  private final Map<String, Producer<Object>> producers = new ConcurrentHashMap<>();

  Writes(Runnel runnel, List<RecordKey> allowed, ServerStats stats) {
    this.runnel = runnel;
    Set<String> s = new LinkedHashSet<>();
    allowed.forEach(k -> s.add(k.id()));
    this.allowed = Set.copyOf(s);
    this.stats = stats;
  }

  boolean writable(String key) {
    return allowed.contains(key);
  }

  boolean any() {
    return !allowed.isEmpty();
  }

  /** Checks the allow-list against the pipeline: every key exists and is declared external. */
  static void check(Runnel runnel, List<RecordKey> keys, List<String> problems) {
    if (keys.isEmpty()) {
      return;
    }
    GraphSnapshot snap = runnel.inspect();
    for (RecordKey k : keys) {
      String id = k.id();
      Optional<RecordInfo> r = snap.record(id);
      if (r.isEmpty()) {
        problems.add("writable record '" + id + "' does not exist in the pipeline");
      } else if (r.get().origin() != RecordInfo.Origin.PASSIVE) {
        problems.add(
            "writable record '"
                + id
                + "' is written by its "
                + r.get().origin().name().toLowerCase(java.util.Locale.ROOT)
                + " in the pipeline; only a record declared external() can be written remotely");
      } else if (runnel.warnings().stream()
          .anyMatch(p -> p.kind() == GraphProblem.Kind.NO_WRITER && p.keys().contains(id))) {
        problems.add(
            "writable record '"
                + id
                + "' is not declared external() in the pipeline: add .external() to its"
                + " registration");
      }
    }
  }

  /** Decodes {@code value} into the record's type and produces it. */
  void set(Principal who, String remote, String key, JsonNode value) throws RpcException {
    try {
      if (who.role() != Role.WRITE) {
        throw new RpcException(
            Reason.FORBIDDEN,
            "client '" + who.client() + "' has a read token; set needs a write token",
            Map.of("key", key));
      }
      if (!allowed.contains(key)) {
        if (runnel.recordType(key).isEmpty()) {
          throw RpcException.notFound(key);
        }
        throw new RpcException(
            Reason.FORBIDDEN,
            "record '" + key + "' is not on this server's write allow-list",
            Map.of("key", key));
      }
      Class<?> type = runnel.recordType(key).orElseThrow(() -> RpcException.notFound(key));
      Object decoded;
      try {
        decoded = Json.MAPPER.treeToValue(value, type);
      } catch (JsonProcessingException | IllegalArgumentException e) {
        throw new RpcException(
            Reason.DECODE_FAILED,
            "value does not decode to " + type.getSimpleName() + " for record '" + key + "'",
            Map.of("key", key, "detail", detail(e)));
      }
      if (decoded == null) {
        throw new RpcException(
            Reason.DECODE_FAILED,
            "value must not be null (null is never a value)",
            Map.of("key", key, "detail", "null"));
      }
      try {
        producer(key, type).produce(decoded);
      } catch (BufferClosedException e) {
        throw new RpcException(Reason.CLOSED, "record '" + key + "' is closed", Map.of("key", key));
      }
      stats.writesAccepted.increment();
      AUDIT.log(
          System.Logger.Level.INFO,
          "remote set: client=" + who.client() + " remote=" + remote + " key=" + key);
    } catch (RpcException e) {
      stats.writesRefused.increment();
      throw e;
    }
  }

  @SuppressWarnings("unchecked")
  private Producer<Object> producer(String key, Class<?> type) {
    return producers.computeIfAbsent(
        key, k -> (Producer<Object>) runnel.producer(type, RecordKey.of(k)));
  }

  /** One line: where the value went wrong and why, without Jackson's source excerpt. */
  static String detail(Exception e) {
    if (e instanceof com.fasterxml.jackson.databind.JsonMappingException m) {
      String path = m.getPath().isEmpty() ? "$" : pathOf(m);
      String msg = m.getOriginalMessage();
      if (m instanceof InvalidFormatException f && f.getValue() != null) {
        msg = "cannot read " + f.getValue() + " as " + f.getTargetType().getSimpleName();
      }
      return path + ": " + firstLine(msg);
    }
    return firstLine(e.getMessage());
  }

  private static String pathOf(com.fasterxml.jackson.databind.JsonMappingException m) {
    StringBuilder sb = new StringBuilder("$");
    for (var ref : m.getPath()) {
      if (ref.getFieldName() != null) {
        sb.append('.').append(ref.getFieldName());
      } else if (ref.getIndex() >= 0) {
        sb.append('[').append(ref.getIndex()).append(']');
      }
    }
    return sb.toString();
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
