package io.runnel.remote;

import java.util.Map;

/**
 * The remote server's own counters at one moment (also the result of the {@code stats} method).
 *
 * @param connectionsOpen connections open now, both transports
 * @param connectionsAccepted connections accepted since start
 * @param connectionsRejected connections refused or closed by the server for a reason counted in
 *     {@code rejected}
 * @param requests requests answered, per method (unknown methods under {@code unknown})
 * @param rejected rejections per reason word ({@code unauthenticated}, {@code rate_limited}, {@code
 *     message_too_big}, {@code too_many_connections}, {@code auth_timeout}, {@code slow_client},
 *     {@code parse_error}, ...): every refused request, frame or connection
 * @param watchesOpen subscriptions open now
 * @param watchDelivered values delivered to watchers
 * @param watchMissed values not delivered to a watcher (too slow, or overtaken by the ring)
 * @param writesAccepted {@code set} requests that produced a value
 * @param writesRefused {@code set} requests refused (role, allow-list, decoding, closed record)
 */
public record RemoteStats(
    long connectionsOpen,
    long connectionsAccepted,
    long connectionsRejected,
    Map<String, Long> requests,
    Map<String, Long> rejected,
    long watchesOpen,
    long watchDelivered,
    long watchMissed,
    long writesAccepted,
    long writesRefused) {

  public RemoteStats {
    requests = Map.copyOf(requests);
    rejected = Map.copyOf(rejected);
  }

  /** Rejections counted under {@code reason}, 0 if none. */
  public long rejected(String reason) {
    return rejected.getOrDefault(reason, 0L);
  }

  /** Rejections of every reason. */
  public long rejectedTotal() {
    return rejected.values().stream().mapToLong(Long::longValue).sum();
  }
}
