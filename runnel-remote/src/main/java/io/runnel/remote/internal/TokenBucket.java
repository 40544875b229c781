package io.runnel.remote.internal;

/**
 * A token bucket: {@code rate} tokens a second, at most {@code rate} saved up (a burst of one
 * second's worth). Used by one connection's reading thread; synchronized for safety, never
 * contended.
 */
final class TokenBucket {
  private final double ratePerNano;
  private final double capacity;
  private double tokens;
  private long last;

  TokenBucket(int ratePerSecond) {
    this.ratePerNano = ratePerSecond / 1e9;
    this.capacity = ratePerSecond;
    this.tokens = ratePerSecond;
    this.last = System.nanoTime();
  }

  synchronized boolean tryAcquire() {
    long now = System.nanoTime();
    tokens = Math.min(capacity, tokens + (now - last) * ratePerNano);
    last = now;
    if (tokens >= 1) {
      tokens -= 1;
      return true;
    }
    return false;
  }
}
