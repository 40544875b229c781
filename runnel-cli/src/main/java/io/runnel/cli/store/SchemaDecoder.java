package io.runnel.cli.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runnel.codec.CodecException;
import io.runnel.codec.Fingerprint;
import io.runnel.codec.WireReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * Decodes stored payloads to JSON from nothing but the schema text the store keeps in {@code
 * schemas.txt}, without the application's classes.
 *
 * <p>Two codecs can be decoded this way: {@code RecordCodec}, whose schema text ({@code
 * com.acme.Reading(sensor:String,celsius:double,at:Instant)}) names every component and its type in
 * encoding order, so the byte layout of {@code docs/FORMAT.md} follows from it; and {@code
 * JsonCodec} (schema {@code json:<type>}), whose payload is JSON already. A schema is only used if
 * the codec id is its fingerprint (the first 8 bytes of SHA-256 of {@code "record:" + schema},
 * resp. of the schema), so a damaged or foreign {@code schemas.txt} line never misreads bytes.
 * Everything else (custom codecs, raw bytes) has no decoder: the caller shows the payload.
 */
public abstract sealed class SchemaDecoder {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  SchemaDecoder() {}

  /** Decodes one payload. @throws IllegalArgumentException if the bytes do not fit the schema */
  public abstract JsonNode decode(byte[] payload);

  /**
   * A JSON Schema (draft 2020-12) of what {@link #decode} returns: a RecordCodec schema's
   * components as properties with their types (integers, numbers, strings, {@code date-time} for
   * Instant, base64 for bytes, enums, arrays, nested records, {@code null} where the codec allows
   * it); for JsonCodec an object of the named type without further constraints (its schema text
   * names only the type).
   */
  public abstract ObjectNode jsonSchema();

  /** Whether the payload is JSON already (JsonCodec): it can be passed on as it is. */
  public boolean payloadIsJson() {
    return false;
  }

  /** The value type's name in the schema text: {@code com.acme.Reading}. */
  public static String typeName(String schema) {
    if (schema.startsWith("json:")) {
      return schema.substring(5);
    }
    int p = schema.indexOf('(');
    return p < 0 ? schema : schema.substring(0, p);
  }

  /**
   * The decoder for a codec id and the schema text recorded for it, if the schema is one of the two
   * derivable kinds and the id is its fingerprint.
   */
  public static Optional<SchemaDecoder> forSchema(long codecId, String schema) {
    if (schema == null) {
      return Optional.empty();
    }
    if (schema.startsWith("json:") && Fingerprint.of(schema) == codecId) {
      return Optional.of(new Json(typeName(schema)));
    }
    if (Fingerprint.of("record:" + schema) == codecId) {
      try {
        return Optional.of(new Binary(new Parser(schema).root(), typeName(schema)));
      } catch (IllegalArgumentException e) {
        return Optional.empty();
      }
    }
    return Optional.empty();
  }

  private static final class Json extends SchemaDecoder {
    private final String type;

    Json(String type) {
      this.type = type;
    }

    @Override
    public ObjectNode jsonSchema() {
      ObjectNode o = F.objectNode();
      o.put("$schema", DRAFT);
      o.put("title", type);
      o.put("type", "object");
      return o;
    }

    @Override
    public boolean payloadIsJson() {
      return true;
    }

    @Override
    public JsonNode decode(byte[] payload) {
      try {
        return JSON.readTree(payload);
      } catch (IOException e) {
        throw new IllegalArgumentException("not JSON: " + e.getMessage());
      }
    }
  }

  private static final class Binary extends SchemaDecoder {
    private final Type root;
    private final String type;

    Binary(Type root, String type) {
      this.root = root;
      this.type = type;
    }

    @Override
    public ObjectNode jsonSchema() {
      ObjectNode o = F.objectNode();
      o.put("$schema", DRAFT);
      o.put("title", type);
      o.put(
          "description",
          "Runnel RecordCodec value "
              + type
              + "; a component of a reference type (String, Instant, a boxed number, an enum, a"
              + " nested record, a list, bytes) may be null");
      o.setAll(root.schema());
      return o;
    }

    @Override
    public JsonNode decode(byte[] payload) {
      WireReader in = new WireReader(payload, type);
      JsonNode v;
      try {
        v = ((RecordType) root).fields(in);
      } catch (CodecException e) {
        throw new IllegalArgumentException(e.getMessage(), e);
      }
      if (in.position() != payload.length) {
        throw new IllegalArgumentException(
            (payload.length - in.position()) + " bytes left over after the value");
      }
      return v;
    }
  }

  // ---------------------------------------------------------------- the schema's types

  private static final String DRAFT = "https://json-schema.org/draft/2020-12/schema";

  private interface Type {
    JsonNode read(WireReader in);

    /** The JSON Schema of what {@link #read} returns. */
    ObjectNode schema();
  }

  private static ObjectNode typed(String type) {
    return F.objectNode().put("type", type);
  }

  private record Prim(String name) implements Type {
    @Override
    public ObjectNode schema() {
      return switch (name) {
        case "int", "long", "short", "byte" -> typed("integer");
        case "boolean" -> typed("boolean");
        case "char" -> typed("string").put("minLength", 1).put("maxLength", 1);
        case "float", "double" -> typed("number");
        case "String" -> typed("string");
        case "bytes" -> typed("string").put("contentEncoding", "base64");
        case "Instant" -> typed("string").put("format", "date-time");
        default -> throw new IllegalStateException(name);
      };
    }

    @Override
    public JsonNode read(WireReader in) {
      return switch (name) {
        case "int", "long", "short" -> F.numberNode(in.varLong());
        case "byte" -> F.numberNode((byte) in.u8());
        case "boolean" -> F.booleanNode(in.u8() != 0);
        case "char" -> F.textNode(String.valueOf((char) in.fixed(2)));
        case "float" -> F.numberNode(Float.intBitsToFloat((int) in.fixed(4)));
        case "double" -> F.numberNode(Double.longBitsToDouble(in.fixed(8)));
        case "String" -> {
          int n = in.length();
          yield n < 0 ? F.nullNode() : F.textNode(new String(in.bytes(n), StandardCharsets.UTF_8));
        }
        case "bytes" -> {
          int n = in.length();
          yield n < 0 ? F.nullNode() : F.textNode(Base64.getEncoder().encodeToString(in.bytes(n)));
        }
        case "Instant" -> {
          long s = in.varLong();
          long nanos = in.varLong();
          yield F.textNode(Instant.ofEpochSecond(s, nanos).toString());
        }
        default -> throw new IllegalStateException(name);
      };
    }
  }

  /** A presence byte (0 null, 1 present), then the value. */
  private record Nullable(Type inner) implements Type {
    @Override
    public ObjectNode schema() {
      return inner.schema(); // may be null: see jsonSchema()
    }

    @Override
    public JsonNode read(WireReader in) {
      int flag = in.u8();
      if (flag == 0) {
        return F.nullNode();
      }
      if (flag != 1) {
        throw in.error("bad presence byte " + flag);
      }
      return inner.read(in);
    }
  }

  private record EnumType(List<String> constants) implements Type {
    @Override
    public ObjectNode schema() {
      ObjectNode o = typed("string");
      ArrayNode e = o.putArray("enum");
      constants.forEach(e::add);
      return o;
    }

    @Override
    public JsonNode read(WireReader in) {
      int k = in.ordinal();
      if (k < 0) {
        return F.nullNode();
      }
      if (k >= constants.size()) {
        throw in.error("no enum constant with ordinal " + k);
      }
      return F.textNode(constants.get(k));
    }
  }

  private record ListType(Type element) implements Type {
    @Override
    public ObjectNode schema() {
      ObjectNode o = typed("array");
      o.set("items", element.schema());
      return o;
    }

    @Override
    public JsonNode read(WireReader in) {
      int n = in.length();
      if (n < 0) {
        return F.nullNode();
      }
      ArrayNode a = F.arrayNode();
      for (int i = 0; i < n; i++) {
        a.add(element.read(in));
      }
      return a;
    }
  }

  private record RecordType(List<String> names, List<Type> types) implements Type {
    @Override
    public ObjectNode schema() {
      ObjectNode o = typed("object");
      ObjectNode props = o.putObject("properties");
      ArrayNode req = o.putArray("required");
      for (int i = 0; i < names.size(); i++) {
        props.set(names.get(i), types.get(i).schema());
        req.add(names.get(i));
      }
      o.put("additionalProperties", false);
      return o;
    }

    @Override
    public JsonNode read(WireReader in) {
      return fields(in);
    }

    ObjectNode fields(WireReader in) {
      ObjectNode o = F.objectNode();
      for (int i = 0; i < names.size(); i++) {
        o.set(names.get(i), types.get(i).read(in));
      }
      return o;
    }
  }

  /** Recursive descent over the schema text RecordCodec writes. */
  private static final class Parser {
    private final String s;
    private int i;

    Parser(String s) {
      this.s = s;
    }

    Type root() {
      Type t = record(name());
      if (i != s.length()) {
        throw error("text after the record");
      }
      return t;
    }

    private RecordType record(String typeName) {
      expect('(');
      List<String> names = new ArrayList<>();
      List<Type> types = new ArrayList<>();
      if (peek() != ')') {
        do {
          names.add(name());
          expect(':');
          types.add(type());
        } while (accept(','));
      }
      expect(')');
      return new RecordType(names, types);
    }

    private Type type() {
      if (s.startsWith("enum ", i)) {
        i += 5;
        name();
        expect('[');
        List<String> constants = new ArrayList<>();
        if (peek() != ']') {
          do {
            constants.add(name());
          } while (accept(','));
        }
        expect(']');
        return new EnumType(constants);
      }
      if (s.startsWith("List<", i)) {
        i += 5;
        Type element = type();
        expect('>');
        return new ListType(element);
      }
      String n = name();
      if (peek() == '(') {
        return new Nullable(record(n));
      }
      return switch (n) {
        case "int",
            "long",
            "short",
            "byte",
            "boolean",
            "char",
            "float",
            "double",
            "String",
            "bytes" ->
            new Prim(n);
        case "Integer" -> new Nullable(new Prim("int"));
        case "Long" -> new Nullable(new Prim("long"));
        case "Short" -> new Nullable(new Prim("short"));
        case "Byte" -> new Nullable(new Prim("byte"));
        case "Boolean" -> new Nullable(new Prim("boolean"));
        case "Character" -> new Nullable(new Prim("char"));
        case "Float" -> new Nullable(new Prim("float"));
        case "Double" -> new Nullable(new Prim("double"));
        case "Instant" -> new Nullable(new Prim("Instant"));
        default -> throw error("unknown type '" + n + "'");
      };
    }

    private String name() {
      int start = i;
      while (i < s.length() && "(),<>[]: ".indexOf(s.charAt(i)) < 0) {
        i++;
      }
      if (i == start) {
        throw error("a name expected");
      }
      return s.substring(start, i);
    }

    private char peek() {
      return i < s.length() ? s.charAt(i) : '\0';
    }

    private boolean accept(char c) {
      if (peek() == c) {
        i++;
        return true;
      }
      return false;
    }

    private void expect(char c) {
      if (!accept(c)) {
        throw error("'" + c + "' expected");
      }
    }

    private IllegalArgumentException error(String what) {
      return new IllegalArgumentException("schema '" + s + "' at " + i + ": " + what);
    }
  }

  // ---------------------------------------------------------------- bytes (docs/FORMAT.md)
}
