package io.runnel.internal.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The threads of one task's spawned children (and their children), for stopping and awaiting them.
 *
 * <h2>Implementation overview</h2>
 *
 * <p>A child is {@linkplain #register registered} before its thread starts, so whoever stops the
 * task can never miss a child that is already running. A thread is unregistered once it is seen
 * ended ({@link Thread#isAlive()} false, which also makes everything it did visible), never
 * earlier: so a child's own children, registered while it was alive, are in the list before it
 * leaves. A {@link #live()} snapshot is taken under the lock, so it is a consistent cut: a thread
 * missing from it either ended or was registered after the cut (by a thread that is in it, or by a
 * spawn that then sees the stop itself). Stopping therefore repeats "interrupt the snapshot, wait
 * for it" until a snapshot is empty ({@link TaskRunner#stopChildren}).
 *
 * <p>A lock rather than a concurrent set: a concurrent set's iterator is weakly consistent, and
 * could miss both a grandchild added behind it and its parent removed ahead of it.
 */
final class ChildThreads {
  private final ReentrantLock lock = new ReentrantLock(); // not synchronized: never pin a carrier
  private final List<Thread> threads = new ArrayList<>();

  /** Adds a child's thread; called before the thread starts. */
  void register(Thread child) {
    lock.lock();
    try {
      threads.removeIf(ChildThreads::ended);
      threads.add(child);
    } finally {
      lock.unlock();
    }
  }

  /** Removes a child whose thread never started (its lane refused it). */
  void unregister(Thread child) {
    lock.lock();
    try {
      threads.remove(child);
    } finally {
      lock.unlock();
    }
  }

  /** The registered threads not yet seen ended; registered but unstarted ones included. */
  List<Thread> live() {
    lock.lock();
    try {
      threads.removeIf(ChildThreads::ended);
      return List.copyOf(threads);
    } finally {
      lock.unlock();
    }
  }

  /** Ended: started and terminated (an unstarted thread is about to start, so not ended). */
  private static boolean ended(Thread t) {
    return t.getState() == Thread.State.TERMINATED;
  }
}
