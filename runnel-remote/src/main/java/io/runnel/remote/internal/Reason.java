package io.runnel.remote.internal;

/**
 * The stable reason words of the protocol's errors (docs/REMOTE.md, "Errors"), each with its
 * JSON-RPC code. The last group names why the server closed a connection; their code is the nearest
 * error of the table.
 */
public enum Reason {
  PARSE_ERROR(-32700, "parse_error"),
  INVALID_REQUEST(-32600, "invalid_request"),
  UNKNOWN_METHOD(-32601, "unknown_method"),
  INVALID_PARAMS(-32602, "invalid_params"),
  UNAUTHENTICATED(-32001, "unauthenticated"),
  FORBIDDEN(-32003, "forbidden"),
  NOT_FOUND(-32004, "not_found"),
  NO_HISTORY(-32005, "no_history"),
  DECODE_FAILED(-32006, "decode_failed"),
  RATE_LIMITED(-32008, "rate_limited"),
  LIMIT_EXCEEDED(-32009, "limit_exceeded"),
  CLOSED(-32010, "closed"),
  INTERNAL(-32603, "internal"),
  // why the server closed a connection
  MESSAGE_TOO_BIG(-32009, "message_too_big"),
  AUTH_TIMEOUT(-32001, "auth_timeout"),
  TOO_MANY_CONNECTIONS(-32009, "too_many_connections"),
  SLOW_CLIENT(-32009, "slow_client"),
  SHUTDOWN(-32010, "shutdown");

  private final int code;
  private final String word;

  Reason(int code, String word) {
    this.code = code;
    this.word = word;
  }

  /** The JSON-RPC error code. */
  public int code() {
    return code;
  }

  /** The stable word in {@code error.data.reason}. */
  public String word() {
    return word;
  }
}
