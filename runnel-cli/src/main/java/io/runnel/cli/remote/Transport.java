package io.runnel.cli.remote;

import java.time.Duration;

/**
 * One connection's framing: sends and receives whole JSON messages as text. Implementations: {@link
 * WebSocketTransport} (one message per text frame) and {@link UnixSocketTransport} (one message per
 * line). Everything above the framing lives in {@link RemoteClient}.
 */
interface Transport extends AutoCloseable {

  /** Where a transport delivers what arrives, on its own reader thread, in order. */
  interface Receiver {
    /** One whole message. May block (back-pressure: nothing more is read meanwhile). */
    void message(String text);

    /** The connection ended; called once, after the last message. */
    void closed(String why);
  }

  /**
   * Sends one message, waiting at most {@code timeout} for it to be handed to the OS.
   *
   * @throws RemoteException if the connection is closed or the send timed out
   */
  void send(String text, Duration timeout) throws RemoteException;

  /**
   * Keeps the connection alive while it may carry nothing for long (a quiet watch): from now on,
   * sends a keep-alive every {@code interval} until closed. The default does nothing (a Unix socket
   * has no idle timeout).
   */
  default void keepAlive(Duration interval) {}

  /** Closes the connection (idempotent); the receiver's {@code closed} follows. */
  @Override
  void close();
}
