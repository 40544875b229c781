package io.runnel.remote.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * A request's {@code params}, checked: unknown members, missing required ones and wrong types are
 * {@code invalid_params} naming the parameter.
 */
final class Params {
  private final ObjectNode params;

  private Params(ObjectNode params) {
    this.params = params;
  }

  /** Wraps {@code params} (null: none) allowing only {@code names}. */
  static Params of(ObjectNode params, Set<String> names) throws RpcException {
    ObjectNode p = params == null ? Json.object() : params;
    Iterator<String> it = p.fieldNames();
    while (it.hasNext()) {
      String n = it.next();
      if (!names.contains(n)) {
        throw RpcException.invalidParam(
            n,
            "unknown parameter '" + n + "'; this method takes " + new java.util.TreeSet<>(names));
      }
    }
    return new Params(p);
  }

  boolean has(String name) {
    JsonNode n = params.get(name);
    return n != null && !n.isNull();
  }

  JsonNode raw(String name) {
    return params.get(name);
  }

  String string(String name) throws RpcException {
    String s = optString(name);
    if (s == null) {
      throw RpcException.invalidParam(name, "parameter '" + name + "' is required (a string)");
    }
    return s;
  }

  String optString(String name) throws RpcException {
    JsonNode n = params.get(name);
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isTextual()) {
      throw RpcException.invalidParam(
          name, "parameter '" + name + "' must be a string, got " + kind(n));
    }
    return n.asText();
  }

  long optLong(String name, long dflt) throws RpcException {
    JsonNode n = params.get(name);
    if (n == null || n.isNull()) {
      return dflt;
    }
    if (!n.isIntegralNumber() || !n.canConvertToLong()) {
      throw RpcException.invalidParam(
          name, "parameter '" + name + "' must be an integer, got " + kind(n));
    }
    return n.asLong();
  }

  int optInt(String name, int dflt) throws RpcException {
    JsonNode n = params.get(name);
    if (n == null || n.isNull()) {
      return dflt;
    }
    if (!n.isIntegralNumber() || !n.canConvertToInt()) {
      throw RpcException.invalidParam(
          name, "parameter '" + name + "' must be an integer, got " + kind(n));
    }
    return n.asInt();
  }

  double optDouble(String name, double dflt) throws RpcException {
    JsonNode n = params.get(name);
    if (n == null || n.isNull()) {
      return dflt;
    }
    if (!n.isNumber()) {
      throw RpcException.invalidParam(
          name, "parameter '" + name + "' must be a number, got " + kind(n));
    }
    return n.asDouble();
  }

  int requiredInt(String name) throws RpcException {
    if (!has(name)) {
      throw RpcException.invalidParam(name, "parameter '" + name + "' is required (an integer)");
    }
    return optInt(name, 0);
  }

  Instant optInstant(String name) throws RpcException {
    String s = optString(name);
    return s == null ? null : instant(name, s);
  }

  static Instant instant(String name, String s) throws RpcException {
    try {
      return Instant.parse(s);
    } catch (DateTimeParseException e) {
      throw RpcException.invalidParam(
          name,
          "parameter '"
              + name
              + "' must be an ISO-8601 instant like 2026-12-01T10:15:30Z, got '"
              + s
              + "'");
    }
  }

  List<String> stringList(String name) throws RpcException {
    JsonNode n = params.get(name);
    if (n == null || n.isNull()) {
      throw RpcException.invalidParam(
          name, "parameter '" + name + "' is required (a list of strings)");
    }
    if (!n.isArray() || n.isEmpty()) {
      throw RpcException.invalidParam(
          name, "parameter '" + name + "' must be a non-empty list of strings, got " + kind(n));
    }
    List<String> out = new ArrayList<>();
    for (JsonNode e : n) {
      if (!e.isTextual()) {
        throw RpcException.invalidParam(
            name, "parameter '" + name + "' must hold strings only, got " + kind(e));
      }
      out.add(e.asText());
    }
    return out;
  }

  ObjectNode optObject(String name) throws RpcException {
    JsonNode n = params.get(name);
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isObject()) {
      throw RpcException.invalidParam(
          name, "parameter '" + name + "' must be an object, got " + kind(n));
    }
    return (ObjectNode) n;
  }

  static String kind(JsonNode n) {
    return switch (n.getNodeType()) {
      case STRING -> "a string";
      case NUMBER -> "a number";
      case BOOLEAN -> "a boolean";
      case ARRAY -> "a list";
      case OBJECT -> "an object";
      case NULL -> "null";
      default -> n.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
    };
  }
}
