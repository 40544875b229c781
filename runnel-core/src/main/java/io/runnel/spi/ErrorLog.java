package io.runnel.spi;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;

/**
 * A connector's error reporting: keeps the last error, with its time, for {@link
 * ConnectorStatus#lastError()} and logs each one at WARNING, rate-limited by a {@link LogLimiter}
 * (a burst of 10, then one per 10 s, with the count of those suppressed). A cause is described by
 * its class and message (unwrapped from {@link CompletionException} and {@link ExecutionException})
 * and, where the connector knows one, a hint on what to check. Thread-safe: called from every
 * thread of a connector.
 */
public final class ErrorLog {

  private final System.Logger logger;
  private final String prefix;
  private final Function<? super Throwable, String> hint;
  private final LogLimiter limit = new LogLimiter(10, Duration.ofSeconds(10));
  private volatile String lastError;

  /**
   * @param logger where the errors are logged
   * @param prefix put before every logged line, e.g. {@code "[mqtt uplink] "}
   * @param hint for a cause, what to check (e.g. {@code " (check the credentials)"}), or {@code ""}
   */
  public ErrorLog(System.Logger logger, String prefix, Function<? super Throwable, String> hint) {
    this.logger = Checks.notNull("logger", logger);
    this.prefix = Checks.notNull("prefix", prefix);
    this.hint = Checks.notNull("hint", hint);
  }

  /** Records {@code what} (and its cause, if not null) as the last error and logs it. */
  public void report(String what, Throwable cause) {
    String message = Instant.now() + " " + what + (cause == null ? "" : ": " + describe(cause));
    lastError = message;
    long suppressed = limit.tryAcquire();
    if (suppressed >= 0) {
      logger.log(
          System.Logger.Level.WARNING, prefix + message + LogLimiter.suppressedNote(suppressed));
    }
  }

  /** The last error with its time, or {@code null} if there was none. */
  public String lastError() {
    return lastError;
  }

  /** {@code SimpleClassName: message} of the unwrapped cause, and the hint. */
  public String describe(Throwable e) {
    Throwable t = e;
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    String msg = t.getMessage() == null ? "" : t.getMessage();
    String h = hint.apply(t);
    return t.getClass().getSimpleName() + (msg.isEmpty() ? "" : ": " + msg) + (h == null ? "" : h);
  }
}
