package io.runnel.cli.command;

import io.runnel.cli.CliException;
import io.runnel.cli.remote.RemoteClient;
import io.runnel.cli.remote.RemoteException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** A command that talks to a running pipeline: connects, runs, closes. */
abstract class RemoteCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Mixin ConnectionOptions connection;

  @Option(names = "--json", description = "print JSON for scripts instead of text for people")
  boolean json;

  /** Whether the command needs a write token. */
  boolean needsWrite() {
    return false;
  }

  @Override
  public final Integer call() throws CliException {
    try (RemoteClient c = connection.connect(needsWrite(), "runnel-cli")) {
      return run(c);
    } catch (RemoteException e) {
      throw new CliException(ConnectionOptions.exitCode(e), e.getMessage());
    } finally {
      out().flush();
    }
  }

  abstract int run(RemoteClient client) throws RemoteException, CliException;

  PrintWriter out() {
    return spec.commandLine().getOut();
  }

  PrintWriter err() {
    return spec.commandLine().getErr();
  }
}
