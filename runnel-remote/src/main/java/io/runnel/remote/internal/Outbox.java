package io.runnel.remote.internal;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One connection's outbound side and its writer thread (a virtual thread). Responses wait in a
 * bounded queue; watch notifications wait in each {@link Subscription}'s own bounded queue. The
 * writer sends every queued response first, then up to a few items of each subscription in turn,
 * one message at a time: memory per connection is bounded by the queues, whatever the client does.
 *
 * <p>A client that stops reading blocks the writer inside {@link Transport#send}; the server's
 * reaper ({@link #stalledFor}) then closes the connection. A full response queue means the same and
 * is reported by {@link #respond} returning false.
 */
final class Outbox implements Runnable {
  private static final int ITEMS_PER_TURN = 32;

  private record Closing(String finalMessage, Reason reason, String text) {}

  private final Transport transport;
  private final ArrayBlockingQueue<String> responses;
  private final List<Subscription> subscriptions = new CopyOnWriteArrayList<>();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition work = lock.newCondition();
  private final Runnable onEnd;
  private boolean signalled;
  private volatile long sendingSince;
  private volatile Closing closing;
  private volatile boolean stopped;
  private Thread thread;

  Outbox(Transport transport, int responseCapacity, Runnable onEnd) {
    this.transport = transport;
    this.responses = new ArrayBlockingQueue<>(responseCapacity);
    this.onEnd = onEnd;
  }

  void start(String name) {
    thread = Thread.ofVirtual().name(name).start(this);
  }

  /** Queues a response; false if the queue is full (the client is not reading). */
  boolean respond(String message) {
    if (stopped || closing != null) {
      return true; // closing: the answer is moot
    }
    boolean ok = responses.offer(message);
    if (ok) {
      signal();
    }
    return ok;
  }

  void add(Subscription s) {
    subscriptions.add(s);
    signal();
  }

  void remove(Subscription s) {
    subscriptions.remove(s);
  }

  /** Sends what is queued, then {@code finalMessage} (if not null), then closes with a reason. */
  void finish(String finalMessage, Reason reason, String text) {
    if (closing == null) {
      closing = new Closing(finalMessage, reason, text);
      signal();
    }
  }

  /** Stops the writer without sending anything more. */
  void stop() {
    stopped = true;
    signal();
  }

  boolean isClosing() {
    return closing != null || stopped;
  }

  void signal() {
    lock.lock();
    try {
      signalled = true;
      work.signal();
    } finally {
      lock.unlock();
    }
  }

  /** Nanoseconds the current send has been blocked, or 0 when not sending. */
  long stalledFor(long now) {
    long since = sendingSince;
    return since == 0 ? 0 : now - since;
  }

  /** Waits up to {@code millis} for the writer to end. */
  void join(long millis) throws InterruptedException {
    Thread t = thread;
    if (t != null) {
      t.join(millis);
    }
  }

  @Override
  public void run() {
    try {
      while (!stopped) {
        String r;
        while (!stopped && (r = responses.poll()) != null) {
          send(r);
        }
        Closing c = closing;
        if (c != null) {
          if (c.finalMessage() != null) {
            send(c.finalMessage());
          }
          transport.close(c.reason(), c.text());
          return;
        }
        boolean any = false;
        for (Subscription s : subscriptions) {
          for (int i = 0; i < ITEMS_PER_TURN && !stopped; i++) {
            Subscription.Item item = s.poll();
            if (item == null) {
              break;
            }
            any = true;
            List<String> messages = s.render(item);
            s.sent(
                item); // counted once handed to the transport: a send failure ends the connection
            for (String m : messages) {
              send(m);
            }
          }
        }
        if (!any) {
          awaitWork();
        }
      }
    } catch (IOException e) {
      // the transport failed or was aborted: the connection is gone
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      stopped = true;
      onEnd.run();
    }
  }

  private void send(String m) throws IOException {
    sendingSince = Math.max(1, System.nanoTime());
    try {
      transport.send(m);
    } finally {
      sendingSince = 0;
    }
  }

  private void awaitWork() throws InterruptedException {
    lock.lock();
    try {
      if (!signalled && responses.isEmpty() && closing == null && !stopped) {
        work.await(1, TimeUnit.SECONDS);
      }
      signalled = false;
    } finally {
      lock.unlock();
    }
  }
}
