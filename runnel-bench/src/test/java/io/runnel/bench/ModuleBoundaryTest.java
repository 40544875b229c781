package io.runnel.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.module.ModuleDescriptor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The module boundary, checked on bytecode for every module of the build, including the harnesses
 * that have no module descriptor (this module and runnel-jcstress run from shaded jars on the class
 * path). For each {@code runnel-*} module it reads the packages it owns from {@code target/classes}
 * and, where there is one, its exports from {@code module-info.class}; then {@code jdeps} lists
 * every package each module's classes use, and a use of another module's package that the owner
 * does not export (to everyone, or to the user) fails the build. The library modules are also
 * checked by javac against their descriptors; this test adds the harnesses. It runs last in the
 * reactor (see the parent pom's module order), when every module's classes exist.
 */
class ModuleBoundaryTest {

  private record Module(
      String dir,
      Path classes,
      String name,
      Set<String> packages,
      Map<String, Set<String>> exports) {

    /** Whether {@code pkg} (owned by this module) may be used by {@code user}. */
    boolean exportsTo(String pkg, Module user) {
      if (name == null) {
        return false; // a harness exports nothing
      }
      Set<String> targets = exports.get(pkg);
      return targets != null && (targets.isEmpty() || targets.contains(user.name));
    }
  }

  /**
   * Harness uses of an unexported package that are deliberate: model checks are white-box tests.
   * {@code HandoffVsDrain} stresses the store's hand-off queue itself (its offer, drain and
   * compaction protocol), which no public API exposes without a writer thread and a disk in the
   * way. Add to this list only a jcstress test of a lock-free internal, never a benchmark.
   */
  private static final Set<String> WHITE_BOX = Set.of("runnel-jcstress -> io.runnel.store.wal");

  @Test
  void noModuleUsesAnotherModulesUnexportedPackages() throws Exception {
    Path root = Path.of("").toAbsolutePath().getParent();
    List<Module> modules = modules(root);
    assertThat(modules).extracting(Module::dir).contains("runnel-core", "runnel-bench");
    Map<String, Module> owner = new HashMap<>();
    for (Module m : modules) {
      m.packages().forEach(p -> owner.put(p, m));
    }
    String classPath =
        modules.stream().map(m -> m.classes().toString()).collect(Collectors.joining(":"));
    List<String> violations = new ArrayList<>();
    List<Module> harnesses = modules.stream().filter(m -> m.name() == null).toList();
    assertThat(harnesses).extracting(Module::dir).contains("runnel-bench", "runnel-jcstress");
    for (Module m : harnesses) {
      for (String[] use : packageUses(m.classes(), classPath)) {
        Module target = owner.get(use[1]);
        if (target != null
            && target != m
            && !target.exportsTo(use[1], m)
            && !WHITE_BOX.contains(m.dir() + " -> " + use[1])) {
          violations.add(
              m.dir()
                  + ": "
                  + use[0]
                  + " uses "
                  + use[1]
                  + ", which "
                  + target.dir()
                  + " does not export");
        }
      }
    }
    assertThat(violations).as("uses of unexported packages").isEmpty();
  }

  private static List<Module> modules(Path root) throws IOException {
    List<Module> modules = new ArrayList<>();
    try (Stream<Path> dirs = Files.list(root)) {
      for (Path dir :
          dirs.filter(d -> d.getFileName().toString().startsWith("runnel-")).sorted().toList()) {
        Path classes = dir.resolve("target/classes");
        if (!Files.isDirectory(classes)) {
          continue;
        }
        Set<String> packages = new TreeSet<>();
        try (Stream<Path> files = Files.walk(classes)) {
          files
              .filter(f -> f.toString().endsWith(".class"))
              .map(f -> classes.relativize(f.getParent()).toString().replace('/', '.'))
              .filter(p -> !p.isEmpty())
              .forEach(packages::add);
        }
        Path info = classes.resolve("module-info.class");
        String name = null;
        Map<String, Set<String>> exports = new HashMap<>();
        if (Files.exists(info)) {
          try (InputStream in = Files.newInputStream(info)) {
            ModuleDescriptor d = ModuleDescriptor.read(in);
            name = d.name();
            d.exports().forEach(e -> exports.put(e.source(), e.targets()));
          }
        }
        modules.add(new Module(dir.getFileName().toString(), classes, name, packages, exports));
      }
    }
    return modules;
  }

  private static final Pattern USE = Pattern.compile("^\\s+(\\S+)\\s+->\\s+(\\S+)\\s");

  /** [from package, to package] for every package dependency of the classes in {@code dir}. */
  private static List<String[]> packageUses(Path dir, String classPath) {
    ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow();
    StringWriter out = new StringWriter();
    int rc =
        jdeps.run(
            new PrintWriter(out),
            new PrintWriter(out),
            "-verbose:package",
            "-filter:none",
            "--ignore-missing-deps",
            "--multi-release",
            "21",
            "-cp",
            classPath,
            dir.toString());
    assertThat(rc).as("jdeps on " + dir + ":\n" + out).isZero();
    List<String[]> uses = new ArrayList<>();
    for (String line : out.toString().split("\n")) {
      Matcher m = USE.matcher(line);
      if (m.find() && m.group(2).startsWith("io.runnel")) {
        uses.add(new String[] {m.group(1), m.group(2)});
      }
    }
    assertThat(uses).as("jdeps found the uses in " + dir).isNotEmpty();
    return uses;
  }
}
