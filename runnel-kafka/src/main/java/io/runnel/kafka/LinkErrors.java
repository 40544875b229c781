package io.runnel.kafka;

import io.runnel.spi.ErrorLog;

/**
 * The link's logger and what its errors hint at; the reporting itself (last error, rate-limited
 * log) is {@link ErrorLog}, shared with the other connectors.
 */
final class LinkErrors {

  static final System.Logger LOG = System.getLogger("io.runnel.kafka");

  private LinkErrors() {}

  /** The error log of the link named {@code link}, used by every thread of the link. */
  static ErrorLog of(String link) {
    return new ErrorLog(LOG, "[kafka " + link + "] ", LinkErrors::hint);
  }

  private static String hint(Throwable t) {
    return t instanceof org.apache.kafka.common.errors.SslAuthenticationException
        ? " (check the trust store: it must hold the CA that signed the broker's certificate,"
            + " and the certificate must name the host the link connects to)"
        : t instanceof org.apache.kafka.common.errors.AuthenticationException
            ? " (check the link's SASL credentials and the broker's JAAS / ACL configuration)"
            : t instanceof org.apache.kafka.common.errors.TimeoutException
                ? " (is the broker up and reachable at the bootstrap address?)"
                : "";
  }
}
