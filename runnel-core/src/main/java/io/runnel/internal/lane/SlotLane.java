package io.runnel.internal.lane;

import io.runnel.LaneSpec;
import io.runnel.internal.time.Parking;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A lane of N slots: a task holds a slot while it runs and gives it back at each waiting point.
 * Cooperative lanes have one slot and run on virtual threads (one task at a time; produce is a
 * yield point too); blocking pools have N slots and run on platform threads (a task blocked in a
 * native or synchronized call holds a slot, never a virtual-thread carrier). The semaphore is fair,
 * so tasks get the slot in the order they asked for it.
 */
final class SlotLane extends Lane {
  private final java.util.concurrent.Semaphore slots;
  private final AtomicInteger waitingForSlot = new AtomicInteger();

  @Override
  public int waitingForSlot() {
    return waitingForSlot.get();
  }

  SlotLane(String name, LaneSpec spec) {
    super(name, spec);
    this.slots = new java.util.concurrent.Semaphore(spec.threads(), true);
  }

  boolean cooperative() {
    return spec.kind() == LaneSpec.Kind.COOPERATIVE;
  }

  @Override
  Thread newThread(String threadName, Runnable body) {
    return cooperative()
        ? Thread.ofVirtual().name(threadName).unstarted(body)
        : Thread.ofPlatform().name(threadName).daemon(true).unstarted(body);
  }

  private void acquire() {
    waitingForSlot.incrementAndGet();
    try {
      slots.acquireUninterruptibly(); // keeps the interrupt flag for the caller to see
    } finally {
      waitingForSlot.decrementAndGet();
    }
  }

  @Override
  void enter(Activity activity) {
    acquire();
  }

  @Override
  void leave(Activity activity) {
    slots.release();
  }

  @Override
  boolean spinBeforePark() {
    return false; // spinning would hold the slot that the awaited producer may need
  }

  @Override
  Parking.Parker parker(Activity activity) {
    return (blocker, deadline) -> {
      activity.waiting();
      slots.release();
      try {
        Parking.LOCK_SUPPORT.park(blocker, deadline);
      } finally {
        acquire();
        activity.running();
      }
    };
  }

  @Override
  void producedBy(Activity activity) {
    if (cooperative() && slots.hasQueuedThreads()) {
      activity.waiting();
      slots.release();
      acquire(); // fair: queues behind the tasks already waiting
      activity.running();
    }
  }
}
