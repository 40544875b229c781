package io.runnel.bench.mqtt;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * One MQTT client library, reduced to what the gateway's link does with it: connect (persistent
 * session, keep-alive), subscribe to one filter at QoS 1, publish at QoS 1 with the link's stamp
 * (MQTT 5 user properties; none on 3.1.1, where the link wraps the payload in its envelope), and
 * disconnect. An implementation has a public no-argument constructor and is loaded by name, so a
 * probe run loads the classes of one library only.
 */
public interface ProbeClient {

  /** The library and protocol, for the report (e.g. "HiveMQ mqtt-client 1.4.2, MQTT 5"). */
  String describe();

  /**
   * Connects to {@code host:port} as {@code clientId} (no clean start, session kept for an hour, 60
   * s keep-alive) and returns once the broker's CONNACK arrived; throws if it did not within {@code
   * timeout} or the broker refused.
   */
  void connect(String host, int port, String clientId, Duration timeout) throws Exception;

  /**
   * Subscribes to {@code filter} at QoS 1 and returns once the broker granted it; messages arrive
   * at {@code onMessage} (payload bytes) on the library's thread.
   */
  void subscribe(String filter, Consumer<byte[]> onMessage, Duration timeout) throws Exception;

  /**
   * Publishes one message at QoS 1; the future completes when the broker acknowledged it (PUBACK)
   * and exceptionally if it was refused or the connection was lost.
   *
   * @param schema the schema id sent as the user property {@code runnel-schema} on MQTT 5
   * @param sequence the history sequence sent as the user property {@code runnel-seq} on MQTT 5
   */
  CompletableFuture<Void> publish(String topic, byte[] payload, String schema, long sequence);

  /** Disconnects and releases the library's threads, waiting at most {@code timeout}. */
  void close(Duration timeout) throws Exception;
}
