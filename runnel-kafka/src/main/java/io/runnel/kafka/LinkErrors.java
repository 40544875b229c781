package io.runnel.kafka;

import io.runnel.spi.LogLimiter;
import java.time.Instant;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The link's error reporting: keeps the last error for the status and logs each one, rate-limited
 * (a burst of 10, then one per 10 s, with the count of those suppressed). Called from every thread
 * of the link; thread-safe.
 */
final class LinkErrors {

  static final System.Logger LOG = System.getLogger("io.runnel.kafka");

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
          "[kafka " + link + "] " + message + LogLimiter.suppressedNote(suppressed));
    }
  }

  /** The last error with its time, or {@code null} if there was none. */
  String lastError() {
    return lastError;
  }

  static String describe(Throwable e) {
    Throwable t = e;
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    String msg = t.getMessage() == null ? "" : t.getMessage();
    String hint =
        t instanceof org.apache.kafka.common.errors.SslAuthenticationException
            ? " (check the trust store: it must hold the CA that signed the broker's certificate,"
                + " and the certificate must name the host the link connects to)"
            : t instanceof org.apache.kafka.common.errors.AuthenticationException
                ? " (check the link's SASL credentials and the broker's JAAS / ACL configuration)"
                : t instanceof org.apache.kafka.common.errors.TimeoutException
                    ? " (is the broker up and reachable at the bootstrap address?)"
                    : "";
    return t.getClass().getSimpleName() + (msg.isEmpty() ? "" : ": " + msg) + hint;
  }
}
