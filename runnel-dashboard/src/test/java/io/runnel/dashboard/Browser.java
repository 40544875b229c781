package io.runnel.dashboard;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.stream.Stream;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A real headless Chromium driven by chromedriver (Selenium), with a fresh profile. Chromium and
 * chromedriver must be installed (Debian: {@code chromium chromium-driver}); without them this
 * fails with a message saying so, it never skips.
 */
final class Browser implements AutoCloseable {
  static final String CHROMIUM = System.getProperty("runnel.chromium", "/usr/bin/chromium");
  static final String CHROMEDRIVER =
      System.getProperty("runnel.chromedriver", "/usr/bin/chromedriver");

  final ChromeDriver driver;
  private final Thread reaper;
  private final Path profile;
  private final List<String> consoleErrors = new ArrayList<>();

  Browser(Path tmp, boolean measureMemory) throws IOException {
    for (String exe : new String[] {CHROMIUM, CHROMEDRIVER}) {
      if (!Files.isExecutable(Path.of(exe))) {
        throw new IllegalStateException(
            exe
                + " is missing: the dashboard's browser tests need Chromium and chromedriver"
                + " (Debian: apt-get install chromium chromium-driver; or -Drunnel.chromium=..."
                + " -Drunnel.chromedriver=...)");
      }
    }
    // Selenium's own logging is noisy at INFO (CDP version warnings)
    java.util.logging.Logger.getLogger("org.openqa.selenium").setLevel(Level.SEVERE);
    profile = Files.createTempDirectory(tmp, "chromium-profile");
    ChromeOptions o = new ChromeOptions();
    o.setBinary(CHROMIUM);
    o.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1400,900",
        "--user-data-dir=" + profile);
    if (measureMemory) {
      o.addArguments("--enable-precise-memory-info", "--js-flags=--expose-gc");
    }
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    o.setCapability("goog:loggingPrefs", logs);
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(new File(CHROMEDRIVER))
            .usingAnyFreePort()
            .build();
    driver = new ChromeDriver(service, o);
    // a JVM ended early (Ctrl-C, Surefire's fork timeout) must not leave Chromium running
    reaper = new Thread(this::quitQuietly, "browser-reaper");
    Runtime.getRuntime().addShutdownHook(reaper);
    driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(20));
    driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(20));
  }

  void open(String url) {
    driver.get(url);
  }

  Object js(String script, Object... args) {
    return ((JavascriptExecutor) driver).executeScript(script, args);
  }

  <T> T await(String what, Duration timeout, Function<WebDriver, T> condition) {
    WebDriverWait w = new WebDriverWait(driver, timeout, Duration.ofMillis(20));
    w.withMessage(() -> what + " (browser console: " + console() + ")");
    w.ignoring(org.openqa.selenium.StaleElementReferenceException.class);
    return w.until(condition);
  }

  /** The browser console's SEVERE entries so far (JavaScript errors). */
  List<String> console() {
    try {
      for (LogEntry e : driver.manage().logs().get(LogType.BROWSER)) {
        if (e.getLevel().intValue() >= Level.SEVERE.intValue()) {
          consoleErrors.add(e.getMessage());
        }
      }
    } catch (RuntimeException e) {
      consoleErrors.add("(cannot read the console: " + e.getMessage() + ")");
    }
    return List.copyOf(consoleErrors);
  }

  void screenshot(Path file) throws IOException {
    Files.createDirectories(file.getParent());
    byte[] png = driver.getScreenshotAs(OutputType.BYTES);
    Files.write(file, png);
  }

  @SuppressWarnings("unchecked")
  Map<String, Object> metrics() {
    Map<String, Object> r = driver.executeCdpCommand("Performance.enable", Map.of());
    r = driver.executeCdpCommand("Performance.getMetrics", Map.of());
    Map<String, Object> out = new java.util.LinkedHashMap<>();
    for (Object m : (List<Object>) r.get("metrics")) {
      Map<String, Object> mm = (Map<String, Object>) m;
      out.put((String) mm.get("name"), mm.get("value"));
    }
    return out;
  }

  private void quitQuietly() {
    try {
      driver.quit();
    } catch (RuntimeException e) {
      // already gone
    }
  }

  @Override
  public void close() {
    try {
      Runtime.getRuntime().removeShutdownHook(reaper);
    } catch (IllegalStateException e) {
      // the JVM is shutting down: the hook runs
    }
    try {
      driver.quit();
    } finally {
      try (Stream<Path> s = Files.walk(profile)) {
        s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException e) {
        // a temp dir; JUnit's @TempDir cleans up too
      }
    }
  }
}
