package io.runnel.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import io.runnel.cli.CliException;
import io.runnel.cli.remote.RemoteClient;
import io.runnel.cli.remote.RemoteException;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code runnel top}: lanes, tasks and their lateness, refreshed. */
@Command(
    name = "top",
    description =
        "Show lanes (busy, wake-to-run delay, watchdog) and tasks (state, failures,"
            + " lateness), refreshed every --interval; --once prints one frame.")
public final class TopCommand extends RemoteCommand {

  @Option(names = "--once", description = "print one frame and exit")
  boolean once;

  @Option(
      names = "--interval",
      paramLabel = "DURATION",
      defaultValue = "2s",
      description = "refresh period (default: ${DEFAULT-VALUE})")
  String interval;

  @Option(names = "-n", paramLabel = "N", description = "stop after N frames")
  Long frames;

  @Override
  int run(RemoteClient client) throws RemoteException, CliException {
    Duration every = TimeArgs.duration("--interval", interval);
    long limit = once ? 1 : frames == null ? Long.MAX_VALUE : frames;
    boolean clear = !once && !json && System.console() != null; // a terminal, not a pipe
    for (long i = 0; i < limit; i++) {
      JsonNode snapshot = client.call("inspect", null);
      if (clear) {
        out().print("\033[H\033[2J");
      }
      if (json) {
        out().println(Render.compact(snapshot));
      } else {
        frame(out(), client.hello(), snapshot);
      }
      if (out().checkError()) {
        return 0; // the reader of our output went away
      }
      if (i + 1 < limit) {
        try {
          Thread.sleep(every); // the refresh period itself, not a synchronisation
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return 0;
        }
      }
    }
    return 0;
  }

  static void frame(PrintWriter out, JsonNode hello, JsonNode s) {
    out.println(
        "runnel top  "
            + Render.text(hello, "pipeline", "?")
            + " on "
            + Render.text(hello, "node", "?")
            + "  "
            + Instant.now().truncatedTo(ChronoUnit.SECONDS));
    out.println();
    Render.Table lanes =
        new Render.Table(
            "LANE",
            "KIND",
            ">THREADS",
            ">BUSY",
            ">WAKE p50",
            ">WAKE p99",
            ">WAKE max",
            ">WATCHDOG",
            ">REJECTED");
    for (JsonNode l : s.path("lanes")) {
      JsonNode wake = l.path("wakeToRun");
      lanes.row(
          Render.text(l, "name", "?"),
          Render.text(l, "kind", ""),
          Render.text(l, "liveThreads", "-"),
          Render.percent(l.get("busyRatio")),
          Render.nanos(wake.get("p50Nanos")),
          Render.nanos(wake.get("p99Nanos")),
          Render.nanos(wake.get("maxNanos")),
          Render.text(l, "watchdogReports", "-"),
          Render.text(l, "rejected", "-"));
    }
    lanes.print(out);
    out.println();
    Render.Table tasks =
        new Render.Table(
            "TASK",
            "KIND",
            "LANE",
            "STATE",
            ">FAILURES",
            ">RESTARTS",
            ">LATE p50",
            ">LATE p99",
            ">LATE max",
            ">MISSED TICKS");
    for (JsonNode t : s.path("tasks")) {
      JsonNode late = t.path("lateness");
      boolean periodic = late.path("ticks").asLong(0) > 0;
      tasks.row(
          Render.text(t, "id", "?"),
          Render.text(t, "kind", "").toLowerCase(java.util.Locale.ROOT),
          Render.text(t, "lane", ""),
          Render.text(t, "state", ""),
          Render.text(t, "failures", "-"),
          Render.text(t, "restarts", "-"),
          periodic ? Render.nanos(late.get("p50Nanos")) : "-",
          periodic ? Render.nanos(late.get("p99Nanos")) : "-",
          periodic ? Render.nanos(late.get("maxNanos")) : "-",
          periodic ? Render.text(late, "missedTicks", "-") : "-");
    }
    tasks.print(out);
    JsonNode connectors = s.path("connectors");
    if (connectors.size() > 0) {
      out.println();
      Render.Table c =
          new Render.Table(
              "CONNECTOR",
              "KIND",
              "CONNECTED",
              ">BACKLOG",
              ">RETRIES",
              ">DEAD LETTERS",
              "LAST ERROR");
      for (JsonNode x : connectors) {
        c.row(
            Render.text(x, "name", "?"),
            Render.text(x, "kind", ""),
            x.path("connected").asBoolean() ? "yes" : "NO",
            Render.text(x, "backlog", "-"),
            Render.text(x, "retries", "-"),
            Render.text(x, "deadLetters", "-"),
            Render.text(x, "lastError", ""));
      }
      c.print(out);
    }
  }
}
