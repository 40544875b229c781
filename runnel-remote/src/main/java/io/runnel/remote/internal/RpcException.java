package io.runnel.remote.internal;

import java.util.LinkedHashMap;
import java.util.Map;

/** A request refused with a protocol error; carries no stack trace (it is an answer, not a bug). */
final class RpcException extends Exception {
  private final Reason reason;
  private final Map<String, Object> data;

  RpcException(Reason reason, String message) {
    this(reason, message, Map.of());
  }

  RpcException(Reason reason, String message, Map<String, ?> data) {
    super(message, null, false, false);
    this.reason = reason;
    this.data = new LinkedHashMap<>(data);
  }

  static RpcException invalidParam(String param, String message) {
    return new RpcException(Reason.INVALID_PARAMS, message, Map.of("param", param));
  }

  static RpcException notFound(String key) {
    return new RpcException(Reason.NOT_FOUND, "no record '" + key + "'", Map.of("key", key));
  }

  Reason reason() {
    return reason;
  }

  Map<String, Object> data() {
    return data;
  }
}
