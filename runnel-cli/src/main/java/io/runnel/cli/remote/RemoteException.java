package io.runnel.cli.remote;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A failed exchange with a Runnel remote server: either an error response (with the protocol's
 * stable {@link #reason()}, e.g. {@code not_found}) or a transport problem (reason {@link
 * #UNREACHABLE}, {@link #TIMEOUT} or {@link #CLOSED_CONNECTION}). The message is one line for a
 * person.
 */
public final class RemoteException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Could not connect (refused, no such socket, handshake failed, TLS failed). */
  public static final String UNREACHABLE = "unreachable";

  /** The server did not answer within the timeout. */
  public static final String TIMEOUT = "timeout";

  /** The connection closed before the answer came. */
  public static final String CLOSED_CONNECTION = "connection_closed";

  /** The server sent something that is not a JSON-RPC message of the protocol. */
  public static final String PROTOCOL = "protocol";

  private final int code;
  private final String reason;
  private final transient JsonNode data;

  public RemoteException(int code, String reason, String message, JsonNode data) {
    super(message);
    this.code = code;
    this.reason = reason;
    this.data = data;
  }

  /** A transport-level failure (no JSON-RPC error code). */
  public static RemoteException transport(String reason, String message) {
    return new RemoteException(0, reason, message, null);
  }

  /** The JSON-RPC error code, 0 for a transport failure. */
  public int code() {
    return code;
  }

  /** The stable word clients branch on: the server's {@code data.reason}, or a transport reason. */
  public String reason() {
    return reason;
  }

  /** The error's {@code data} object, or null. */
  public JsonNode data() {
    return data;
  }

  /** True if the failure is about reaching the server or being let in, not about the request. */
  public boolean isAccessProblem() {
    return switch (reason) {
      case UNREACHABLE, TIMEOUT, CLOSED_CONNECTION, "unauthenticated", "forbidden" -> true;
      default -> false;
    };
  }
}
