package io.runnel.testbed;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a test that signals a child process must know about its own environment.
 *
 * <p>A child inherits the signals its parent ignores, and a JVM does not install its handler for an
 * ignored SIGINT: started from a non-interactive shell's background job (no job control), as a CI
 * script may start its build, every process below ignores SIGINT, so a child JVM cannot be
 * interrupted by it and a test of that would time out for reasons that are not the code's.
 */
public final class Signals {

  /** SIGINT's number on Linux. */
  public static final int SIGINT = 2;

  private Signals() {}

  /**
   * Whether this process ignores signal {@code number} (the {@code SigIgn} mask of {@code
   * /proc/self/status}); false where that file does not exist.
   */
  public static boolean ignored(int number) {
    Path status = Path.of("/proc/self/status");
    if (!Files.isReadable(status)) {
      return false;
    }
    try {
      for (String line : Files.readAllLines(status)) {
        if (line.startsWith("SigIgn:")) {
          long mask = Long.parseUnsignedLong(line.substring("SigIgn:".length()).strip(), 16);
          return (mask & (1L << (number - 1))) != 0;
        }
      }
    } catch (IOException | NumberFormatException e) {
      return false;
    }
    return false;
  }

  /** A one-line reason for a skipped test, when SIGINT is ignored here. */
  public static String sigintIgnoredReason() {
    return "SIGINT is ignored by this process (started from a background job without job"
        + " control?), so a child JVM inherits that and cannot be interrupted by it";
  }
}
