package io.runnel.cli.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runnel.cli.CliException;
import io.runnel.cli.command.Render;
import io.runnel.store.HistoryStore;
import io.runnel.store.Query;
import io.runnel.store.StoreStats;
import io.runnel.store.StoredEntry;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code runnel store info DIR}: what a store holds, per key, and its health counters. */
@Command(
    name = "info",
    description =
        "Summarise a store: segments, bytes, sequences, damage found on open, and per"
            + " key the entries, time range, bytes and schema. Reads every entry once.")
public final class StoreInfoCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = Render.JSON;
  private static final int PAGE = 4096;

  @Spec CommandSpec spec;

  @Parameters(paramLabel = "DIR", description = "the store directory")
  Path dir;

  @Option(names = "--json", description = "print JSON")
  boolean json;

  /** Per key: what the scan found. */
  private static final class KeyStats {
    long entries;
    long bytes;
    long firstSeq = -1;
    long lastSeq;
    Instant first;
    Instant last;
    final TreeMap<Long, Long> codecs = new TreeMap<>();
  }

  @Override
  public Integer call() throws CliException {
    PrintWriter out = spec.commandLine().getOut();
    Map<Long, String> schemas = StoreFiles.schemas(dir);
    TreeMap<String, KeyStats> keys = new TreeMap<>();
    StoreStats stats;
    Map<Long, Integer> versions = new java.util.HashMap<>();
    long entries = 0;
    try (HistoryStore store = StoreFiles.open(dir)) {
      long from = 0;
      while (true) {
        List<StoredEntry> page = store.query(Query.all().fromSequence(from).limit(PAGE));
        for (StoredEntry e : page) {
          KeyStats k = keys.computeIfAbsent(e.key(), x -> new KeyStats());
          k.entries++;
          k.bytes += e.payload().length;
          if (k.firstSeq < 0) {
            k.firstSeq = e.sequence();
            k.first = e.timestamp();
          }
          k.lastSeq = e.sequence();
          k.last = e.timestamp();
          k.codecs.merge(e.codecId(), 1L, Long::sum);
          if (e.writtenVersion() > 0) {
            versions.put(e.codecId(), e.writtenVersion());
          }
          entries++;
        }
        if (page.size() < PAGE) {
          break;
        }
        from = page.get(page.size() - 1).sequence() + 1;
      }
      stats = store.stats();
    } catch (IOException e) {
      throw CliException.failure("reading the store in " + dir + " failed: " + e.getMessage());
    }
    if (json) {
      ObjectNode o = JSON.createObjectNode();
      o.put("directory", dir.toString());
      o.put("segments", stats.segments());
      o.put("bytes", stats.totalBytes());
      o.put("entries", entries);
      o.put("lastSequence", stats.writtenSequence());
      o.put("durableSequence", stats.durableSequence());
      o.put("damagedRegions", stats.damagedRegions());
      o.put("damagedBytes", stats.damagedBytes());
      o.put("tornTailBytes", stats.tornTailBytes());
      ArrayNode ks = o.putArray("keys");
      keys.forEach(
          (key, k) -> {
            ObjectNode x = ks.addObject();
            x.put("key", key).put("entries", k.entries).put("bytes", k.bytes);
            x.put("firstSeq", k.firstSeq).put("lastSeq", k.lastSeq);
            x.put("first", k.first.toString()).put("last", k.last.toString());
            ArrayNode cs = x.putArray("codecs");
            k.codecs.forEach(
                (id, n) -> {
                  ObjectNode c = cs.addObject().put("id", Long.toHexString(id)).put("entries", n);
                  c.put("schema", schemas.get(id));
                  if (versions.containsKey(id)) {
                    c.put("version", versions.get(id)); // of a versioned type (decision 022)
                  }
                  c.put("decodable", SchemaDecoder.forSchema(id, schemas.get(id)).isPresent());
                });
          });
      out.println(o);
      out.flush();
      return 0;
    }
    out.println("store      " + dir);
    out.println("segments   " + stats.segments() + " (" + stats.totalBytes() + " bytes)");
    out.println(
        "entries    "
            + entries
            + (entries == 0 ? "" : ", last sequence " + stats.writtenSequence()));
    if (stats.damagedRegions() > 0 || stats.tornTailBytes() > 0) {
      out.println(
          "damage     "
              + stats.damagedRegions()
              + " damaged region(s), "
              + stats.damagedBytes()
              + " bytes skipped; torn tail cut: "
              + stats.tornTailBytes()
              + " bytes");
    } else {
      out.println("damage     none found");
    }
    out.println();
    Render.Table t =
        new Render.Table(
            "KEY", ">ENTRIES", ">BYTES", ">FIRST SEQ", ">LAST SEQ", "FIRST", "LAST", "SCHEMA");
    keys.forEach(
        (key, k) -> {
          StringBuilder schema = new StringBuilder();
          for (Long id : k.codecs.keySet()) {
            String s = schemas.get(id);
            schema
                .append(schema.isEmpty() ? "" : " | ")
                .append(s != null ? s : "codec " + Long.toHexString(id) + " (schema unknown)");
          }
          t.row(key, k.entries, k.bytes, k.firstSeq, k.lastSeq, k.first, k.last, schema);
        });
    t.print(out);
    out.flush();
    return 0;
  }
}
