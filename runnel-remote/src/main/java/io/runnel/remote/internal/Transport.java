package io.runnel.remote.internal;

import java.io.IOException;

/** One connection's way out, as a transport provides it (WebSocket, Unix socket). */
interface Transport {

  /** {@code websocket} or {@code unix}. */
  String kind();

  /** The peer, for logs and the audit log. */
  String remote();

  /**
   * Sends one message and returns once the transport took it (written to the socket or failed).
   * Called by the connection's {@link Outbox} thread only. May block while the client does not
   * read; {@link #abort()} from another thread ends the wait with an exception.
   */
  void send(String message) throws IOException;

  /** Closes after everything sent so far, telling the client why (WebSocket close frame). */
  void close(Reason reason, String message);

  /** Closes at once, from any thread. */
  void abort();
}
