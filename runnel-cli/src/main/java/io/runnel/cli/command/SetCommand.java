package io.runnel.cli.command;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.runnel.cli.CliException;
import io.runnel.cli.remote.RemoteClient;
import io.runnel.cli.remote.RemoteException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code runnel set KEY JSON}: writes a value into a record the pipeline declared writable. */
@Command(
    name = "set",
    description =
        "Write a value (JSON) into a writable record. Needs a write token; the record"
            + " must be external() in the pipeline and on the server's write allow-list.")
public final class SetCommand extends RemoteCommand {

  @Parameters(index = "0", paramLabel = "KEY", description = "the record key")
  String key;

  @Parameters(
      index = "1",
      paramLabel = "JSON",
      description =
          "the value, e.g. '{\"celsius\":21.5}' or 42 (quote it for the shell); - reads it from"
              + " stdin")
  String value;

  @Override
  boolean needsWrite() {
    return true;
  }

  @Override
  public int run(RemoteClient client) throws RemoteException, CliException {
    JsonNode v = parse(key, value.equals("-") ? stdin() : value);
    JsonNode result =
        client.call("set", Render.JSON.createObjectNode().put("key", key).set("value", v));
    if (json) {
      out().println(Render.compact(result));
    } else {
      out().println(key + ": accepted");
    }
    return 0;
  }

  private static String stdin() throws CliException {
    try {
      byte[] b = System.in.readNBytes(RemoteClient.MAX_MESSAGE_BYTES + 1);
      if (b.length > RemoteClient.MAX_MESSAGE_BYTES) {
        throw CliException.usage("the value on stdin is larger than 16 MiB");
      }
      return new String(b, java.nio.charset.StandardCharsets.UTF_8);
    } catch (java.io.IOException e) {
      throw CliException.failure("cannot read the value from stdin: " + e.getMessage());
    }
  }

  static JsonNode parse(String key, String value) throws CliException {
    try {
      JsonNode v = Render.JSON.readTree(value);
      if (v == null || v.isMissingNode()) {
        throw CliException.usage("no value given for " + key);
      }
      return v;
    } catch (JsonProcessingException e) {
      String where = e.getLocation() == null ? "" : " at column " + e.getLocation().getColumnNr();
      String why = e.getOriginalMessage().replaceAll("\\s*\\(start marker at \\[Source.*$", "");
      throw CliException.usage("the value for " + key + " is not valid JSON" + where + ": " + why);
    }
  }
}
