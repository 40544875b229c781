package io.runnel.examples;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The Runnel command line ({@code runnel-cli}) run as a separate process, as a user runs {@code
 * ./runnel cli ...}, so that an example can show what the CLI prints about it.
 *
 * <p>The examples do not depend on runnel-cli at run time (the gateway distribution copies their
 * run-time class path and must not carry the CLI and its MCP libraries). The CLI is found, in
 * order: the jar given ({@code --cli-jar}); this JVM's class path if it holds the CLI (the
 * examples' tests do: runnel-cli is a test dependency); the jar {@code ./runnel cli} runs, {@code
 * runnel-cli/target/runnel-cli.jar} of the source tree these classes were built in ({@code ./runnel
 * example} builds it with the examples).
 */
final class CliProcess {

  /** The CLI's entry point. */
  static final String MAIN = "io.runnel.cli.RunnelCli";

  /** The output a run may produce before it is refused (a history query of the demo: ~2 KB). */
  static final long MAX_OUTPUT_BYTES = 4 << 20;

  /** A short-lived client: C1 only and the serial collector start it fastest. */
  private static final List<String> JVM_FLAGS =
      List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx64m");

  /** What one run printed. */
  record Result(int exitCode, String stdout, String stderr) {
    /** The non-blank lines of {@code stdout}. */
    List<String> lines() {
      return stdout.lines().filter(l -> !l.isBlank()).toList();
    }
  }

  private final List<String> command;
  private final String origin;

  private CliProcess(List<String> command, String origin) {
    this.command = List.copyOf(command);
    this.origin = origin;
  }

  /**
   * Finds the CLI: {@code jar} if given, else this class path or the source tree's jar.
   *
   * @return empty if it is nowhere (not built yet)
   * @throws Cli.UsageError if {@code jar} is given but is not a file
   */
  static Optional<CliProcess> find(Path jar) {
    if (jar != null) {
      if (!Files.isRegularFile(jar)) {
        throw new Cli.UsageError("--cli-jar " + jar + " is not a file");
      }
      return Optional.of(ofJar(jar));
    }
    if (CliProcess.class.getClassLoader().getResource(MAIN.replace('.', '/') + ".class") != null) {
      List<String> cmd = new ArrayList<>(java());
      cmd.add("-cp");
      cmd.add(System.getProperty("java.class.path"));
      cmd.add(MAIN);
      return Optional.of(new CliProcess(cmd, "the class path"));
    }
    return sourceTreeJar().filter(Files::isRegularFile).map(CliProcess::ofJar);
  }

  /** {@code runnel-cli/target/runnel-cli.jar} next to the examples' {@code target}, if known. */
  static Optional<Path> sourceTreeJar() {
    CodeSource source = CliProcess.class.getProtectionDomain().getCodeSource();
    if (source == null || source.getLocation() == null) {
      return Optional.empty();
    }
    Path here;
    try {
      here = Path.of(source.getLocation().toURI()).toAbsolutePath();
    } catch (URISyntaxException | IllegalArgumentException e) {
      return Optional.empty();
    }
    // runnel-examples/target/runnel-examples.jar or runnel-examples/target/classes
    Path target = here.getParent();
    if (target == null
        || !target.getFileName().toString().equals("target")
        || target.getParent() == null
        || target.getParent().getParent() == null) {
      return Optional.empty();
    }
    return Optional.of(
        target.getParent().getParent().resolve("runnel-cli/target/runnel-cli.jar").normalize());
  }

  private static CliProcess ofJar(Path jar) {
    List<String> cmd = new ArrayList<>(java());
    cmd.add("-jar");
    cmd.add(jar.toAbsolutePath().toString());
    return new CliProcess(cmd, jar.toAbsolutePath().toString());
  }

  private static List<String> java() {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(JVM_FLAGS);
    return cmd;
  }

  /** Where the CLI comes from: a jar's path, or "the class path". */
  String origin() {
    return origin;
  }

  /**
   * Runs the CLI with {@code args} and waits for it; its output goes through files in {@code
   * scratch} (deleted after), its standard input is empty. The process is destroyed if it outlives
   * {@code timeout} or this thread is interrupted.
   *
   * @throws IOException if it cannot start, outlives {@code timeout}, or prints more than {@link
   *     #MAX_OUTPUT_BYTES}
   */
  Result run(List<String> args, Duration timeout, Path scratch)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(command);
    cmd.addAll(args);
    Path stdout = Files.createTempFile(scratch, "cli-", ".out");
    Path stderr = Files.createTempFile(scratch, "cli-", ".err");
    Process p = null;
    try {
      p =
          new ProcessBuilder(cmd)
              .redirectInput(ProcessBuilder.Redirect.PIPE)
              .redirectOutput(stdout.toFile())
              .redirectError(stderr.toFile())
              .start();
      p.getOutputStream().close(); // no input: a command that reads stdin sees its end
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IOException(
            "runnel cli " + String.join(" ", args) + " did not end within " + timeout);
      }
      if (Files.size(stdout) + Files.size(stderr) > MAX_OUTPUT_BYTES) {
        throw new IOException(
            "runnel cli "
                + String.join(" ", args)
                + " printed over "
                + MAX_OUTPUT_BYTES
                + " bytes");
      }
      return new Result(
          p.exitValue(),
          Files.readString(stdout, StandardCharsets.UTF_8),
          Files.readString(stderr, StandardCharsets.UTF_8));
    } finally {
      if (p != null && p.isAlive()) {
        p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
      Files.deleteIfExists(stdout);
      Files.deleteIfExists(stderr);
    }
  }
}
