package io.runnel.mqtt;

import java.util.concurrent.locks.ReentrantLock;

/**
 * A link's lifecycle: configured, then started once (by the pipeline), then closed. Written by the
 * thread that starts and closes the pipeline; read by tasks, which check that the link they belong
 * to was registered with a pipeline.
 */
final class Lifecycle {

  private final String link;
  private final ReentrantLock lock = new ReentrantLock();
  private volatile boolean started;
  private volatile boolean closed;

  Lifecycle(String link) {
    this.link = link;
  }

  /**
   * Runs {@code start} (the part of starting that may fail) and then marks the link started; throws
   * if it was started or closed before.
   */
  void start(Runnable start) {
    lock.lock();
    try {
      if (started || closed) {
        throw new IllegalStateException(
            "MQTT link '" + link + "' was already started; a link belongs to one pipeline run");
      }
      start.run();
      started = true;
    } finally {
      lock.unlock();
    }
  }

  /** Marks the link closed; {@code false} if it already was. */
  boolean close() {
    lock.lock();
    try {
      if (closed) {
        return false;
      }
      closed = true;
      return true;
    } finally {
      lock.unlock();
    }
  }

  boolean started() {
    return started;
  }

  void requireStarted(String what) {
    if (!started) {
      throw new IllegalStateException(
          "MQTT link '"
              + link
              + "' is not started, so "
              + what
              + " cannot run: register the link with Runnel.builder().connector(link)");
    }
  }

  void requireNotStarted(String what) {
    if (started || closed) {
      throw new IllegalStateException(
          "MQTT link '" + link + "': " + what + "(...) must be called before the link starts");
    }
  }
}
