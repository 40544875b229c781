package io.runnel.buffer;

import java.util.concurrent.locks.LockSupport;

/**
 * The wake-up target of one waiting consumer: a reader, or a {@link ReaderGroup} waiting on several
 * buffers at once. A buffer wakes every signal registered with it when it has something new.
 */
final class Signal {
  private volatile Thread waiter;

  void arm() {
    waiter = Thread.currentThread();
  }

  void disarm() {
    waiter = null;
  }

  void wake() {
    Thread t = waiter;
    if (t != null) {
      LockSupport.unpark(t);
    }
  }
}
