package io.runnel.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "A pipeline in code" snippet compiles as pasted: it is cut out of {@code README.md}
 * and compiled with the JDK's compiler against the library's classes, so that it stays true.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ReadmeSnippetTest {

  static String snippet(String section) throws Exception {
    Path readme = Path.of("..", "README.md");
    String text = Files.readString(readme, StandardCharsets.UTF_8);
    int at = text.indexOf("\n## " + section + "\n");
    assertThat(at).as("README section '%s'", section).isNotNegative();
    Matcher m = Pattern.compile("```java\n(.*?)```", Pattern.DOTALL).matcher(text);
    assertThat(m.find(at)).as("a java block in '%s'", section).isTrue();
    return m.group(1);
  }

  @Test
  void thePipelineSnippetCompilesAsPasted(@TempDir Path dir) throws Exception {
    String code = snippet("A pipeline in code");
    Matcher name = Pattern.compile("public class (\\w+)").matcher(code);
    assertThat(name.find()).as("the snippet is a whole file with a public class").isTrue();
    Path file = dir.resolve(name.group(1) + ".java");
    Files.writeString(file, code);
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    StringWriter errors = new StringWriter();
    boolean ok =
        javac
            .getTask(
                errors,
                null,
                null,
                List.of(
                    "-classpath",
                    System.getProperty("java.class.path"),
                    "-d",
                    dir.resolve("classes").toString(),
                    "-Xlint:all",
                    "-Werror"),
                null,
                javac
                    .getStandardFileManager(null, null, StandardCharsets.UTF_8)
                    .getJavaFileObjects(file))
            .call();
    assertThat(ok).as("javac:%n%s", errors).isTrue();
    assertThat(dir.resolve("classes").resolve(name.group(1) + ".class")).exists();
  }
}
