package io.runnel.cli.command;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Text output for people: aligned tables, compact JSON, durations and counts. */
public final class Render {
  /** The CLI's one JSON mapper. */
  public static final ObjectMapper JSON = new ObjectMapper();

  private static final ObjectMapper PRETTY =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private Render() {}

  /** One line of JSON. */
  public static String compact(JsonNode n) {
    return n == null ? "null" : n.toString();
  }

  /** Indented JSON. */
  public static String pretty(JsonNode n) {
    try {
      return PRETTY.writeValueAsString(n);
    } catch (JsonProcessingException e) {
      return compact(n);
    }
  }

  /** A column-aligned table. */
  public static final class Table {
    private final List<String[]> rows = new ArrayList<>();
    private final boolean[] rightAligned;

    /** Column names; a name starting with '>' is right-aligned (numbers). */
    public Table(String... header) {
      rightAligned = new boolean[header.length];
      String[] h = new String[header.length];
      for (int i = 0; i < header.length; i++) {
        rightAligned[i] = header[i].startsWith(">");
        h[i] = rightAligned[i] ? header[i].substring(1) : header[i];
      }
      rows.add(h);
    }

    public Table row(Object... cells) {
      String[] r = new String[rightAligned.length];
      for (int i = 0; i < r.length; i++) {
        r[i] = i < cells.length && cells[i] != null ? String.valueOf(cells[i]) : "";
      }
      rows.add(r);
      return this;
    }

    public int size() {
      return rows.size() - 1;
    }

    public void print(PrintWriter out) {
      int[] w = new int[rightAligned.length];
      for (String[] r : rows) {
        for (int i = 0; i < r.length; i++) {
          w[i] = Math.max(w[i], r[i].length());
        }
      }
      for (String[] r : rows) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < r.length; i++) {
          boolean last = i == r.length - 1;
          String pad = " ".repeat(w[i] - r[i].length());
          if (rightAligned[i]) {
            b.append(pad).append(r[i]);
          } else {
            b.append(r[i]);
            if (!last) {
              b.append(pad);
            }
          }
          if (!last) {
            b.append("  ");
          }
        }
        out.println(b.toString().stripTrailing());
      }
    }
  }

  /** The text of a field, or {@code dflt} when missing or null. */
  public static String text(JsonNode n, String field, String dflt) {
    JsonNode v = n == null ? null : n.get(field);
    return v == null || v.isNull() ? dflt : v.isValueNode() ? v.asText() : v.toString();
  }

  /** Nanoseconds as a short duration: 850ns, 12.3µs, 4.56ms, 1.20s. */
  public static String nanos(JsonNode n) {
    if (n == null || n.isNull() || !n.isNumber()) {
      return "-";
    }
    double v = n.asDouble();
    if (v < 1_000) {
      return String.format(Locale.ROOT, "%.0fns", v);
    }
    if (v < 1_000_000) {
      return String.format(Locale.ROOT, "%.1fµs", v / 1e3);
    }
    if (v < 1_000_000_000) {
      return String.format(Locale.ROOT, "%.2fms", v / 1e6);
    }
    return String.format(Locale.ROOT, "%.2fs", v / 1e9);
  }

  /** A ratio 0..1 as a percentage. */
  public static String percent(JsonNode n) {
    return n == null || !n.isNumber()
        ? "-"
        : String.format(Locale.ROOT, "%.1f%%", n.asDouble() * 100);
  }

  /** The simple name of a Java type name ({@code com.acme.Reading} is {@code Reading}). */
  public static String simpleType(String type) {
    if (type == null) {
      return "";
    }
    int generic = type.indexOf('<');
    String raw = generic < 0 ? type : type.substring(0, generic);
    int dot = raw.lastIndexOf('.');
    return (dot < 0 ? raw : raw.substring(dot + 1)) + (generic < 0 ? "" : type.substring(generic));
  }

  /** Prints a JSON object as {@code path value} lines (nested objects as dotted paths). */
  public static void flat(PrintWriter out, String prefix, JsonNode n) {
    if (n.isObject()) {
      for (Map.Entry<String, JsonNode> e : n.properties()) {
        flat(out, prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), e.getValue());
      }
    } else {
      out.println(prefix + "  " + (n.isTextual() ? n.asText() : compact(n)));
    }
  }
}
