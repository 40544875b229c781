package io.runnel.mqtt;

import java.util.concurrent.CompletableFuture;

/**
 * What an outbound route (the live sender, a history route) sees of its link: the connection's
 * state, publishing, and error reporting. Deliberately narrow, so that a route can be rebuilt (the
 * history route onto the shared store reader) without touching the connection. Implemented by
 * {@link Connection}; every method is thread-safe and none blocks except {@link #awaitConnected}.
 */
interface RouteLink {

  /** Whether the client is connected now. */
  boolean isConnected();

  /** Waits up to {@code millis} for the link to be connected (or stopping). */
  void awaitConnected(long millis);

  /** Whether the link is closing: routes finish their outstanding work and return. */
  boolean stopping();

  /** When closing must be done ({@link System#nanoTime()}); meaningful once {@link #stopping()}. */
  long closeDeadline();

  /** How often the broker came back without the session it had for us (it lost its state). */
  long sessionLosses();

  /**
   * The number of the current connection: 0 before the first CONNACK, then one more with each. Two
   * events on the same number happened on one TCP connection to one broker process.
   */
  long connection();

  /**
   * One round trip to the broker, with no effect on the session (an UNSUBSCRIBE of a filter the
   * link never subscribes). Completes with the {@link #connection()} number on which the answer
   * arrived (read on the client's event loop as it arrived), or exceptionally if none arrived
   * (connection lost, client closed). An answer is an answer whatever its reason code.
   */
  CompletableFuture<Long> probe();

  /**
   * Publishes one message; see {@link Transport#publish}. Throws (an invalid topic, ...) or returns
   * a future that completes once the message is written (QoS 0) or acknowledged (QoS 1).
   */
  CompletableFuture<Void> publish(
      String topic, byte[] payload, Qos qos, boolean retain, long sequence, Wire.Stamp stamp);

  /** Records an error for the status and logs it, rate-limited. */
  void error(String what, Throwable cause);
}
