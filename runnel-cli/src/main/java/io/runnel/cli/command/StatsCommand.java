package io.runnel.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import io.runnel.cli.remote.RemoteClient;
import io.runnel.cli.remote.RemoteException;
import picocli.CommandLine.Command;

/** {@code runnel stats}: the remote server's own counters. */
@Command(
    name = "stats",
    description =
        "Print the remote server's counters: connections, requests, rejections,"
            + " watches, writes and the history store's stats.")
public final class StatsCommand extends RemoteCommand {

  @Override
  int run(RemoteClient client) throws RemoteException {
    JsonNode result = client.call("stats", null);
    if (json) {
      out().println(Render.compact(result));
    } else {
      Render.flat(out(), "", result);
    }
    return 0;
  }
}
