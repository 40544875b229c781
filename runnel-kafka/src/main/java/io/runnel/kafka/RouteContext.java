package io.runnel.kafka;

import io.runnel.spi.ErrorLog;
import org.apache.kafka.clients.producer.Producer;

/** What the link's senders see of it: the producer, errors, identity and the stop signal. */
interface RouteContext {
  /** The link's producer (thread-safe, shared by the live sender and every history route). */
  Producer<byte[], byte[]> producer();

  ErrorLog errors();

  /** The node id, and as UTF-8 for the header. */
  String nodeId();

  byte[] nodeBytes();

  /** The bootstrap servers, for messages. */
  String bootstrap();

  /** Whether the link is closing: stop sending. */
  boolean stopping();

  /** When closing must end ({@link System#nanoTime()}); meaningful once {@link #stopping()}. */
  long closeDeadline();
}
