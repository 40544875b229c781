package io.runnel.internal.time;

import java.time.Instant;

/**
 * Where a task's time comes from: monotonic nanoseconds for scheduling and wall-clock instants for
 * stamping values. The system source is the default; a simulated source makes time virtual.
 */
public interface TimeSource {
  long nanoTime();

  Instant now();

  /** {@link System#nanoTime()} and {@link Instant#now()}. */
  TimeSource SYSTEM =
      new TimeSource() {
        @Override
        public long nanoTime() {
          return System.nanoTime();
        }

        @Override
        public Instant now() {
          return Instant.now();
        }

        @Override
        public String toString() {
          return "system time";
        }
      };
}
