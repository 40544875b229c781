package io.runnel.cli.store;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code runnel store}: offline commands on a history store directory. */
@Command(
    name = "store",
    description =
        "Offline commands on a history store directory (no running pipeline needed;"
            + " the store must not be open in another process).",
    subcommands = {StoreInfoCommand.class, StoreDumpCommand.class, StoreExportCommand.class})
public final class StoreCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "missing command: info, dump or export");
  }
}
