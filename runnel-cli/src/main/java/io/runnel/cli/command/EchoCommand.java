package io.runnel.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runnel.cli.CliException;
import io.runnel.cli.remote.RemoteClient;
import io.runnel.cli.remote.RemoteException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code runnel echo KEY...}: prints values live as they are produced, like {@code ros2 topic
 * echo}; with {@code --since} from history first. Values a slow terminal could not take are
 * reported as {@code missed N KEY (total T)} lines: the pipeline never waits for a watcher.
 */
@Command(
    name = "echo",
    description =
        "Print the values of records live as they are produced (Ctrl-C stops)."
            + " Values this client missed are reported as 'missed N KEY (total T)' lines.")
public final class EchoCommand extends RemoteCommand {

  @Parameters(arity = "1..*", paramLabel = "KEY", description = "record keys")
  List<String> keys;

  @Option(
      names = "--since",
      paramLabel = "SEQ|TIME|AGO",
      description =
          "start from history: a sequence, an ISO-8601 instant or a duration ago"
              + " (10m); needs persisted records")
  String since;

  @Option(names = "-n", paramLabel = "N", description = "stop after N values")
  Long count;

  @Option(
      names = "--queue",
      paramLabel = "N",
      description = "the subscription's queue on the server (default: the server's)")
  Integer queue;

  @Override
  int run(RemoteClient client) throws RemoteException, CliException {
    if (count != null && count < 1) {
      throw CliException.usage("-n must be at least 1");
    }
    ObjectNode p = Render.JSON.createObjectNode();
    ArrayNode k = p.putArray("keys");
    keys.forEach(k::add);
    if (queue != null) {
      p.put("queue", queue);
    }
    if (since != null) {
      p.set("since", TimeArgs.since("--since", since, Instant.now()).toJson());
    }
    JsonNode sub = client.call("watch", p).get("sub");
    boolean prefixKey = keys.size() > 1;
    Set<String> open = new HashSet<>(keys);
    long printed = 0;
    while (count == null || printed < count) {
      RemoteClient.Notification n = client.nextNotification(Duration.ofSeconds(1));
      if (n == null || !n.params().path("sub").equals(sub)) {
        continue;
      }
      JsonNode v = n.params();
      String key = Render.text(v, "key", "?");
      switch (n.method()) {
        case "watch.value" -> {
          printed++;
          out().println(json ? valueJson(v) : valueText(v, prefixKey));
        }
        case "watch.missed" -> {
          if (json) {
            out().println(missedJson(v));
          } else {
            out()
                .println(
                    "missed "
                        + v.path("count").asLong()
                        + " "
                        + key
                        + " (total "
                        + v.path("total").asLong()
                        + ")");
          }
        }
        case "watch.end" -> {
          err().println(key + ": stream ended (" + Render.text(v, "reason", "?") + ")");
          open.remove(key);
          if (open.isEmpty()) {
            out().flush();
            return "error".equals(Render.text(v, "reason", "")) ? 1 : 0;
          }
        }
        default -> {
          // a notification of a later protocol revision: not for this command
        }
      }
      if (out().checkError()) {
        return 0; // the reader of our output went away (`| head`): stop like any Unix filter
      }
    }
    try {
      client.call("unwatch", Render.JSON.createObjectNode().set("sub", sub));
    } catch (RemoteException e) {
      // leaving anyway: the close ends the subscription too
    }
    return 0;
  }

  private static String valueText(JsonNode v, boolean prefixKey) {
    StringBuilder b = new StringBuilder();
    if (prefixKey) {
      b.append(Render.text(v, "key", "?")).append(' ');
    }
    if (v.hasNonNull("seq")) {
      b.append('#').append(v.get("seq").asLong()).append(' ');
    }
    if (v.hasNonNull("time")) {
      b.append(v.get("time").asText()).append(' ');
    }
    return b.append(Render.compact(v.get("value"))).toString();
  }

  private static String valueJson(JsonNode v) {
    ObjectNode o = Render.JSON.createObjectNode();
    o.set("key", v.get("key"));
    if (v.has("seq")) {
      o.set("seq", v.get("seq"));
    }
    if (v.has("time")) {
      o.set("time", v.get("time"));
    }
    o.set("value", v.get("value"));
    return o.toString();
  }

  private static String missedJson(JsonNode v) {
    ObjectNode o = Render.JSON.createObjectNode();
    o.set("key", v.get("key"));
    o.set("missed", v.get("count"));
    o.set("total", v.get("total"));
    return o.toString();
  }
}
