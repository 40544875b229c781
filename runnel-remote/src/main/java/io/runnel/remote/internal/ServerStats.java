package io.runnel.remote.internal;

import io.runnel.remote.RemoteStats;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** The server's counters; thread-safe, cheap to bump. */
final class ServerStats {
  final AtomicLong connectionsOpen = new AtomicLong();
  final LongAdder connectionsAccepted = new LongAdder();
  final LongAdder connectionsRejected = new LongAdder();
  final AtomicLong watchesOpen = new AtomicLong();
  final LongAdder watchDelivered = new LongAdder();
  final LongAdder watchMissed = new LongAdder();
  final LongAdder writesAccepted = new LongAdder();
  final LongAdder writesRefused = new LongAdder();
  private final Map<String, LongAdder> requests = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> rejected = new ConcurrentHashMap<>();

  void request(String method) {
    requests.computeIfAbsent(method, m -> new LongAdder()).increment();
  }

  void rejected(Reason reason) {
    rejected.computeIfAbsent(reason.word(), m -> new LongAdder()).increment();
  }

  RemoteStats snapshot() {
    return new RemoteStats(
        connectionsOpen.get(),
        connectionsAccepted.sum(),
        connectionsRejected.sum(),
        sums(requests),
        sums(rejected),
        watchesOpen.get(),
        watchDelivered.sum(),
        watchMissed.sum(),
        writesAccepted.sum(),
        writesRefused.sum());
  }

  private static Map<String, Long> sums(Map<String, LongAdder> m) {
    Map<String, Long> out = new TreeMap<>();
    m.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }
}
