package io.runnel.cli.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runnel.RecordKey;
import io.runnel.cli.CliException;
import io.runnel.cli.command.CsvOut;
import io.runnel.cli.command.Render;
import io.runnel.cli.command.TimeArgs;
import io.runnel.store.HistoryStore;
import io.runnel.store.Query;
import io.runnel.store.StoredEntry;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code runnel store dump DIR --key K}: the entries of one key. Values written by a {@code
 * RecordCodec} or {@code JsonCodec} are decoded from the schema the store recorded; others are
 * shown with their codec id, schema (when known) and payload.
 */
@Command(
    name = "dump",
    description =
        "Print the entries of one key as JSON lines or CSV. Values are decoded from the"
            + " schema the store recorded (RecordCodec, JsonCodec); other payloads are shown as"
            + " base64 (JSON) or hex (CSV) with their codec id.")
public final class StoreDumpCommand implements Callable<Integer> {
  private static final int PAGE = 1024;

  @Spec CommandSpec spec;

  @Parameters(paramLabel = "DIR", description = "the store directory")
  Path dir;

  @Option(names = "--key", required = true, paramLabel = "KEY", description = "the record key")
  String key;

  @Option(
      names = "--format",
      paramLabel = "json|csv",
      defaultValue = "json",
      description = "json (one object per line) or csv (default: ${DEFAULT-VALUE})")
  String format;

  @Option(
      names = "--since",
      paramLabel = "SEQ|TIME|AGO",
      description = "from this sequence, ISO-8601 instant or duration ago")
  String since;

  @Option(
      names = "--until",
      paramLabel = "TIME|AGO",
      description = "up to (excluding) this instant or duration ago")
  String until;

  @Option(names = "--limit", paramLabel = "N", description = "stop after N entries")
  Long limit;

  @Option(names = "--raw", description = "do not decode: show every payload")
  boolean raw;

  @Override
  public Integer call() throws CliException {
    if (!format.equals("json") && !format.equals("csv")) {
      throw CliException.usage("--format must be json or csv, not '" + format + "'");
    }
    RecordKey.problem(key)
        .ifPresent(
            p -> {
              throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--key: " + p);
            });
    Instant now = Instant.now();
    long fromSeq = 0;
    Instant from = Instant.MIN;
    Instant to = Instant.MAX;
    if (since != null) {
      TimeArgs.Since s = TimeArgs.since("--since", since, now);
      if (s.seq() != null) {
        fromSeq = s.seq();
      } else {
        from = s.time();
      }
    }
    if (until != null) {
      to = TimeArgs.instant("--until", until, now);
    }
    PrintWriter out = spec.commandLine().getOut();
    StoreFiles.Decoders decoders = new StoreFiles.Decoders(StoreFiles.schemas(dir));
    RecordKey k = () -> key;
    long printed = 0;
    CsvOut csv = format.equals("csv") ? new CsvOut(out) : null;
    try (HistoryStore store = StoreFiles.open(dir)) {
      Query q = Query.all().key(k).between(from, to).limit(PAGE);
      long next = fromSeq;
      while (limit == null || printed < limit) {
        List<StoredEntry> page = store.query(q.fromSequence(next));
        for (StoredEntry e : page) {
          if (limit != null && printed >= limit) {
            break;
          }
          ObjectNode o = entry(e, decoders);
          if (csv != null) {
            csvRow(csv, o, e);
          } else {
            out.println(o);
          }
          printed++;
        }
        if (out.checkError()) {
          return 0; // the reader of our output went away
        }
        if (page.size() < PAGE) {
          break;
        }
        next = page.get(page.size() - 1).sequence() + 1;
      }
    } catch (IOException e) {
      throw CliException.failure("reading the store in " + dir + " failed: " + e.getMessage());
    }
    if (printed == 0) {
      throw CliException.failure(
          "no entries of "
              + key
              + " in "
              + dir
              + (since != null || until != null ? " in that range" : ""));
    }
    return 0;
  }

  private static void csvRow(CsvOut csv, ObjectNode o, StoredEntry e) {
    JsonNode value = o.get("value");
    if (value != null) {
      csv.entry(e.sequence(), e.timestamp().toString(), value);
    } else {
      Map<String, String> cells = new LinkedHashMap<>();
      cells.put("codec", Long.toHexString(e.codecId()));
      cells.put("payload_hex", HexFormat.of().formatHex(e.payload()));
      csv.cells(e.sequence(), e.timestamp().toString(), cells);
    }
  }

  private ObjectNode entry(StoredEntry e, StoreFiles.Decoders decoders) {
    ObjectNode o = Render.JSON.createObjectNode();
    o.put("seq", e.sequence());
    o.put("time", e.timestamp().toString());
    if (e.writtenVersion() > 0) {
      o.put("version", e.writtenVersion()); // the type's version, as the store recorded it
    }
    Optional<SchemaDecoder> d = raw ? Optional.empty() : decoders.decoder(e.codecId());
    if (d.isPresent()) {
      try {
        o.set("value", d.get().decode(e.payload()));
        return o;
      } catch (RuntimeException ex) {
        o.put("decodeError", ex.getMessage());
      }
    }
    o.put("codec", Long.toHexString(e.codecId()));
    o.put("schema", decoders.schema(e.codecId()));
    o.put("payload", Base64.getEncoder().encodeToString(e.payload()));
    return o;
  }
}
