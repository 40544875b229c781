package io.runnel;

import io.runnel.spi.Checks;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Ends an application in order when its process is asked to stop: {@code SIGTERM} (a service
 * manager's stop, {@code kill}), {@code SIGINT} (Ctrl-C), {@code SIGHUP}, or {@code System.exit}
 * called elsewhere. It is a JVM shutdown hook with a protocol around it, so that an application
 * prints its summary, syncs its history and closes its pipeline before the process ends:
 *
 * <pre>{@code
 * public static void main(String[] args) throws Exception {
 *   int status;
 *   try (Shutdown shutdown = Shutdown.install(Duration.ofSeconds(10));
 *        HistoryStore store = HistoryStore.open(config)) {
 *     Runnel runnel = shutdown.closeOnRequest(pipeline(store).start()); // closed by the hook only
 *     shutdown.await(Duration.ofHours(24));                             // if main is stuck
 *     runnel.close();                                    // graceful: sources stop, buffers drain
 *     System.out.println(shutdown.requested() ? "interrupted; counters: ..." : "counters: ...");
 *     status = shutdown.requested() ? Shutdown.EXIT_SIGTERM : Shutdown.EXIT_OK;
 *   }                                                    // close(): the JVM may now exit
 *   Shutdown.exit(status);
 * }
 * }</pre>
 *
 * <h2>What happens on a request</h2>
 *
 * <ol>
 *   <li>The hook marks the request ({@link #requested()}, {@link #requestedAt()}), wakes every
 *       {@link #await} and runs the {@link #onRequest} actions (e.g. interrupt a worker thread).
 *   <li>It waits up to the timeout for the application to call {@link #finished()} or {@link
 *       #close()}: the application's own orderly end, on its own thread.
 *   <li>If the application did not finish in time, the hook closes the resources given to {@link
 *       #closeOnRequest}, newest first, within a second timeout, and says so on {@code System.err}:
 *       a stuck application still has its pipeline closed and its store synced.
 *   <li>The hook returns and the JVM exits. Its status is the JVM's: {@code 128 + signal}, so
 *       {@value #EXIT_SIGINT} after {@code SIGINT} and {@value #EXIT_SIGTERM} after {@code
 *       SIGTERM}; a shutdown hook cannot change it. {@link #exit(int)} therefore does nothing while
 *       a shutdown is in progress, and calls {@code System.exit} otherwise.
 * </ol>
 *
 * <p>A second signal during the shutdown does not cut it short (the JVM ignores it); {@code kill
 * -9} still does. The hook cannot tell which signal arrived: the process's exit status does.
 * Without a request, {@link #close()} removes the hook, so a normal end costs nothing. Thread-safe.
 */
public final class Shutdown implements AutoCloseable {

  /** Exit status: the application did what it was asked to. */
  public static final int EXIT_OK = 0;

  /** Exit status: the application ran but failed (a check did not hold, a connection failed). */
  public static final int EXIT_FAILURE = 1;

  /** Exit status: bad arguments or configuration; nothing was started. */
  public static final int EXIT_USAGE = 2;

  /** Exit status the JVM sets after {@code SIGINT} (128 + 2). */
  public static final int EXIT_SIGINT = 130;

  /** Exit status the JVM sets after {@code SIGTERM} (128 + 15). */
  public static final int EXIT_SIGTERM = 143;

  /** The default time the application is given to finish after a request: 10 s. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

  private final Duration timeout;
  private final Thread hook;
  private final CountDownLatch requestLatch = new CountDownLatch(1);
  private final CountDownLatch finishedLatch = new CountDownLatch(1);
  private final AtomicBoolean closed = new AtomicBoolean();
  private final List<Runnable> actions = new ArrayList<>(); // guarded by itself
  private final Deque<AutoCloseable> resources = new ArrayDeque<>(); // guarded by itself
  private volatile Instant requestedAt;

  private Shutdown(Duration timeout) {
    this.timeout = timeout;
    this.hook = new Thread(this::onShutdown, "runnel-shutdown");
  }

  /** Installs a shutdown hook with the {@linkplain #DEFAULT_TIMEOUT default timeout}. */
  public static Shutdown install() {
    return install(DEFAULT_TIMEOUT);
  }

  /**
   * Installs a shutdown hook that gives the application {@code timeout} to finish after a request
   * (and its {@link #closeOnRequest} resources as long again to close).
   *
   * @throws IllegalArgumentException if {@code timeout} is not positive
   * @throws IllegalStateException if the JVM is already shutting down
   */
  public static Shutdown install(Duration timeout) {
    Checks.positive("timeout", timeout);
    Shutdown s = new Shutdown(timeout);
    Runtime.getRuntime().addShutdownHook(s.hook);
    return s;
  }

  /**
   * Registers a resource that the hook closes if the application has not finished within the
   * timeout after a request (newest first). The application normally closes it itself.
   *
   * @return {@code resource}
   */
  public <T extends AutoCloseable> T closeOnRequest(T resource) {
    Checks.notNull("resource", resource);
    synchronized (resources) {
      resources.push(resource);
    }
    return resource;
  }

  /**
   * Runs {@code action} on the hook's thread when a request arrives (at once if one already has),
   * before the hook waits for the application; exactly once either way. It should return quickly;
   * an exception is printed and ignored.
   */
  public Shutdown onRequest(Runnable action) {
    Checks.notNull("action", action);
    synchronized (actions) {
      if (!requested()) {
        actions.add(action); // the hook runs it
        return this;
      }
    }
    run(action); // the request came first
    return this;
  }

  /** Whether the process has been asked to stop. */
  public boolean requested() {
    return requestLatch.getCount() == 0;
  }

  /** When the request arrived, if one has. */
  public Optional<Instant> requestedAt() {
    return Optional.ofNullable(requestedAt);
  }

  /**
   * Waits until a request arrives or {@code timeout} passes: a sleep that a signal cuts short.
   *
   * @return whether a request has arrived
   */
  public boolean await(Duration timeout) throws InterruptedException {
    Checks.notNull("timeout", timeout);
    return requestLatch.await(Math.max(0, timeout.toNanos()), TimeUnit.NANOSECONDS);
  }

  /** Waits until a request arrives, however long that takes. */
  public void awaitRequest() throws InterruptedException {
    requestLatch.await();
  }

  /**
   * Tells the hook that the application has ended in order (printed its summary, closed its
   * pipeline): after a request, the JVM may now exit.
   */
  public void finished() {
    finishedLatch.countDown();
  }

  /**
   * The application's normal end: {@link #finished()}, and the hook is removed if no request has
   * arrived. Idempotent.
   */
  @Override
  public void close() {
    finished();
    if (closed.compareAndSet(false, true) && !requested()) {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the JVM began to shut down (the hook may already be running): nothing to remove
      }
    }
  }

  /**
   * Ends the JVM with {@code status}, unless it is already shutting down (a signal arrived): then
   * returns at once, and the JVM exits with the signal's status ({@value #EXIT_SIGINT}, {@value
   * #EXIT_SIGTERM}) once the shutdown hooks are done. Calling {@code System.exit} during a shutdown
   * would block the caller forever.
   */
  public static void exit(int status) {
    if (shuttingDown()) {
      return;
    }
    System.exit(status);
  }

  /** Whether the JVM is running its shutdown hooks (then no hook can be added). */
  public static boolean shuttingDown() {
    Thread probe = new Thread(() -> {}, "runnel-shutdown-probe");
    try {
      Runtime.getRuntime().addShutdownHook(probe);
    } catch (IllegalStateException e) {
      return true;
    }
    try {
      Runtime.getRuntime().removeShutdownHook(probe);
    } catch (IllegalStateException e) {
      return true;
    }
    return false;
  }

  private void onShutdown() {
    if (closed.get()) {
      return; // closed while the JVM began its shutdown: nothing to do
    }
    List<Runnable> toRun;
    synchronized (actions) {
      requestedAt = Instant.now();
      requestLatch.countDown();
      toRun = List.copyOf(actions);
    }
    toRun.forEach(Shutdown::run);
    try {
      if (finishedLatch.await(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
        return;
      }
      List<AutoCloseable> left;
      synchronized (resources) {
        left = List.copyOf(resources);
      }
      System.err.printf(
          "runnel: shutdown: the application did not finish within %d ms; closing %d"
              + " resource(s) and exiting%n",
          timeout.toMillis(), left.size());
      Thread closer =
          new Thread(
              () -> {
                for (AutoCloseable r : left) {
                  try {
                    r.close();
                  } catch (Exception | Error e) {
                    System.err.println("runnel: shutdown: closing " + r + " failed: " + e);
                  }
                }
              },
              "runnel-shutdown-close");
      closer.setDaemon(true);
      closer.start();
      closer.join(timeout.toMillis());
      if (closer.isAlive()) {
        System.err.printf(
            "runnel: shutdown: resources still closing after %d ms; exiting anyway%n",
            timeout.toMillis());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void run(Runnable action) {
    try {
      action.run();
    } catch (RuntimeException | Error e) {
      System.err.println("runnel: shutdown: an onRequest action failed: " + e);
    }
  }

  @Override
  public String toString() {
    return "Shutdown[timeout="
        + timeout.toMillis()
        + " ms, "
        + (requested() ? "requested at " + requestedAt : "not requested")
        + "]";
  }
}
