package io.runnel.testbed;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * A real Apache Kafka broker for tests and examples: KRaft mode, one JVM that is broker and
 * controller at once, started from the Maven Central artifacts that the build copied into {@code
 * runnel-testbed/target/kafka-broker/} (the system property {@code runnel.kafka.brokerClasspath}
 * overrides it), on two free loopback ports, with its log in a directory of the test. It is
 * formatted ({@code kafka.tools.StorageTool format}) once, then started, {@linkplain #kill()
 * killed} ({@code kill -9}), {@linkplain #restart() restarted} on the same ports and directory, and
 * {@linkplain #close() stopped}. It runs on the JDK the tests run on ({@code java.home}), with
 * {@code -Xmx256m}. Every broker still running when the test JVM exits is killed.
 */
public final class KafkaBroker implements AutoCloseable {

  private static final Set<Process> RUNNING = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime()
        .addShutdownHook(new Thread(() -> RUNNING.forEach(Process::destroyForcibly)));
  }

  private final Path dir;
  private final Path config;
  private final Path log;
  private final int port;
  private final int controllerPort;
  private Process process;
  private long lastStartMillis;

  /** SASL/PLAIN users (name to password) on the client listener; empty: PLAINTEXT. */
  private final Map<String, String> saslUsers;

  /** TLS on the client listener (a self-signed certificate for 127.0.0.1), if true. */
  private final boolean tls;

  private KafkaBroker(
      Path dir, int port, int controllerPort, Map<String, String> saslUsers, boolean tls) {
    this.saslUsers = saslUsers;
    this.tls = tls;
    this.dir = dir;
    this.config = dir.resolve("server.properties");
    this.log = dir.resolve("broker.log");
    this.port = port;
    this.controllerPort = controllerPort;
  }

  private static KafkaBroker shared;

  /**
   * One broker for every test class of this JVM that does not kill it (started once, on first use,
   * in {@code target/}; stopped when the JVM exits): start-up is paid once.
   */
  public static synchronized KafkaBroker shared() throws IOException, InterruptedException {
    if (shared == null || !shared.isRunning()) {
      Path dir =
          Path.of("target", "kafka-shared-" + ProcessHandle.current().pid()).toAbsolutePath();
      KafkaBroker b = start(dir);
      shared = b;
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    try {
                      b.kill();
                      try (var files = Files.walk(dir)) {
                        files
                            .sorted(java.util.Comparator.reverseOrder())
                            .forEach(f -> f.toFile().delete());
                      }
                    } catch (Exception e) {
                      // the JVM is exiting: target/ keeps what could not be removed
                    }
                  }));
    }
    return shared;
  }

  /** Formats a fresh broker in {@code dir} and starts it; returns once it serves metadata. */
  public static KafkaBroker start(Path dir) throws IOException, InterruptedException {
    return start(dir, Map.of());
  }

  /**
   * Like {@link #start(Path)} with a SASL_PLAINTEXT client listener accepting SASL/PLAIN for {@code
   * users} (name to password).
   */
  public static KafkaBroker start(Path dir, Map<String, String> users)
      throws IOException, InterruptedException {
    Files.createDirectories(dir);
    KafkaBroker b = new KafkaBroker(dir, freePort(), freePort(), users, false);
    b.writeConfig();
    b.format();
    b.launch();
    return b;
  }

  /**
   * Like {@link #start(Path)} with an SSL client listener: a key pair and a self-signed certificate
   * for {@code 127.0.0.1} made with the JDK's {@code keytool}; {@link #caPem()} is the certificate
   * for clients to trust.
   */
  public static KafkaBroker startTls(Path dir) throws IOException, InterruptedException {
    Files.createDirectories(dir);
    KafkaBroker b = new KafkaBroker(dir, freePort(), freePort(), Map.of(), true);
    String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    run(
        dir,
        keytool,
        "-genkeypair",
        "-alias",
        "broker",
        "-keyalg",
        "EC",
        "-groupname",
        "secp256r1",
        "-dname",
        "CN=127.0.0.1",
        "-ext",
        "SAN=IP:127.0.0.1,DNS:localhost",
        "-validity",
        "2",
        "-keystore",
        dir.resolve("broker.p12").toString(),
        "-storetype",
        "PKCS12",
        "-storepass",
        "changeit",
        "-keypass",
        "changeit");
    run(
        dir,
        keytool,
        "-exportcert",
        "-rfc",
        "-alias",
        "broker",
        "-keystore",
        dir.resolve("broker.p12").toString(),
        "-storepass",
        "changeit",
        "-file",
        b.caPem().toString());
    b.writeConfig();
    b.format();
    b.launch();
    return b;
  }

  /** The broker's certificate (PEM), to trust; only with {@link #startTls}. */
  public Path caPem() {
    return dir.resolve("ca.pem");
  }

  private static void run(Path dir, String... cmd) throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("keytool.log").toFile())
            .start();
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IOException("keytool failed: " + Files.readString(dir.resolve("keytool.log")));
    }
  }

  /** A loopback port nothing listens on now. */
  public static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** The client listener's port on 127.0.0.1. */
  public int port() {
    return port;
  }

  /** {@code 127.0.0.1:port}, for {@code bootstrap.servers}. */
  public String bootstrap() {
    return "127.0.0.1:" + port;
  }

  /** How long the last start took until the broker answered a metadata request. */
  public long lastStartMillis() {
    return lastStartMillis;
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

  private void writeConfig() throws IOException {
    List<String> lines = new ArrayList<>();
    lines.add("process.roles=broker,controller");
    lines.add("node.id=1");
    lines.add("controller.quorum.voters=1@127.0.0.1:" + controllerPort);
    if (tls) {
      lines.add("listeners=SSL://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
      lines.add("advertised.listeners=SSL://127.0.0.1:" + port);
      lines.add("inter.broker.listener.name=SSL");
      lines.add("listener.security.protocol.map=CONTROLLER:PLAINTEXT,SSL:SSL");
      lines.add("ssl.keystore.type=PKCS12");
      lines.add("ssl.keystore.location=" + dir.resolve("broker.p12"));
      lines.add("ssl.keystore.password=changeit");
      lines.add("ssl.key.password=changeit");
      lines.add("ssl.truststore.type=PEM");
      lines.add("ssl.truststore.location=" + caPem());
    } else if (saslUsers.isEmpty()) {
      lines.add(
          "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
      lines.add("advertised.listeners=PLAINTEXT://127.0.0.1:" + port);
      lines.add("inter.broker.listener.name=PLAINTEXT");
      lines.add("listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT");
    } else {
      lines.add(
          "listeners=SASL_PLAINTEXT://127.0.0.1:"
              + port
              + ",CONTROLLER://127.0.0.1:"
              + controllerPort);
      lines.add("advertised.listeners=SASL_PLAINTEXT://127.0.0.1:" + port);
      lines.add("inter.broker.listener.name=SASL_PLAINTEXT");
      lines.add(
          "listener.security.protocol.map=CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT");
      lines.add("sasl.enabled.mechanisms=PLAIN");
      lines.add("sasl.mechanism.inter.broker.protocol=PLAIN");
      StringBuilder jaas =
          new StringBuilder(
              "listener.name.sasl_plaintext.plain.sasl.jaas.config="
                  + "org.apache.kafka.common.security.plain.PlainLoginModule required"
                  + " username=\"broker\" password=\"broker-pw\" user_broker=\"broker-pw\"");
      saslUsers.forEach((u, pw) -> jaas.append(" user_" + u + "=\"" + pw + "\""));
      lines.add(jaas + ";");
    }
    lines.add("controller.listener.names=CONTROLLER");
    lines.add("log.dirs=" + dir.resolve("data"));
    lines.add("num.partitions=1");
    lines.add("offsets.topic.replication.factor=1");
    lines.add("offsets.topic.num.partitions=3");
    lines.add("transaction.state.log.replication.factor=1");
    lines.add("transaction.state.log.min.isr=1");
    lines.add("share.coordinator.state.topic.replication.factor=1");
    lines.add("share.coordinator.state.topic.min.isr=1");
    lines.add("group.initial.rebalance.delay.ms=0");
    lines.add("auto.create.topics.enable=true");
    lines.add("num.network.threads=2");
    lines.add("num.io.threads=2");
    lines.add("background.threads=2");
    lines.add("log.cleaner.enable=false");
    // after a kill -9 the restarted broker waits for its old registration to expire: keep it short
    lines.add("broker.session.timeout.ms=2000");
    lines.add("broker.heartbeat.interval.ms=500");
    Files.write(config, lines);
  }

  private List<String> java(String mainClass) {
    String cp = brokerClasspath();
    if (cp == null || !Files.isDirectory(Path.of(cp))) {
      throw new IllegalStateException(
          "the Kafka broker's class path is missing ("
              + cp
              + "): build runnel-testbed with Maven, which copies it into target/kafka-broker/"
              + " (or set the system property runnel.kafka.brokerClasspath)");
    }
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx256m");
    cmd.add("-Xss512k");
    cmd.add("-XX:+UseSerialGC");
    cmd.add("-XX:TieredStopAtLevel=1"); // start-up over peak speed: a test broker runs briefly
    cmd.add("-Xshare:auto");
    cmd.add("-Djava.awt.headless=true");
    cmd.add("-cp");
    cmd.add(cp + File.separator + "*");
    cmd.add(mainClass);
    return cmd;
  }

  /**
   * The folder of the broker's jars: the system property {@code runnel.kafka.brokerClasspath}, else
   * the one the build of this module wrote into {@code broker-classpath.properties}.
   */
  private static String brokerClasspath() {
    String cp = System.getProperty("runnel.kafka.brokerClasspath");
    if (cp != null) {
      return cp;
    }
    try (var in = KafkaBroker.class.getResourceAsStream("broker-classpath.properties")) {
      if (in == null) {
        return null;
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("kafka.broker.classpath");
    } catch (IOException e) {
      return null;
    }
  }

  private void format() throws IOException, InterruptedException {
    List<String> cmd = java("kafka.tools.StorageTool");
    cmd.addAll(
        List.of(
            "format",
            "-t",
            UUID.randomUUID().toString().replace("-", "").substring(0, 22),
            "-c",
            config.toString()));
    Process p =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("format.log").toFile())
            .start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("formatting the broker's storage took over 60 s");
    }
    if (p.exitValue() != 0) {
      throw new IOException(
          "formatting the broker's storage failed ("
              + p.exitValue()
              + "): "
              + Files.readString(dir.resolve("format.log")));
    }
  }

  private void launch() throws IOException, InterruptedException {
    long t0 = System.nanoTime();
    List<String> cmd = java("kafka.Kafka");
    cmd.add(config.toString());
    process =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    RUNNING.add(process);
    awaitReady(Duration.ofSeconds(90));
    lastStartMillis = (System.nanoTime() - t0) / 1_000_000;
  }

  private void awaitReady(Duration timeout) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    Exception last = null;
    try (Admin admin = admin(Duration.ofSeconds(2))) {
      while (System.nanoTime() - deadline < 0) {
        if (!process.isAlive()) {
          throw new IOException(
              "the Kafka broker exited with " + process.exitValue() + "; its log: " + tail());
        }
        try {
          if (!admin.describeCluster().nodes().get(2, TimeUnit.SECONDS).isEmpty()) {
            return;
          }
        } catch (Exception e) {
          last = e;
        }
        Thread.sleep(50);
      }
    }
    throw new IOException(
        "the Kafka broker did not answer within "
            + timeout
            + " ("
            + last
            + "); its log: "
            + tail());
  }

  /** An admin client of this broker (the caller closes it). */
  public Admin admin(Duration timeout) {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
    if (!saslUsers.isEmpty()) {
      p.putAll(saslClientConfig("broker", "broker-pw"));
    }
    if (tls) {
      p.put("security.protocol", "SSL");
      p.put("ssl.truststore.type", "PEM");
      p.put("ssl.truststore.location", caPem().toString());
    }
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
    p.put(AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, 50);
    p.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 200);
    return Admin.create(p);
  }

  /** Creates a topic with {@code partitions} partitions (replication 1). */
  public void createTopic(String topic, int partitions) throws Exception {
    try (Admin admin = admin(Duration.ofSeconds(10))) {
      admin
          .createTopics(List.of(new NewTopic(topic, partitions, (short) 1)))
          .all()
          .get(30, TimeUnit.SECONDS);
    }
  }

  private String tail() {
    try {
      String s = Files.readString(log);
      return s.length() > 4000 ? "..." + s.substring(s.length() - 4000) : s;
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  /** {@code kill -9}: the broker dies at once, with whatever it had not written to its log. */
  public void kill() throws InterruptedException {
    if (process != null) {
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
      RUNNING.remove(process);
    }
  }

  /** Starts the broker again on the same ports and directory (after {@link #kill}). */
  public void restart() throws IOException, InterruptedException {
    if (isRunning()) {
      throw new IllegalStateException("the broker is running");
    }
    launch();
  }

  /** Stops the broker (SIGTERM, then SIGKILL after 10 s). */
  @Override
  public void close() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    }
    if (process != null) {
      RUNNING.remove(process);
    }
  }

  /** Client properties for SASL/PLAIN as {@code user}. */
  public static Map<String, Object> saslClientConfig(String user, String password) {
    return Map.of(
        "security.protocol",
        "SASL_PLAINTEXT",
        "sasl.mechanism",
        "PLAIN",
        "sasl.jaas.config",
        "org.apache.kafka.common.security.plain.PlainLoginModule required username=\""
            + user
            + "\" password=\""
            + password
            + "\";");
  }
}
