package io.runnel.spi;

import java.util.Map;

/**
 * A connector at the moment of the snapshot.
 *
 * @param name the connector's name
 * @param kind what it is, e.g. {@code mqtt} or {@code http-sync}
 * @param connected whether its link to the outside is up now
 * @param lastError the last error (with when and where), or {@code null}
 * @param backlog values waiting to be forwarded (history not yet acknowledged, queued messages)
 * @param retries attempts repeated after a failure
 * @param deadLetters inbound values that could not be decoded or routed
 * @param counters further counters by name (sent, received, bytes, ...)
 */
public record ConnectorStatus(
    String name,
    String kind,
    boolean connected,
    String lastError,
    long backlog,
    long retries,
    long deadLetters,
    Map<String, Long> counters) {

  public ConnectorStatus {
    counters = Map.copyOf(counters);
  }
}
