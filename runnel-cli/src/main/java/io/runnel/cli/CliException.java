package io.runnel.cli;

/**
 * A failure the CLI reports as one line on stderr, with the process exit code to use ({@link
 * RunnelCli#FAILURE}, {@link RunnelCli#USAGE} or {@link RunnelCli#UNREACHABLE}).
 */
public final class CliException extends Exception {
  private static final long serialVersionUID = 1L;

  private final int exitCode;

  public CliException(int exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }

  /** The process exit code for this failure. */
  public int exitCode() {
    return exitCode;
  }

  /** Exit code 1: the operation failed, or what was asked for does not exist. */
  public static CliException failure(String message) {
    return new CliException(RunnelCli.FAILURE, message);
  }

  /** Exit code 2: the command line is wrong. */
  public static CliException usage(String message) {
    return new CliException(RunnelCli.USAGE, message);
  }

  /** Exit code 3: the server cannot be reached or refused access. */
  public static CliException unreachable(String message) {
    return new CliException(RunnelCli.UNREACHABLE, message);
  }
}
