package io.runnel.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Reads an MCAP file with the independent reader {@code @mcap/core} from the npm registry
 * (installed once per build into {@code target/npm}), run by Node.js: {@code
 * src/test/resources/mcap/verify.cjs} prints what it found as one JSON object.
 */
final class McapCheck {
  static final Path PREFIX = Path.of("target", "npm").toAbsolutePath();
  static final String PACKAGE = "@mcap/core@2.2.2";
  private static final ObjectMapper JSON = new ObjectMapper();

  private McapCheck() {}

  static synchronized void install() throws Exception {
    if (Files.isRegularFile(PREFIX.resolve("node_modules/@mcap/core/package.json"))) {
      return;
    }
    Files.createDirectories(PREFIX);
    Process p =
        new ProcessBuilder(
                "npm", "install", "--prefix", PREFIX.toString(), "--no-audit", "--no-fund", PACKAGE)
            .redirectErrorStream(true)
            .start();
    CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p));
    if (!p.waitFor(180, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("npm install " + PACKAGE + " took over 180 s");
    }
    if (p.exitValue() != 0) {
      throw new IllegalStateException("npm install " + PACKAGE + " failed: " + out.join());
    }
  }

  /** The reader's report on {@code file}; {@code range}: optional start and end in ns. */
  static JsonNode read(Path file, long... range) throws Exception {
    install();
    Path script = Path.of(McapCheck.class.getResource("/mcap/verify.cjs").toURI()).toAbsolutePath();
    List<String> cmd =
        new ArrayList<>(List.of("node", script.toString(), PREFIX.toString(), file.toString()));
    for (long r : range) {
      cmd.add(Long.toString(r));
    }
    Process p = new ProcessBuilder(cmd).start();
    CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p));
    CompletableFuture<String> err =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
              } catch (java.io.IOException e) {
                return "";
              }
            });
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("the MCAP reader did not finish in 120 s");
    }
    String text = out.join();
    if (p.exitValue() != 0) {
      throw new AssertionError(
          "the MCAP reader failed (" + p.exitValue() + "): " + text + " " + err.join());
    }
    return JSON.readTree(text);
  }

  private static String read(Process p) {
    try {
      return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    } catch (java.io.IOException e) {
      return "<" + e + ">";
    }
  }
}
