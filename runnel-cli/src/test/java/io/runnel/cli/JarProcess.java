package io.runnel.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs {@code java -jar target/runnel-cli.jar ...} as a real process, bounded in time. */
final class JarProcess {
  static final Path JAR = Path.of("target", "runnel-cli.jar").toAbsolutePath();
  static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

  private JarProcess() {}

  static List<String> command(List<String> args) {
    if (!Files.isRegularFile(JAR)) {
      throw new IllegalStateException(JAR + " is missing: the *JarIT tests run after package");
    }
    List<String> cmd = new ArrayList<>(List.of(JAVA, "-jar", JAR.toString()));
    cmd.addAll(args);
    return cmd;
  }

  /** Runs to completion (killed after 60 s) and returns exit code and output. */
  static CliRun run(Map<String, String> env, String... args)
      throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(command(List.of(args)));
    pb.environment().remove("RUNNEL_TOKEN");
    pb.environment().remove("RUNNEL_URL");
    pb.environment().remove("RUNNEL_SOCKET");
    pb.environment().putAll(env);
    Process p = pb.start();
    p.getOutputStream().close();
    CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
    CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("runnel-cli " + String.join(" ", args) + " did not end in 60 s");
    }
    return new CliRun(p.exitValue(), out.join(), err.join());
  }

  private static String read(java.io.InputStream in) {
    try {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "<" + e + ">";
    }
  }
}
