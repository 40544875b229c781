package io.runnel.examples;

import io.runnel.Shutdown;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import picocli.CommandLine;

/**
 * What every example's command line shares: one line and status 2 for bad arguments (never a stack
 * trace), one line and status 1 for a failure, the exit statuses of {@link Shutdown}, and the
 * examples' working folders (checked when given, deleted at the end when temporary).
 */
final class Cli {

  private Cli() {}

  /** A bad argument or configuration found after parsing: one line, exit status 2. */
  static final class UsageError extends RuntimeException {
    UsageError(String message) {
      super(message, null, false, false);
    }
  }

  /** Runs {@code command} as a program: parses, calls, then exits with its status. */
  static void main(Object command, String[] args) {
    Shutdown.exit(commandLine(command, System.err).execute(args));
  }

  /**
   * The example's command line, with the examples' error handling, printing errors to {@code err}.
   */
  static CommandLine commandLine(Object command, PrintStream err) {
    CommandLine cl = new CommandLine(command).setCaseInsensitiveEnumValuesAllowed(true);
    String name = cl.getCommandName();
    cl.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
    cl.setParameterExceptionHandler(
        (ex, args) -> {
          err.println(name + ": " + ex.getMessage() + " (--help lists the options)");
          return Shutdown.EXIT_USAGE;
        });
    cl.setExecutionExceptionHandler(
        (ex, c, parsed) -> {
          if (ex instanceof UsageError) {
            err.println(name + ": " + ex.getMessage() + " (--help lists the options)");
            return Shutdown.EXIT_USAGE;
          }
          err.println(name + ": failed: " + oneLine(ex));
          if (Boolean.getBoolean("runnel.debug")) {
            ex.printStackTrace(err);
          } else {
            err.println("  (-Drunnel.debug=true in JAVA_OPTS prints the stack trace)");
          }
          return Shutdown.EXIT_FAILURE;
        });
    return cl;
  }

  /** An exception and its causes in one line. */
  static String oneLine(Throwable t) {
    StringBuilder b = new StringBuilder();
    for (Throwable c = t; c != null; c = c.getCause()) {
      String m = c.getMessage() != null ? c.getMessage() : c.getClass().getSimpleName();
      if (b.indexOf(m) >= 0) {
        continue; // a wrapper that already quotes its cause's message
      }
      if (!b.isEmpty()) {
        b.append(": ");
      }
      b.append(m);
    }
    return b.toString();
  }

  /** Checks that a duration option is positive. */
  static Duration positive(String option, Duration d) {
    if (d.isNegative() || d.isZero()) {
      throw new UsageError(option + " must be positive, got " + TemperatureDemo.human(d));
    }
    return d;
  }

  /**
   * The folder the user gave ({@code --dir}), created if missing and checked to be a writable
   * directory; or, with {@code null}, a new temporary folder named {@code prefix...}.
   */
  static Path workDir(Path given, String option, String prefix) throws IOException {
    if (given == null) {
      return Files.createTempDirectory(prefix);
    }
    if (Files.exists(given) && !Files.isDirectory(given)) {
      throw new UsageError(option + " " + given + " is not a directory");
    }
    try {
      Files.createDirectories(given);
    } catch (AccessDeniedException e) {
      throw new UsageError(option + " " + given + ": cannot create it (permission denied)");
    } catch (FileSystemException e) {
      throw new UsageError(
          option
              + " "
              + given
              + ": cannot create it ("
              + (e.getReason() != null ? e.getReason() : e.getClass().getSimpleName())
              + ")");
    }
    Path probe;
    try {
      probe = Files.createTempFile(given, ".write-check", ".tmp");
    } catch (IOException e) {
      throw new UsageError(option + " " + given + " is not writable (" + oneLine(e) + ")");
    }
    Files.deleteIfExists(probe);
    return given;
  }

  /** Deletes a folder and everything in it; a failure is printed, not thrown. */
  static void deleteTree(Path dir, PrintStream err) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths
          .sorted(Comparator.reverseOrder())
          .forEach(
              p -> {
                try {
                  Files.deleteIfExists(p);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
    } catch (IOException | UncheckedIOException e) {
      err.println("could not delete the temporary folder " + dir + ": " + oneLine(e));
    }
  }
}
