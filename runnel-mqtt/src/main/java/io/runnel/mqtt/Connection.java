package io.runnel.mqtt;

import com.hivemq.client.mqtt.lifecycle.MqttClientReconnector;
import io.runnel.spi.Backoff;
import io.runnel.spi.ErrorLog;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The link's connection to its broker: creates the {@link Transport} when the link starts,
 * reconnects forever with {@link Backoff} (the only place that computes a reconnect delay), hands
 * inbound messages to the {@link InboundRoutes} and subscribes them on the first connect, and
 * disconnects when the link closes.
 *
 * <h2>Threads</h2>
 *
 * <p>The {@link Transport.Listener} callbacks run on the client's single event-loop thread and must
 * not block: they are the only writers of {@code connected} (apart from the final disconnect in
 * {@link #shutdown}), of the connection counters and of {@code subscribedOnce}. {@code stopping}
 * and the close deadline are written by the thread that closes the link. Routes on other threads
 * read this state through {@link RouteLink}; changes of {@code connected} and {@code stopping} are
 * signalled on one condition, for {@link #awaitConnected}.
 */
final class Connection implements Transport.Listener, RouteLink {

  private final String name;
  private final Transport.Settings settings;
  private final Backoff backoff;
  private final ErrorLog errors;
  private final InboundRoutes inbound;

  private final ReentrantLock stateLock = new ReentrantLock();
  private final Condition stateChanged = stateLock.newCondition();
  private volatile Transport transport;
  private volatile boolean connected;
  private volatile boolean stopping;
  private volatile long closeDeadline;
  private boolean subscribedOnce; // under stateLock

  private final AtomicLong retries = new AtomicLong();
  private final AtomicLong connects = new AtomicLong();
  private final AtomicLong sessionLosses = new AtomicLong();

  Connection(
      String name,
      Transport.Settings settings,
      Duration reconnectMin,
      Duration reconnectMax,
      ErrorLog errors,
      InboundRoutes inbound) {
    this.name = name;
    this.settings = settings;
    this.backoff = Backoff.exponential(reconnectMin, reconnectMax).jitter(Backoff.Jitter.EQUAL);
    this.errors = errors;
    this.inbound = inbound;
  }

  Transport.Settings settings() {
    return settings;
  }

  // -------------------------------------------------------------------- driven by the link's owner

  /** Creates the client (not yet connecting); called once, when the link starts. */
  void open() {
    transport = Transport.create(settings, this);
  }

  /** Starts connecting, without waiting; failures arrive at {@link #disconnected}. */
  void connect() {
    transport
        .connect()
        .whenComplete(
            (ack, e) -> {
              if (e != null) {
                LinkErrors.LOG.log(
                    System.Logger.Level.DEBUG, () -> "[mqtt " + name + "] connect: " + e);
              }
            });
  }

  /** Remembers when closing must be done ({@link System#nanoTime()}). */
  void closeBy(long deadline) {
    closeDeadline = deadline;
  }

  /** Tells the routes to stop, and wakes those waiting for a connection. */
  void stop() {
    stopping = true;
    signalState();
  }

  /** Disconnects (keeping the broker session), waiting at most a second. */
  void shutdown() {
    stopping = true;
    try {
      transport.disconnect().get(1, TimeUnit.SECONDS);
    } catch (Exception e) {
      // not connected, or the broker is gone: nothing to close gracefully
    }
    connected = false;
  }

  long retries() {
    return retries.get();
  }

  long connects() {
    return connects.get();
  }

  // -------------------------------------------------------------------- RouteLink

  @Override
  public boolean isConnected() {
    return connected;
  }

  @Override
  public boolean stopping() {
    return stopping;
  }

  @Override
  public long closeDeadline() {
    return closeDeadline;
  }

  @Override
  public long sessionLosses() {
    return sessionLosses.get();
  }

  @Override
  public long connection() {
    return connects.get();
  }

  @Override
  public CompletableFuture<Long> probe() {
    CompletableFuture<Void> sent;
    try {
      sent = transport.probe();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    // handle() runs where the answer completes the future, the event loop, which is also the only
    // writer of connects: the number read there is the connection the answer came on.
    return sent.handle(
        (ok, e) -> {
          if (e != null && !Transport.isAnswer(e)) {
            throw new CompletionException(e);
          }
          return connects.get();
        });
  }

  @Override
  public CompletableFuture<Void> publish(
      String topic, byte[] payload, Qos qos, boolean retain, long sequence, Wire.Stamp stamp) {
    return transport.publish(topic, payload, qos, retain, sequence, stamp);
  }

  @Override
  public void error(String what, Throwable cause) {
    errors.report(what, cause);
  }

  @Override
  public void awaitConnected(long millis) {
    stateLock.lock();
    try {
      long nanos = TimeUnit.MILLISECONDS.toNanos(millis);
      while (!connected && !stopping && nanos > 0) {
        nanos = stateChanged.awaitNanos(nanos);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      stateLock.unlock();
    }
  }

  private void signalState() {
    stateLock.lock();
    try {
      stateChanged.signalAll();
    } finally {
      stateLock.unlock();
    }
  }

  // -------------------------------------------------------------------- client event loop

  @Override
  public void connected(boolean sessionPresent) {
    long n = connects.incrementAndGet();
    if (n > 1 && !sessionPresent) {
      sessionLosses.incrementAndGet();
    }
    boolean first;
    stateLock.lock();
    try {
      connected = true;
      first = !subscribedOnce;
      subscribedOnce = true;
      stateChanged.signalAll();
    } finally {
      stateLock.unlock();
    }
    LinkErrors.LOG.log(
        System.Logger.Level.INFO,
        () ->
            "[mqtt "
                + name
                + "] connected to "
                + settings.host()
                + ":"
                + settings.port()
                + " (connection "
                + n
                + ", session present: "
                + sessionPresent
                + ")");
    if (stopping) { // connected while the link closes
      transport.disconnect();
      return;
    }
    if (first) {
      // Later reconnects: the broker kept the subscriptions (session present), or HiveMQ
      // sends them again (resubscribeIfSessionExpired, on by default).
      inbound.subscribeAll(transport);
    }
  }

  @Override
  public void disconnected(Throwable cause, boolean byUser, MqttClientReconnector reconnector) {
    boolean was = connected;
    if (byUser || stopping) {
      connected = false;
      signalState();
      reconnector.reconnect(false);
      return;
    }
    // HiveMQ counts the attempt that just failed: 1 after the first failure.
    long delay = backoff.delay(reconnector.getAttempts() - 1).toNanos();
    reconnector
        .reconnect(true)
        .resubscribeIfSessionExpired(true)
        .republishIfSessionExpired(false)
        .delay(delay, TimeUnit.NANOSECONDS);
    long retry =
        retries.get() + 1; // counted after lastError is set: status never shows a retry without
    // its error
    errors.report(
        (was ? "connection to " : "cannot connect to ")
            + settings.host()
            + ":"
            + settings.port()
            + (was ? " lost" : "")
            + "; retry "
            + retry
            + " in "
            + TimeUnit.NANOSECONDS.toMillis(delay)
            + " ms",
        cause);
    retries.incrementAndGet();
    connected = false; // after lastError: status never shows "not connected" without a reason
    signalState();
  }

  @Override
  public void message(String topic, byte[] payload, Wire.Stamp stamp) {
    inbound.dispatch(topic, payload, stamp);
  }
}
