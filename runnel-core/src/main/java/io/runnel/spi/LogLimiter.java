package io.runnel.spi;

/**
 * Keeps a misbehaving task from flooding the log of a device: lets a burst of messages through,
 * then at most one per interval, and says how many were suppressed in between.
 */
public final class LogLimiter {
  private final int burst;
  private final long intervalNanos;
  private int inBurst;
  private long lastNanos;
  private long suppressed;

  public LogLimiter(int burst, long intervalNanos) {
    this.burst = burst;
    this.intervalNanos = intervalNanos;
  }

  /**
   * Asks to log one message.
   *
   * @return -1 to stay silent; otherwise the number of messages suppressed since the last one
   *     logged
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
