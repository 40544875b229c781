package io.runnel.testbed;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A real Mosquitto broker for tests and examples, on a free loopback port, with its own config and
 * data in a directory of the caller. Start, stop (SIGTERM), kill (SIGKILL) and restart on the same
 * port. Every broker still running when the JVM exits is killed.
 *
 * <p>If the {@code mosquitto} binary is missing ({@link #binary()} is null), {@link #start} throws
 * {@link NotInstalledException}, whose message says how to install it.
 */
public final class Mosquitto implements AutoCloseable {

  /** How to install the broker, for error messages. */
  public static final String INSTALL_HINT = "install mosquitto: apt-get install mosquitto";

  private static final Set<Process> RUNNING = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime()
        .addShutdownHook(new Thread(() -> RUNNING.forEach(Process::destroyForcibly)));
  }

  /** Options of one broker. */
  public static final class Options {
    boolean persistence;
    Path passwordFile;
    Path certFile;
    Path keyFile;
    boolean stockQueues;

    /** The tests' usual options: anonymous, no persistence, queues of 100 000 messages. */
    public Options() {}

    /** Further lines of {@code mosquitto.conf}. */
    public final List<String> extra = new ArrayList<>();

    /**
     * Leaves {@code max_queued_messages} (and {@code max_inflight_messages}) at Mosquitto's
     * defaults (1000 and 20) instead of the tests' usual 100 000: the broker drops QoS 1 messages
     * for a subscriber whose queue is full.
     */
    public Options stockQueues() {
      this.stockQueues = true;
      return this;
    }

    /** Mosquitto's persistence in the broker's directory, saved every second. */
    public Options persistence() {
      this.persistence = true;
      return this;
    }

    /** No anonymous clients: the users of this {@code mosquitto_passwd} file. */
    public Options passwords(Path file) {
      this.passwordFile = file;
      return this;
    }

    /** TLS on the listener with this certificate and key (PEM). */
    public Options tls(Path cert, Path key) {
      this.certFile = cert;
      this.keyFile = key;
      return this;
    }
  }

  private final Path dir;
  private final Path config;
  private final Path log;
  private final int port;
  private Process process;

  private Mosquitto(Path dir, int port, Options options) throws IOException {
    this.dir = dir;
    this.port = port;
    this.config = dir.resolve("mosquitto.conf");
    this.log = dir.resolve("mosquitto.log");
    List<String> lines = new ArrayList<>();
    lines.add("listener " + port + " 127.0.0.1");
    lines.add("user " + System.getProperty("user.name")); // as root, stay root: the files are ours
    if (options.passwordFile != null) {
      lines.add("allow_anonymous false");
      lines.add("password_file " + options.passwordFile);
    } else {
      lines.add("allow_anonymous true");
    }
    if (options.certFile != null) {
      lines.add("certfile " + options.certFile);
      lines.add("keyfile " + options.keyFile);
    }
    if (options.persistence) {
      lines.add("persistence true");
      lines.add("persistence_location " + dir + "/");
      lines.add("autosave_interval 1");
    } else {
      lines.add("persistence false");
    }
    if (!options.stockQueues) {
      lines.add("max_queued_messages 100000");
    }
    lines.add("log_dest stderr");
    lines.add("log_type error");
    lines.add("log_type warning");
    lines.add("log_type notice");
    lines.addAll(options.extra);
    Files.write(config, lines);
  }

  /** The mosquitto binary, or null if it is not installed. */
  public static Path binary() {
    for (String p :
        List.of(
            "/usr/sbin/mosquitto",
            "/usr/local/sbin/mosquitto",
            "/usr/bin/mosquitto",
            "/usr/local/bin/mosquitto",
            "/opt/homebrew/sbin/mosquitto")) {
      if (Files.isExecutable(Path.of(p))) {
        return Path.of(p);
      }
    }
    String path = System.getenv("PATH");
    if (path != null) {
      for (String d : path.split(":")) {
        Path p = Path.of(d, "mosquitto");
        if (Files.isExecutable(p)) {
          return p;
        }
      }
    }
    return null;
  }

  /** Thrown by {@link #start} when the {@code mosquitto} binary is not installed. */
  public static final class NotInstalledException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    NotInstalledException() {
      super(
          "mosquitto not found (looked in /usr/sbin, /usr/local/sbin, /usr/bin and PATH): "
              + INSTALL_HINT);
    }
  }

  /** Starts a broker with the default {@link Options} in {@code dir}, on a free loopback port. */
  public static Mosquitto start(Path dir) throws Exception {
    return start(dir, new Options());
  }

  /** Starts a broker with {@code options} in {@code dir}, on a free loopback port. */
  public static Mosquitto start(Path dir, Options options) throws Exception {
    return start(dir, freePort(), options);
  }

  /** Starts on a given port (e.g. one reserved for a broker that is not up yet). */
  public static Mosquitto start(Path dir, int port, Options options) throws Exception {
    if (binary() == null) {
      throw new NotInstalledException();
    }
    Files.createDirectories(dir);
    Mosquitto b = new Mosquitto(dir, port, options);
    b.launch();
    return b;
  }

  /** A loopback port nothing listens on now. */
  public static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress("127.0.0.1", 0));
      return s.getLocalPort();
    }
  }

  /** The broker's port on 127.0.0.1. */
  public int port() {
    return port;
  }

  /** The broker's directory (configuration, log, persistence). */
  public Path directory() {
    return dir;
  }

  /** The broker's process (the current one after a {@link #restart()}). */
  public ProcessHandle process() {
    if (process == null) {
      throw new IllegalStateException("the broker was not started");
    }
    return process.toHandle();
  }

  /** Whether the broker process is alive. */
  public boolean isRunning() {
    return process != null && process.isAlive();
  }

  private void launch() throws Exception {
    for (int attempt = 1; ; attempt++) {
      ProcessBuilder pb =
          new ProcessBuilder(binary().toString(), "-c", config.toString())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      process = pb.start();
      RUNNING.add(process);
      if (awaitListening(10_000)) {
        return;
      }
      process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      RUNNING.remove(process);
      if (attempt == 5) {
        throw new IllegalStateException(
            "mosquitto did not start listening on 127.0.0.1:" + port + "; log:\n" + logTail());
      }
      Thread.sleep(200L * attempt); // e.g. the port is still held after a kill
    }
  }

  private boolean awaitListening(long millis) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    while (System.nanoTime() - deadline < 0) {
      if (!process.isAlive()) {
        return false;
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return true;
      } catch (IOException e) {
        Thread.sleep(20);
      }
    }
    return false;
  }

  /** The end of the broker's log, for failure messages. */
  public String logTail() {
    try {
      List<String> all = Files.readAllLines(log);
      return String.join("\n", all.subList(Math.max(0, all.size() - 30), all.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  /** Graceful stop (SIGTERM); Mosquitto saves its persistence file. */
  public void stop() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    }
    RUNNING.remove(process);
  }

  /** Crash (SIGKILL): no goodbye to clients, nothing saved since the last autosave. */
  public void kill() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
    RUNNING.remove(process);
  }

  /** Starts again on the same port with the same configuration and data. */
  public void restart() throws Exception {
    kill();
    launch();
  }

  /** Kills the broker (as {@link #kill()}). */
  @Override
  public void close() {
    try {
      kill();
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
