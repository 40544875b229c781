package io.runnel.mqtt;

import io.runnel.spi.ErrorLog;

/**
 * The link's logger and what its errors hint at; the reporting itself (last error, rate-limited
 * log) is {@link ErrorLog}, shared with the other connectors.
 */
final class LinkErrors {

  static final System.Logger LOG = System.getLogger("io.runnel.mqtt");

  private LinkErrors() {}

  /** The error log of the link named {@code link}, used by every thread of the link. */
  static ErrorLog of(String link) {
    return new ErrorLog(LOG, "[mqtt " + link + "] ", LinkErrors::hint);
  }

  private static String hint(Throwable t) {
    String msg = t.getMessage() == null ? "" : t.getMessage();
    return msg.contains("USER_NAME_OR_PASSWORD") || msg.contains("NOT_AUTHORIZED")
        ? " (check the link's credentials and the broker's password file / ACL)"
        : "";
  }
}
