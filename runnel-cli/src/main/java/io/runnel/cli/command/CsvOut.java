package io.runnel.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * History entries as CSV: columns {@code seq,time} and the value's fields, taken from the first
 * entry (nested fields as dotted paths, a scalar value as column {@code value}); RFC 4180 quoting.
 */
public final class CsvOut {
  private final PrintWriter out;
  private List<String> columns;

  public CsvOut(PrintWriter out) {
    this.out = out;
  }

  /** One entry whose value is JSON. */
  public void entry(long seq, String time, JsonNode value) {
    Map<String, String> cells = new LinkedHashMap<>();
    flatten("", value, cells);
    cells(seq, time, cells);
  }

  /** One entry as named cells. */
  public void cells(long seq, String time, Map<String, String> cells) {
    if (columns == null) {
      columns = new ArrayList<>(cells.keySet());
      StringBuilder h = new StringBuilder("seq,time");
      columns.forEach(c -> h.append(',').append(quote(c.isEmpty() ? "value" : c)));
      out.println(h);
    }
    StringBuilder b = new StringBuilder().append(seq).append(',').append(quote(time));
    columns.forEach(c -> b.append(',').append(quote(cells.getOrDefault(c, ""))));
    out.println(b);
  }

  private static void flatten(String prefix, JsonNode n, Map<String, String> cells) {
    if (n != null && n.isObject() && n.size() > 0) {
      n.properties()
          .forEach(
              x ->
                  flatten(
                      prefix.isEmpty() ? x.getKey() : prefix + "." + x.getKey(),
                      x.getValue(),
                      cells));
    } else {
      cells.put(prefix, n == null || n.isNull() ? "" : n.isValueNode() ? n.asText() : n.toString());
    }
  }

  static String quote(String s) {
    boolean plain =
        s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0;
    return plain ? s : '"' + s.replace("\"", "\"\"") + '"';
  }
}
