package io.runnel.http;

/**
 * Keeps a sync that fails for hours from filling a device's disk with the same warning: a burst of
 * messages, then at most one per interval, each saying how many were suppressed before it.
 */
final class LogLimiter {
  private final int burst;
  private final long intervalNanos;
  private int inBurst;
  private long lastNanos;
  private long suppressed;

  LogLimiter(int burst, long intervalNanos) {
    this.burst = burst;
    this.intervalNanos = intervalNanos;
  }

  /** -1 to stay silent, otherwise the number of messages suppressed since the last one logged. */
  synchronized long tryAcquire() {
    long now = System.nanoTime();
    if (inBurst < burst || now - lastNanos >= intervalNanos) {
      inBurst = Math.min(inBurst + 1, burst);
      lastNanos = now;
      long s = suppressed;
      suppressed = 0;
      return s;
    }
    suppressed++;
    return -1;
  }

  /** Starts a new burst (after a recovery, the next failure is news again). */
  synchronized void reset() {
    inBurst = 0;
  }
}
