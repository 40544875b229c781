package io.runnel.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.metrics.modular.ModulePathMain;
import java.io.File;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The module descriptor works as a module: a child JVM with runnel-metrics, runnel-core, Micrometer
 * and the Prometheus client on the module path (and no store) scrapes a pipeline.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ModulePathTest {

  @Test
  void theModuleResolvesAndScrapesOnTheModulePath() throws Exception {
    List<String> entries =
        Arrays.asList(System.getProperty("java.class.path").split(File.pathSeparator));
    String modulePath =
        entries.stream()
            .filter(
                e ->
                    e.contains("runnel-core")
                        || e.replace('\\', '/').endsWith("runnel-metrics/target/classes")
                        || e.contains("micrometer")
                        || e.contains("prometheus")
                        || e.contains("HdrHistogram")
                        || e.contains("jspecify"))
            .collect(Collectors.joining(File.pathSeparator));
    String classPath =
        entries.stream()
            .filter(e -> e.replace('\\', '/').endsWith("runnel-metrics/target/test-classes"))
            .collect(Collectors.joining(File.pathSeparator));
    assertThat(modulePath).doesNotContain("runnel-store").contains("runnel-metrics");
    assertThat(classPath).isNotEmpty();
    Process child =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--module-path",
                modulePath,
                "--add-modules",
                "io.runnel.metrics",
                "-cp",
                classPath,
                ModulePathMain.class.getName())
            .redirectErrorStream(true)
            .start();
    try {
      String out = new String(child.getInputStream().readAllBytes());
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).as("child ended; output:\n" + out).isTrue();
      assertThat(child.exitValue()).as(out).isZero();
      assertThat(out).contains("module path: ok");
    } finally {
      child.destroyForcibly();
    }
  }
}
