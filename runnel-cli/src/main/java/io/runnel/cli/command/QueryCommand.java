package io.runnel.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runnel.cli.CliException;
import io.runnel.cli.remote.RemoteClient;
import io.runnel.cli.remote.RemoteException;
import java.time.Instant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code runnel query KEY}: a record's history over a range, every page of it. */
@Command(
    name = "query",
    description =
        "Print a record's history between --since and --until, page by page, as JSON"
            + " lines ({seq,time,value}) or CSV (seq,time,value columns).")
public final class QueryCommand extends RemoteCommand {

  @Parameters(paramLabel = "KEY", description = "the record key (a persisted record)")
  String key;

  @Option(
      names = "--since",
      paramLabel = "SEQ|TIME|AGO",
      description = "from this sequence, ISO-8601 instant or duration ago (10m); default: all")
  String since;

  @Option(
      names = "--until",
      paramLabel = "TIME|AGO",
      description = "up to (excluding) this ISO-8601 instant or duration ago; default: now")
  String until;

  @Option(
      names = "--format",
      paramLabel = "json|csv",
      defaultValue = "json",
      description = "json (one object per line) or csv (default: ${DEFAULT-VALUE})")
  String format;

  @Option(
      names = "--page",
      paramLabel = "N",
      description = "entries per request (default: the server's; at most its maxPageEntries)")
  Integer page;

  @Option(names = "--limit", paramLabel = "N", description = "stop after N entries")
  Long limit;

  @Override
  int run(RemoteClient client) throws RemoteException, CliException {
    if (!format.equals("json") && !format.equals("csv")) {
      throw CliException.usage("--format must be json or csv, not '" + format + "'");
    }
    Instant now = Instant.now();
    ObjectNode base = Render.JSON.createObjectNode().put("key", key);
    Long afterSeq = null;
    if (since != null) {
      TimeArgs.Since s = TimeArgs.since("--since", since, now);
      if (s.seq() != null) {
        afterSeq = s.seq() - 1;
      } else {
        base.put("from", s.time().toString());
      }
    }
    if (until != null) {
      base.put("to", TimeArgs.instant("--until", until, now).toString());
    }
    if (page != null) {
      base.put("limit", page);
    }
    CsvOut csv = format.equals("csv") ? new CsvOut(out()) : null;
    long printed = 0;
    while (true) {
      ObjectNode p = base.deepCopy();
      if (afterSeq != null && afterSeq >= 0) {
        p.put("afterSeq", afterSeq);
      }
      JsonNode result = client.call("query", p);
      for (JsonNode e : result.path("entries")) {
        if (limit != null && printed >= limit) {
          out().flush();
          return 0;
        }
        if (csv != null) {
          csv.entry(e.path("seq").asLong(), Render.text(e, "time", ""), e.get("value"));
        } else {
          out().println(Render.compact(e));
        }
        printed++;
      }
      if (out().checkError()) {
        return 0; // the reader of our output went away: fetch no more pages
      }
      JsonNode next = result.get("next");
      if (next == null || next.isNull()) {
        return 0;
      }
      afterSeq = next.asLong();
    }
  }
}
