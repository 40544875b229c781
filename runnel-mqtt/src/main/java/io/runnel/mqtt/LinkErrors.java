package io.runnel.mqtt;

import io.runnel.spi.LogLimiter;
import java.time.Instant;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The link's error reporting: keeps the last error for the status and logs each one, rate-limited
 * (a burst of 10, then one per 10 s, with the count of those suppressed). Called from every thread
 * of the link (event loop, sender, history routes, source and tap tasks); thread-safe.
 */
final class LinkErrors {

  static final System.Logger LOG = System.getLogger("io.runnel.mqtt");

  private final String link;
  private final LogLimiter logLimit = new LogLimiter(10, java.time.Duration.ofSeconds(10));
  private volatile String lastError;

  LinkErrors(String link) {
    this.link = link;
  }

  /** Records an error for the status and logs it, rate-limited. */
  void report(String what, Throwable cause) {
    String message = Instant.now() + " " + what + (cause == null ? "" : ": " + describe(cause));
    lastError = message;
    long suppressed = logLimit.tryAcquire();
    if (suppressed >= 0) {
      LOG.log(
          System.Logger.Level.WARNING,
          "[mqtt " + link + "] " + message + LogLimiter.suppressedNote(suppressed));
    }
  }

  /** The last error with its time, or {@code null} if there was none. */
  String lastError() {
    return lastError;
  }

  private static String describe(Throwable e) {
    Throwable t = e;
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    String msg = t.getMessage() == null ? "" : t.getMessage();
    String hint =
        msg.contains("USER_NAME_OR_PASSWORD") || msg.contains("NOT_AUTHORIZED")
            ? " (check the link's credentials and the broker's password file / ACL)"
            : "";
    return t.getClass().getSimpleName() + (msg.isEmpty() ? "" : ": " + msg) + hint;
  }
}
