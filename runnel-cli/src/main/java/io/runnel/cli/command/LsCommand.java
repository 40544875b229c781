package io.runnel.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import io.runnel.cli.remote.RemoteClient;
import io.runnel.cli.remote.RemoteException;
import picocli.CommandLine.Command;

/** {@code runnel ls}: the pipeline's records with their buffers and counters. */
@Command(
    name = "ls",
    description =
        "List the records: key, type, buffer, counters, flags (w: writable, p: persisted,"
            + " c: closed).")
public final class LsCommand extends RemoteCommand {

  @Override
  int run(RemoteClient client) throws RemoteException {
    JsonNode result = client.call("records", null);
    if (json) {
      out().println(Render.compact(result));
      return 0;
    }
    Render.Table t =
        new Render.Table(
            "KEY", "TYPE", "BUFFER", ">PRODUCED", ">DELIVERED", ">LAGGED", ">DROPPED", "FLAGS");
    for (JsonNode r : result.path("records")) {
      String buffer = Render.text(r, "buffer", "");
      int capacity = r.path("capacity").asInt(0);
      if (capacity > 1) {
        buffer += "(" + capacity + ")";
      }
      String flags =
          (r.path("writable").asBoolean() ? "w" : "")
              + (r.path("persisted").asBoolean() ? "p" : "")
              + (r.path("closed").asBoolean() ? "c" : "");
      t.row(
          Render.text(r, "key", "?"),
          Render.simpleType(Render.text(r, "type", "")),
          buffer,
          Render.text(r, "produced", "-"),
          Render.text(r, "delivered", "-"),
          Render.text(r, "lagged", "-"),
          Render.text(r, "dropped", "-"),
          flags);
    }
    t.print(out());
    return 0;
  }
}
