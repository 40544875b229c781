package io.runnel.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import io.runnel.cli.CliException;
import io.runnel.cli.remote.RemoteClient;
import io.runnel.cli.remote.RemoteException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code runnel get KEY}: a record's current value. */
@Command(
    name = "get",
    description = "Print a record's current value as JSON (exit code 1 if it has none yet).")
public final class GetCommand extends RemoteCommand {

  @Parameters(paramLabel = "KEY", description = "the record key, e.g. sensor.temp.indoor")
  String key;

  @Option(names = "--pretty", description = "indent the JSON")
  boolean pretty;

  @Override
  int run(RemoteClient client) throws RemoteException, CliException {
    JsonNode result = client.call("get", Render.JSON.createObjectNode().put("key", key));
    boolean present = result.path("present").asBoolean(false);
    if (json) {
      out().println(Render.compact(result));
    } else if (present) {
      out()
          .println(
              pretty ? Render.pretty(result.get("value")) : Render.compact(result.get("value")));
    }
    if (!present) {
      throw CliException.failure(key + " has no value yet");
    }
    return 0;
  }
}
