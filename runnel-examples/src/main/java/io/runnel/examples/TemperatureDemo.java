package io.runnel.examples;

import io.runnel.JoinInput;
import io.runnel.Runnel;
import io.runnel.Shutdown;
import io.runnel.buffer.BufferSpec;
import io.runnel.examples.Temperatures.Alert;
import io.runnel.examples.Temperatures.Difference;
import io.runnel.examples.Temperatures.Key;
import io.runnel.examples.Temperatures.Reading;
import io.runnel.examples.Temperatures.Threshold;
import io.runnel.inspect.GraphSnapshot;
import io.runnel.remote.RemoteServer;
import java.io.PrintStream;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The README demo: two temperature sensors, an alert transform, an indoor/outdoor join and a
 * logging tap. Prints the graph at start, live values while running, and every record's counters at
 * the end. Stops after {@code --duration} or on Ctrl-C, cleanly.
 */
@Command(
    name = "runnel demo",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    description =
        "Two simulated temperature sensors, an alert transform, a join and a logging tap.")
public final class TemperatureDemo implements Callable<Integer> {

  @Option(
      names = "--duration",
      description = "How long to run, e.g. 10s, 2m, 500ms (default: ${DEFAULT-VALUE}).",
      defaultValue = "10s",
      converter = DurationConverter.class)
  Duration duration;

  @Option(
      names = "--period",
      description = "Sensor sampling period (default: ${DEFAULT-VALUE}).",
      defaultValue = "250ms",
      converter = DurationConverter.class)
  Duration period;

  @Option(
      names = "--threshold",
      description = "Indoor alert threshold in °C (default: ${DEFAULT-VALUE}).",
      defaultValue = "23.0")
  double threshold;

  @Option(
      names = "--graph",
      description =
          "Graph format printed at start: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).",
      defaultValue = "mermaid")
  GraphFormat graph;

  @Option(names = "--quiet", description = "Do not print live values.")
  boolean quiet;

  @CommandLine.Mixin RemoteOptions remote = new RemoteOptions();

  enum GraphFormat {
    mermaid,
    dot,
    json,
    none
  }

  private final PrintStream out;

  TemperatureDemo(PrintStream out) {
    this.out = out;
  }

  public static void main(String[] args) {
    Shutdown.exit(run(System.out, args));
  }

  static int run(PrintStream out, String... args) {
    return Cli.commandLine(new TemperatureDemo(out), System.err).execute(args);
  }

  /** Builds the demo pipeline. */
  Runnel pipeline() {
    DateTimeFormatter clock = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");
    Runnel runnel =
        Runnel.builder()
            .name("temperature-demo")
            .configure(
                Reading.class,
                Key.INDOOR,
                r ->
                    r.name("indoor temperature")
                        .buffer(BufferSpec.ring(64))
                        .source(
                            new SimulatedSensor(
                                "indoor", 22.0, 1.5, Duration.ofSeconds(8), period, 1)))
            .configure(
                Reading.class,
                Key.OUTDOOR,
                r ->
                    r.name("outdoor temperature")
                        .buffer(BufferSpec.latest())
                        .source(
                            new SimulatedSensor(
                                "outdoor", 9.0, 3.0, Duration.ofSeconds(20), period, 2)))
            .configure(
                Threshold.class,
                Key.THRESHOLD,
                r -> r.name("alert threshold").buffer(BufferSpec.latest()).external())
            .configure(
                Alert.class,
                Key.ALERT,
                r ->
                    r.name("indoor too warm")
                        .buffer(BufferSpec.ring(16))
                        .join(
                            j -> {
                              JoinInput<Reading> indoor = j.input(Reading.class, Key.INDOOR);
                              JoinInput<Threshold> limit = j.input(Threshold.class, Key.THRESHOLD);
                              j.onLatest(
                                  latest -> {
                                    Reading reading = latest.get(indoor);
                                    double max = latest.get(limit).celsius();
                                    return latest.changed().equals(indoor)
                                            && reading.celsius() > max
                                        ? new Alert(reading.celsius(), max, reading.at())
                                        : null;
                                  });
                            })
                        .tap(
                            "log",
                            (ctx, alert) -> {
                              if (!quiet) {
                                out.printf("%s  ALERT  %s%n", LocalTime.now().format(clock), alert);
                              }
                            }))
            .configure(
                Difference.class,
                Key.DIFFERENCE,
                r ->
                    r.name("indoor - outdoor")
                        .buffer(BufferSpec.latest())
                        .join(
                            j -> {
                              JoinInput<Reading> indoor = j.input(Reading.class, Key.INDOOR);
                              JoinInput<Reading> outdoor = j.input(Reading.class, Key.OUTDOOR);
                              j.onLatest(
                                  latest ->
                                      new Difference(
                                          latest.get(indoor).celsius()
                                              - latest.get(outdoor).celsius(),
                                          latest.changed().equals(indoor)
                                              ? latest.get(indoor).at()
                                              : latest.get(outdoor).at()));
                            })
                        .tap(
                            "log",
                            (ctx, diff) -> {
                              if (!quiet) {
                                out.printf("%s  diff   %s%n", LocalTime.now().format(clock), diff);
                              }
                            }))
            .build();
    // the threshold is a record written from outside: its first value comes from --threshold,
    // later ones from `runnel cli set config.alert.threshold '{"celsius": 24}'` (with --remote)
    runnel.producer(Threshold.class, Key.THRESHOLD).produce(new Threshold(threshold));
    return runnel;
  }

  @Override
  public Integer call() throws Exception {
    Cli.positive("--duration", duration);
    Cli.positive("--period", period);
    Runnel runnel = pipeline();
    GraphSnapshot atStart = runnel.inspect();
    out.println(
        "Runnel temperature demo: running for " + human(duration) + " (Ctrl-C stops earlier)");
    switch (graph) {
      case mermaid -> out.print("\nGraph (Mermaid):\n" + atStart.toMermaid());
      case dot -> out.print("\nGraph (DOT):\n" + atStart.toDot());
      case json -> out.print("\nGraph (JSON):\n" + atStart.toJson());
      case none -> {}
    }
    out.println("\nTopological order: " + String.join(" -> ", atStart.topologicalOrder()) + "\n");

    try (Shutdown shutdown = Shutdown.install()) {
      shutdown.closeOnRequest(runnel); // only if the summary below hangs
      Optional<RemoteServer> server;
      try {
        server = remote.start(runnel, null, out, Key.THRESHOLD);
      } catch (RuntimeException e) {
        runnel.close();
        System.err.println("runnel demo: remote access did not start: " + e.getMessage());
        return Shutdown.EXIT_FAILURE;
      }
      runnel.start();
      boolean interrupted = shutdown.await(duration);
      runnel.close();
      server.ifPresent(RemoteServer::close);
      GraphSnapshot atEnd = runnel.inspect();
      out.println(
          "\n"
              + (interrupted ? "Interrupted (shutdown requested); stopped (" : "Stopped (")
              + atEnd.state()
              + "). Counters:\n");
      out.print(atEnd.toTable());
      out.flush();
      return interrupted ? Shutdown.EXIT_SIGTERM : Shutdown.EXIT_OK;
    }
  }

  /** What {@code --duration forever} means: a century, which still fits a nanosecond deadline. */
  static final Duration FOREVER = Duration.ofDays(36_500);

  static String human(Duration d) {
    return d.equals(FOREVER) ? "until stopped" : d.toString().substring(2).toLowerCase();
  }

  /**
   * Parses {@code 10s}, {@code 2m}, {@code 500ms}, {@code 1h}, ISO-8601 {@code PT10S} or {@code
   * forever}.
   */
  static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      String v = value.trim().toLowerCase();
      if (v.equals("forever")) {
        return FOREVER;
      }
      try {
        if (v.startsWith("pt") || v.startsWith("p")) {
          return Duration.parse(value.trim().toUpperCase());
        }
        if (v.endsWith("ms")) {
          return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
        }
        long n = Long.parseLong(v.substring(0, v.length() - 1));
        return switch (v.charAt(v.length() - 1)) {
          case 's' -> Duration.ofSeconds(n);
          case 'm' -> Duration.ofMinutes(n);
          case 'h' -> Duration.ofHours(n);
          default -> throw new IllegalArgumentException();
        };
      } catch (RuntimeException e) {
        throw new CommandLine.TypeConversionException(
            "'" + value + "' is not a duration; use e.g. 500ms, 10s, 2m, 1h, PT10S or forever");
      }
    }
  }
}
