package io.runnel.cli;

import io.runnel.cli.command.EchoCommand;
import io.runnel.cli.command.GetCommand;
import io.runnel.cli.command.GraphCommand;
import io.runnel.cli.command.HzCommand;
import io.runnel.cli.command.LsCommand;
import io.runnel.cli.command.QueryCommand;
import io.runnel.cli.command.SetCommand;
import io.runnel.cli.command.StatsCommand;
import io.runnel.cli.command.TopCommand;
import io.runnel.cli.mcp.McpCommand;
import io.runnel.cli.store.StoreCommand;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The {@code runnel} command line: a client of a running pipeline's remote server ({@code ls},
 * {@code get}, {@code echo}, {@code hz}, {@code set}, {@code graph}, {@code top}, {@code query},
 * {@code stats}), offline tools for history stores ({@code store info}, {@code store dump}) and an
 * MCP server for agents ({@code mcp}).
 *
 * <p>Exit codes: {@link #OK} 0, {@link #FAILURE} 1 (failed, or not found), {@link #USAGE} 2 (wrong
 * command line, bad JSON or time), {@link #UNREACHABLE} 3 (cannot connect, timed out, or the token
 * or its role was refused). Errors are one line on stderr, never a stack trace ({@code
 * RUNNEL_DEBUG=1} adds it for unexpected ones).
 */
@Command(
    name = "runnel",
    scope = ScopeType.INHERIT,
    mixinStandardHelpOptions = true,
    versionProvider = RunnelCli.Version.class,
    description = "Watch and drive a running Runnel pipeline; read history stores offline.",
    subcommands = {
      LsCommand.class,
      GetCommand.class,
      EchoCommand.class,
      HzCommand.class,
      SetCommand.class,
      GraphCommand.class,
      TopCommand.class,
      QueryCommand.class,
      StatsCommand.class,
      StoreCommand.class,
      McpCommand.class
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:success",
      "1:failed, or what was asked for does not exist",
      "2:usage error (unknown option, bad JSON, bad time or duration)",
      "3:cannot connect, no answer in time, or token / role refused"
    },
    footer = {
      "",
      "Online commands connect to --url (default ws://127.0.0.1:7421/v1) or --socket PATH"
          + " ($RUNNEL_URL, $RUNNEL_SOCKET); the token comes from --token-file, $RUNNEL_TOKEN or"
          + " ~/.runnel/remote.token."
    })
public final class RunnelCli implements Runnable {

  /** Success. */
  public static final int OK = 0;

  /** The operation failed, or what was asked for does not exist. */
  public static final int FAILURE = 1;

  /** The command line is wrong. */
  public static final int USAGE = 2;

  /** The server cannot be reached, did not answer in time, or refused the token or its role. */
  public static final int UNREACHABLE = 3;

  @Spec CommandSpec spec;

  /** The top-level command; picocli creates it (see {@link #commandLine}). */
  public RunnelCli() {}

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "missing command");
  }

  /** Runs the CLI and exits with its exit code. */
  public static void main(String[] args) {
    // on the file descriptor, not on System.out: a PrintStream hides a closed pipe (`| head`)
    // from PrintWriter.checkError, and the streaming commands stop on it
    PrintWriter out =
        new PrintWriter(
            new java.io.OutputStreamWriter(
                new java.io.FileOutputStream(java.io.FileDescriptor.out), StandardCharsets.UTF_8),
            true);
    PrintWriter err =
        new PrintWriter(new java.io.OutputStreamWriter(System.err, StandardCharsets.UTF_8), true);
    int code = execute(args, out, err);
    out.flush();
    err.flush();
    System.exit(code);
  }

  /** Runs the CLI with the given output streams (tests run it in-process) and returns its code. */
  public static int execute(String[] args, PrintWriter out, PrintWriter err) {
    return commandLine(out, err).execute(args);
  }

  /** The configured command line. */
  public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
    CommandLine cl = new CommandLine(new RunnelCli());
    cl.setOut(out);
    cl.setErr(err);
    cl.setExecutionExceptionHandler(RunnelCli::onException);
    cl.setParameterExceptionHandler(RunnelCli::onBadArguments);
    return cl;
  }

  private static int onException(Exception ex, CommandLine cmd, CommandLine.ParseResult parsed) {
    String name = cmd.getCommandSpec().qualifiedName();
    int code;
    String message;
    if (ex instanceof CliException c) {
      code = c.exitCode();
      message = c.getMessage();
    } else {
      code = FAILURE;
      message = "unexpected error: " + ex;
      if (System.getenv("RUNNEL_DEBUG") != null) {
        ex.printStackTrace(cmd.getErr());
      }
    }
    cmd.getErr().println(name + ": " + oneLine(message));
    cmd.getErr().flush();
    return code;
  }

  private static int onBadArguments(ParameterException ex, String[] args) {
    CommandLine cmd = ex.getCommandLine();
    String name = cmd.getCommandSpec().qualifiedName();
    cmd.getErr().println(name + ": " + oneLine(ex.getMessage()) + " (see '" + name + " --help')");
    cmd.getErr().flush();
    return USAGE;
  }

  private static String oneLine(String s) {
    return s == null ? "" : s.replaceAll("\\s*[\\r\\n]+\\s*", "; ").strip();
  }

  /** The version in the jar's manifest (the build's project version). */
  public static String version() {
    String v = RunnelCli.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  /** {@code --version}. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"runnel " + version() + " (remote protocol 1)"};
    }
  }
}
