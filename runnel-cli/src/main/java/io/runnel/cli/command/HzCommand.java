package io.runnel.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runnel.cli.CliException;
import io.runnel.cli.remote.RemoteClient;
import io.runnel.cli.remote.RemoteException;
import java.time.Duration;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code runnel hz KEY}: the rate at which a record's values arrive, and their jitter, over a
 * window of the last N arrivals, refreshed every interval (like {@code ros2 topic hz}). Times are
 * this client's arrival times, so network and scheduling delays are part of the jitter.
 */
@Command(
    name = "hz",
    description =
        "Show the rate and jitter of a record's values over the last --window arrivals,"
            + " refreshed every --interval (arrival times at this client).")
public final class HzCommand extends RemoteCommand {

  @Parameters(paramLabel = "KEY", description = "the record key")
  String key;

  @Option(
      names = "--window",
      paramLabel = "N",
      defaultValue = "100",
      description = "arrivals to compute over (default: ${DEFAULT-VALUE})")
  int window;

  @Option(
      names = "--interval",
      paramLabel = "DURATION",
      defaultValue = "1s",
      description = "how often to print (default: ${DEFAULT-VALUE})")
  String interval;

  @Option(names = "-n", paramLabel = "N", description = "stop after N reports")
  Long reports;

  /** Arrival times (nanoTime) of the last {@code window} values: a ring. */
  private long[] arrivals;

  private long seen;

  @Override
  int run(RemoteClient client) throws RemoteException, CliException {
    if (window < 2) {
      throw CliException.usage("--window must be at least 2");
    }
    if (reports != null && reports < 1) {
      throw CliException.usage("-n must be at least 1");
    }
    Duration every = TimeArgs.duration("--interval", interval);
    arrivals = new long[window];
    ObjectNode p = Render.JSON.createObjectNode();
    p.putArray("keys").add(key);
    JsonNode sub = client.call("watch", p).get("sub");
    long printed = 0;
    long missed = 0;
    long next = System.nanoTime() + every.toNanos();
    boolean first = true; // a latest record's current value is not an arrival of the stream
    while (reports == null || printed < reports) {
      long now = System.nanoTime();
      if (now >= next) {
        out().println(report(missed));
        if (out().checkError()) {
          return 0; // the reader of our output went away
        }
        printed++;
        next += every.toNanos();
        continue;
      }
      RemoteClient.Notification n = client.nextNotification(Duration.ofNanos(next - now));
      if (n == null || !n.params().path("sub").equals(sub)) {
        continue;
      }
      switch (n.method()) {
        case "watch.value" -> {
          if (first) {
            first = false;
          } else {
            arrivals[(int) (seen++ % window)] = System.nanoTime();
          }
        }
        case "watch.missed" -> missed += n.params().path("count").asLong();
        case "watch.end" -> {
          out().println(report(missed));
          err().println(key + ": stream ended (" + Render.text(n.params(), "reason", "?") + ")");
          return 0;
        }
        default -> {}
      }
    }
    try {
      client.call("unwatch", Render.JSON.createObjectNode().set("sub", sub));
    } catch (RemoteException e) {
      // leaving anyway
    }
    return 0;
  }

  private String report(long missed) {
    int n = (int) Math.min(seen, window);
    if (n < 2) {
      return json
          ? Render.JSON.createObjectNode().put("key", key).put("samples", n).toString()
          : key + "  no rate yet (" + n + " value" + (n == 1 ? "" : "s") + ")";
    }
    double[] d = new double[n - 1];
    long oldest = seen - n;
    for (int i = 0; i < n - 1; i++) {
      long a = arrivals[(int) ((oldest + i) % window)];
      long b = arrivals[(int) ((oldest + i + 1) % window)];
      d[i] = (b - a) / 1e9;
    }
    double sum = 0;
    double min = Double.MAX_VALUE;
    double max = 0;
    for (double x : d) {
      sum += x;
      min = Math.min(min, x);
      max = Math.max(max, x);
    }
    double mean = sum / d.length;
    double var = 0;
    for (double x : d) {
      var += (x - mean) * (x - mean);
    }
    double std = Math.sqrt(var / d.length);
    double rate = mean > 0 ? 1 / mean : Double.POSITIVE_INFINITY;
    if (json) {
      return Render.JSON
          .createObjectNode()
          .put("key", key)
          .put("rateHz", rate)
          .put("minSeconds", min)
          .put("maxSeconds", max)
          .put("stdDevSeconds", std)
          .put("samples", n)
          .put("missed", missed)
          .toString();
    }
    return String.format(
        Locale.ROOT,
        "%s  rate %.3f Hz  min %.4fs  max %.4fs  std dev %.5fs  window %d%s",
        key,
        rate,
        min,
        max,
        std,
        n,
        missed > 0 ? "  missed " + missed : "");
  }
}
