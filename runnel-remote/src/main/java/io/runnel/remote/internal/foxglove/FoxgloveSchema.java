package io.runnel.remote.internal.foxglove;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;

/**
 * The server's JSON Schema of a record type (victools, the one {@code records} gives) in the shape
 * Foxglove and Lichtblick turn into message fields: every field with exactly one {@code type}, no
 * {@code $ref}. A type used more than once is defined once under {@code $defs} and referenced; here
 * each reference is replaced by its definition (a recursive type is cut at a depth of 8, below
 * which it is a plain object), and a list of types ({@code ["string", "null"]}) becomes its first
 * non-null type. The values are unchanged: the schema only describes them.
 */
final class FoxgloveSchema {
  private static final int MAX_DEPTH = 8;

  private FoxgloveSchema() {}

  static ObjectNode of(JsonNode schema) {
    ObjectNode root = schema.deepCopy();
    JsonNode defs = root.remove("$defs");
    return (ObjectNode) inline(root, root, defs, 0);
  }

  private static JsonNode inline(JsonNode node, ObjectNode root, JsonNode defs, int depth) {
    if (node.isArray()) {
      ArrayNode a = ((ArrayNode) node).arrayNode();
      for (JsonNode e : node) {
        a.add(inline(e, root, defs, depth));
      }
      return a;
    }
    if (!node.isObject()) {
      return node;
    }
    JsonNode ref = node.get("$ref");
    if (ref != null && ref.isTextual()) {
      if (depth >= MAX_DEPTH) {
        return ((ObjectNode) node).objectNode().put("type", "object");
      }
      JsonNode target = resolve(ref.asText(), root, defs);
      if (target == null) {
        return ((ObjectNode) node).objectNode().put("type", "object");
      }
      return inline(target.deepCopy(), root, defs, depth + 1);
    }
    ObjectNode out = ((ObjectNode) node).objectNode();
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode v = e.getValue();
      if (e.getKey().equals("type") && v.isArray()) {
        String first = "object";
        for (JsonNode t : v) {
          if (!t.asText().equals("null")) {
            first = t.asText();
            break;
          }
        }
        out.put("type", first);
      } else {
        out.set(e.getKey(), inline(v, root, defs, depth));
      }
    }
    return out;
  }

  private static JsonNode resolve(String ref, ObjectNode root, JsonNode defs) {
    if (ref.equals("#")) {
      ObjectNode r = root.deepCopy();
      r.remove("$schema");
      return r;
    }
    String prefix = "#/$defs/";
    if (defs != null && ref.startsWith(prefix)) {
      return defs.get(ref.substring(prefix.length()).replace("~1", "/").replace("~0", "~"));
    }
    return null;
  }
}
