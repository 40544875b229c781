package io.runnel.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import io.runnel.cli.remote.RemoteClient;
import io.runnel.cli.remote.RemoteException;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code runnel graph}: the pipeline's graph, as text, DOT or Mermaid. */
@Command(
    name = "graph",
    description = "Print the pipeline's graph: edges as text, or --dot (Graphviz), --mermaid.")
public final class GraphCommand extends RemoteCommand {

  static final class Format {
    @Option(names = "--dot", description = "Graphviz DOT")
    boolean dot;

    @Option(names = "--mermaid", description = "Mermaid flowchart")
    boolean mermaid;
  }

  @ArgGroup(exclusive = true)
  Format format;

  @Override
  int run(RemoteClient client) throws RemoteException {
    String f = format == null ? "json" : format.dot ? "dot" : "mermaid";
    JsonNode result = client.call("graph", Render.JSON.createObjectNode().put("format", f));
    if (json) {
      out().println(Render.compact(result));
    } else if (!f.equals("json")) {
      out().print(Render.text(result, "text", ""));
      if (!Render.text(result, "text", "").endsWith("\n")) {
        out().println();
      }
    } else {
      for (JsonNode e : result.path("edges")) {
        out().println(edge(e));
      }
    }
    return 0;
  }

  private static String edge(JsonNode e) {
    return Render.text(e, "from", "?") + " -> " + Render.text(e, "to", "?");
  }
}
