package io.runnel.remote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Node.js scripts run as subprocesses: npm packages installed once per build into {@code
 * target/npm} (with a timeout), and a running script's JSON-lines output read with timeouts.
 */
final class NodeScript implements AutoCloseable {
  static final Path PREFIX = Path.of("target", "npm").toAbsolutePath();
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Process process;
  private final BlockingQueue<JsonNode> lines = new LinkedBlockingQueue<>();
  private final StringBuilder stderr = new StringBuilder();
  private final List<JsonNode> seen = new ArrayList<>();

  /** Installs {@code packages} (name@version) into {@link #PREFIX} unless all are there. */
  static synchronized void install(String... packages) throws Exception {
    boolean all = true;
    for (String p : packages) {
      String name = p.substring(0, p.lastIndexOf('@'));
      all &=
          Files.isRegularFile(PREFIX.resolve("node_modules").resolve(name).resolve("package.json"));
    }
    if (all) {
      return;
    }
    Files.createDirectories(PREFIX);
    List<String> cmd =
        new ArrayList<>(
            List.of("npm", "install", "--prefix", PREFIX.toString(), "--no-audit", "--no-fund"));
    cmd.addAll(List.of(packages));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    byte[] out;
    if (!p.waitFor(180, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("npm install " + List.of(packages) + " took over 180 s");
    }
    out = p.getInputStream().readAllBytes();
    if (p.exitValue() != 0) {
      throw new IllegalStateException(
          "npm install failed (" + p.exitValue() + "): " + new String(out, StandardCharsets.UTF_8));
    }
  }

  /** Starts {@code node script args...}. */
  static NodeScript start(Path script, String... args) throws IOException {
    return start(java.util.Map.of(), script, args);
  }

  /** Starts {@code node script args...} with more environment variables. */
  static NodeScript start(java.util.Map<String, String> env, Path script, String... args)
      throws IOException {
    List<String> cmd = new ArrayList<>(List.of("node", script.toString(), PREFIX.toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().putAll(env);
    return new NodeScript(pb.start());
  }

  private NodeScript(Process process) {
    this.process = process;
    Thread.ofVirtual()
        .start(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String l;
                while ((l = r.readLine()) != null) {
                  try {
                    lines.add(JSON.readTree(l));
                  } catch (IOException e) {
                    lines.add(JSON.createObjectNode().put("event", "noise").put("line", l));
                  }
                }
              } catch (IOException e) {
                // the process ended
              }
            });
    Thread.ofVirtual()
        .start(
            () -> {
              try {
                String e =
                    new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
                synchronized (stderr) {
                  stderr.append(e);
                }
              } catch (IOException e) {
                // the process ended
              }
            });
  }

  /** The next line whose {@code event} is {@code event}, within 20 s; fails on an error line. */
  JsonNode await(String event) throws InterruptedException {
    return await(n -> n.path("event").asText().equals(event), event);
  }

  JsonNode await(Predicate<JsonNode> p, String what) throws InterruptedException {
    return await(p, what, 20_000);
  }

  /** Like {@link #await(Predicate, String)} within {@code millis}. */
  JsonNode await(Predicate<JsonNode> p, String what, long millis) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    while (true) {
      long left = deadline - System.nanoTime();
      JsonNode n = left <= 0 ? null : lines.poll(left, TimeUnit.NANOSECONDS);
      if (n == null) {
        throw new AssertionError(
            "no '"
                + what
                + "' from the node client within "
                + millis
                + " ms; seen "
                + seen
                + "; "
                + stderr());
      }
      seen.add(n);
      if (n.path("event").asText().equals("error")) {
        throw new AssertionError("node client failed: " + n + "; seen " + seen + "; " + stderr());
      }
      if (p.test(n)) {
        return n;
      }
    }
  }

  /** Every line seen so far by {@link #await}. */
  List<JsonNode> seen() {
    return seen;
  }

  int exit() throws InterruptedException {
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      throw new AssertionError("node client did not exit within 20 s");
    }
    return process.exitValue();
  }

  String stderr() {
    synchronized (stderr) {
      return stderr.toString();
    }
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }
}
