package io.runnel.bench.mqtt;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * No library and no network: every publish is acknowledged at once, and one to the subscribed topic
 * is handed to the subscriber on the publishing thread. The probe's own loop (payloads, pacing,
 * counting) on this client is the baseline that the real clients are compared with, so that the
 * difference is the library alone.
 */
public final class LoopbackClient implements ProbeClient {

  /** Loaded by name by {@link MqttClientProbe}. */
  public LoopbackClient() {}

  @Override
  public String describe() {
    return "no client (the probe's loop, acknowledged in-process)";
  }

  @Override
  public void connect(String host, int port, String clientId, Duration timeout) {}

  private volatile String filter;
  private volatile Consumer<byte[]> subscriber;

  @Override
  public void subscribe(String filter, Consumer<byte[]> onMessage, Duration timeout) {
    this.subscriber = onMessage;
    this.filter = filter;
  }

  @Override
  public CompletableFuture<Void> publish(
      String topic, byte[] payload, String schema, long sequence) {
    if (topic.equals(filter)) {
      subscriber.accept(payload);
    }
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public void close(Duration timeout) {}
}
