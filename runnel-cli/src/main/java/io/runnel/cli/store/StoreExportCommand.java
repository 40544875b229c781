package io.runnel.cli.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runnel.RecordKey;
import io.runnel.cli.CliException;
import io.runnel.cli.command.TimeArgs;
import io.runnel.store.HistoryStore;
import io.runnel.store.Query;
import io.runnel.store.StoredEntry;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code runnel store export DIR --out FILE [--key K ...] [--from T] [--to T]}: a time range of a
 * history store as an MCAP file that Foxglove (or Lichtblick, or the {@code mcap} tools) opens like
 * a rosbag. One channel per key and codec (topic = the key, message encoding {@code json}), a JSON
 * Schema derived from the schema text the store recorded, log time = the entry's time. The store is
 * read page by page and the file written chunk by chunk, so memory stays bounded whatever the size.
 */
@Command(
    name = "export",
    description =
        "Export a time range of the store to an MCAP file (JSON messages with JSON Schemas,"
            + " chunked and indexed) for Foxglove or Lichtblick. Values are decoded from the schema"
            + " the store recorded; payloads of other codecs are exported as base64.")
public final class StoreExportCommand implements Callable<Integer> {
  static final int PAGE = 4096;
  static final int CHUNK_BYTES = 1 << 20;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String RAW_SCHEMA =
      "{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",\"title\":\"runnel raw"
          + " payload\",\"type\":\"object\",\"properties\":{\"codec\":{\"type\":\"string\"},"
          + "\"payload\":{\"type\":\"string\",\"contentEncoding\":\"base64\"},"
          + "\"decodeError\":{\"type\":\"string\"}},\"required\":[\"codec\",\"payload\"]}";

  @Spec CommandSpec spec;

  @Parameters(paramLabel = "DIR", description = "the store directory")
  Path dir;

  @Option(
      names = {"--out", "-o"},
      required = true,
      paramLabel = "FILE",
      description = "the MCAP file to write (e.g. run.mcap)")
  Path outFile;

  @Option(
      names = "--key",
      paramLabel = "KEY",
      description = "a key to export (repeatable; default: every key)")
  List<String> keys = new ArrayList<>();

  @Option(
      names = "--from",
      paramLabel = "TIME|AGO",
      description = "from this ISO-8601 instant or duration ago (inclusive)")
  String from;

  @Option(
      names = "--to",
      paramLabel = "TIME|AGO",
      description = "up to this ISO-8601 instant or duration ago (exclusive)")
  String to;

  @Option(names = "--force", description = "replace FILE if it exists")
  boolean force;

  /** A channel per (key, codec id). */
  private record ChannelKey(String key, long codec) {}

  private record Target(int channel, Optional<SchemaDecoder> decoder) {}

  @Override
  public Integer call() throws CliException {
    Set<String> wanted = new LinkedHashSet<>();
    for (String k : keys) {
      Optional<String> p = RecordKey.problem(k);
      if (p.isPresent()) {
        throw CliException.usage("--key " + k + ": " + p.get());
      }
      wanted.add(k);
    }
    Instant now = Instant.now();
    Instant fromT = from == null ? Instant.MIN : TimeArgs.instant("--from", from, now);
    Instant toT = to == null ? Instant.MAX : TimeArgs.instant("--to", to, now);
    if (!fromT.isBefore(toT)) {
      throw CliException.usage("--from " + from + " is not before --to " + to);
    }
    if (Files.isDirectory(outFile)) {
      throw CliException.failure(outFile + " is a directory: --out needs a file name");
    }
    if (Files.exists(outFile) && !force) {
      throw CliException.failure(outFile + " exists: pass --force to replace it");
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    StoreFiles.Decoders decoders = new StoreFiles.Decoders(StoreFiles.schemas(dir));
    Path parent = outFile.toAbsolutePath().getParent();
    Path tmp;
    try (HistoryStore store = StoreFiles.open(dir)) {
      for (String k : wanted) {
        RecordKey rk = () -> k;
        boolean none;
        try {
          none = store.query(Query.all().key(rk).limit(1)).isEmpty();
        } catch (IOException e) {
          throw CliException.failure("reading the store in " + dir + " failed: " + e.getMessage());
        }
        if (none) {
          throw CliException.failure("no key '" + k + "' in " + dir + " (no entries of it)");
        }
      }
      try {
        tmp = Files.createTempFile(parent, "." + outFile.getFileName() + ".", ".part");
      } catch (IOException e) {
        throw CliException.failure("cannot write in " + parent + ": " + e.getMessage());
      }
      Stats s;
      try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16);
          McapWriter w = new McapWriter(os, "runnel " + version(), CHUNK_BYTES)) {
        s = export(store, wanted, fromT, toT, decoders, w, err);
        if (w.messages() > 0) {
          w.finish();
        }
        s.chunks = w.chunks();
      } catch (IOException e) {
        deleteQuietly(tmp);
        throw CliException.failure(
            "export to " + outFile + " failed: " + e.getMessage() + " (nothing written)");
      } catch (RuntimeException e) {
        deleteQuietly(tmp);
        throw e;
      }
      if (s.messages == 0) {
        deleteQuietly(tmp);
        throw CliException.failure(
            "no entries"
                + (wanted.isEmpty() ? "" : " of " + String.join(", ", wanted))
                + " in "
                + dir
                + (from != null || to != null ? " in that range" : "")
                + ": nothing exported");
      }
      try {
        try {
          Files.move(
              tmp, outFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(tmp, outFile, StandardCopyOption.REPLACE_EXISTING);
        }
      } catch (IOException e) {
        deleteQuietly(tmp);
        throw CliException.failure("cannot write " + outFile + ": " + e.getMessage());
      }
      long bytes;
      try {
        bytes = Files.size(outFile);
      } catch (IOException e) {
        bytes = -1;
      }
      out.println(
          "exported "
              + s.messages
              + " entries of "
              + s.keys.size()
              + " key(s) on "
              + s.channels
              + " channel(s) in "
              + s.chunks
              + " chunk(s), "
              + Instant.ofEpochSecond(0, s.first)
              + " .. "
              + Instant.ofEpochSecond(0, s.last)
              + ", to "
              + outFile
              + " ("
              + bytes
              + " bytes)");
      if (s.raw > 0) {
        err.println(
            "note: "
                + s.raw
                + " entries had no derivable schema or did not decode: exported as base64"
                + " payloads");
      }
      return 0;
    }
  }

  private static final class Stats {
    long messages;
    long raw;
    long first = Long.MAX_VALUE;
    long last = Long.MIN_VALUE;
    int channels;
    int chunks;
    final Set<String> keys = new LinkedHashSet<>();
  }

  private Stats export(
      HistoryStore store,
      Set<String> wanted,
      Instant fromT,
      Instant toT,
      StoreFiles.Decoders decoders,
      McapWriter w,
      PrintWriter err)
      throws IOException {
    Stats s = new Stats();
    Map<ChannelKey, Target> targets = new HashMap<>();
    Map<Long, Integer> schemaIds = new HashMap<>();
    int rawSchema = 0;
    Query q = Query.all().between(fromT, toT).limit(PAGE);
    if (wanted.size() == 1) {
      String only = wanted.iterator().next();
      q = q.key(() -> only);
    }
    long next = 0;
    while (true) {
      List<StoredEntry> page = store.query(q.fromSequence(next));
      for (StoredEntry e : page) {
        if (!wanted.isEmpty() && !wanted.contains(e.key())) {
          continue;
        }
        ChannelKey ck = new ChannelKey(e.key(), e.codecId());
        Target t = targets.get(ck);
        if (t == null) {
          Optional<SchemaDecoder> d = decoders.decoder(e.codecId());
          String schemaText = decoders.schema(e.codecId());
          int schemaId;
          if (d.isPresent()) {
            Integer known = schemaIds.get(e.codecId());
            if (known == null) {
              known =
                  w.schema(
                      SchemaDecoder.typeName(schemaText),
                      "jsonschema",
                      JSON.writeValueAsBytes(d.get().jsonSchema()));
              schemaIds.put(e.codecId(), known);
            }
            schemaId = known;
          } else {
            if (rawSchema == 0) {
              rawSchema =
                  w.schema(
                      "runnel.RawPayload",
                      "jsonschema",
                      RAW_SCHEMA.getBytes(StandardCharsets.UTF_8));
            }
            schemaId = rawSchema;
            err.println(
                "note: key "
                    + e.key()
                    + ": codec "
                    + Long.toHexString(e.codecId())
                    + " has no derivable schema ("
                    + (schemaText == null ? "none recorded" : schemaText)
                    + "): its payloads are exported as base64");
          }
          Map<String, String> meta = new HashMap<>();
          meta.put("runnel.codec", Long.toHexString(e.codecId()));
          if (e.writtenVersion() > 0) {
            meta.put("runnel.version", Integer.toString(e.writtenVersion()));
          }
          if (schemaText != null) {
            meta.put("runnel.schema", schemaText);
          }
          t = new Target(w.channel(schemaId, e.key(), "json", meta), d);
          targets.put(ck, t);
          s.channels++;
          s.keys.add(e.key());
        }
        long nanos = Math.multiplyExact(e.timestampMicros(), 1000L);
        w.message(t.channel(), e.sequence(), nanos, nanos, payload(e, t, s));
        s.messages++;
        s.first = Math.min(s.first, nanos);
        s.last = Math.max(s.last, nanos);
      }
      if (page.size() < PAGE) {
        break;
      }
      next = page.get(page.size() - 1).sequence() + 1;
    }
    return s;
  }

  private static byte[] payload(StoredEntry e, Target t, Stats s) throws JsonProcessingException {
    if (t.decoder().isPresent()) {
      SchemaDecoder d = t.decoder().get();
      if (d.payloadIsJson()) {
        return e.payload();
      }
      try {
        return JSON.writeValueAsBytes(d.decode(e.payload()));
      } catch (IllegalArgumentException ex) {
        s.raw++;
        ObjectNode o = raw(e);
        o.put("decodeError", ex.getMessage());
        return JSON.writeValueAsBytes(o);
      }
    }
    s.raw++;
    return JSON.writeValueAsBytes(raw(e));
  }

  private static ObjectNode raw(StoredEntry e) {
    ObjectNode o = JSON.createObjectNode();
    o.put("codec", Long.toHexString(e.codecId()));
    o.put("payload", Base64.getEncoder().encodeToString(e.payload()));
    return o;
  }

  private static String version() {
    String v = StoreExportCommand.class.getPackage().getImplementationVersion();
    return v == null ? "development" : v;
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      // best effort: a stray .part file names itself
    }
  }
}
