package io.runnel.spi;

import java.time.Duration;

/**
 * Runnel's one rate-limited logging helper: keeps a misbehaving task or connector from flooding the
 * log of a device. It lets a burst of messages through, then at most one per interval, and the next
 * message that gets through says how many were suppressed in between (" (N similar messages
 * suppressed)"). Thread-safe; cheap when silent (one uncontended lock and a clock read).
 */
public final class LogLimiter {
  private final int burst;
  private final long intervalNanos;
  private int inBurst;
  private long lastNanos;
  private long suppressed;

  /**
   * A limiter letting {@code burst} messages through at once, then one per {@code interval}.
   *
   * @throws IllegalArgumentException if {@code burst} or {@code interval} is not positive
   */
  public LogLimiter(int burst, Duration interval) {
    this.burst = Checks.positive("burst", burst);
    this.intervalNanos = Durations.saturatedNanos(Checks.positive("interval", interval));
  }

  /**
   * Logs {@code message} (with {@code thrown}, if not null) unless the limit is reached.
   *
   * @return whether it was logged
   */
  public boolean log(
      System.Logger logger, System.Logger.Level level, String message, Throwable thrown) {
    long s = tryAcquire();
    if (s < 0) {
      return false;
    }
    String text = message + suppressedNote(s);
    if (thrown == null) {
      logger.log(level, text);
    } else {
      logger.log(level, text, thrown);
    }
    return true;
  }

  /** Like {@link #log(System.Logger, System.Logger.Level, String, Throwable)} without a cause. */
  public boolean log(System.Logger logger, System.Logger.Level level, String message) {
    return log(logger, level, message, null);
  }

  /**
   * Asks to log one message, for callers that format their own.
   *
   * @return -1 to stay silent; otherwise the number of messages suppressed since the last one
   *     logged (append {@link #suppressedNote(long)} to the message)
   */
  public synchronized long tryAcquire() {
    long now = System.nanoTime();
    if (inBurst < burst) {
      inBurst++;
      lastNanos = now;
      return takeSuppressed();
    }
    if (now - lastNanos >= intervalNanos) {
      lastNanos = now;
      return takeSuppressed();
    }
    suppressed++;
    return -1;
  }

  /** " (N similar messages suppressed)", or "" for 0. */
  public static String suppressedNote(long suppressed) {
    return suppressed > 0 ? " (" + suppressed + " similar messages suppressed)" : "";
  }

  /** Starts a new burst: after a recovery, the next failure is news again. */
  public synchronized void reset() {
    inBurst = 0;
  }

  private long takeSuppressed() {
    long s = suppressed;
    suppressed = 0;
    return s;
  }
}
