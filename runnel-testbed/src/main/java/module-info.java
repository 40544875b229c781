/**
 * Local brokers for tests and examples: {@link io.runnel.testbed.Mosquitto} (the system's {@code
 * mosquitto} binary) and {@link io.runnel.testbed.KafkaBroker} (Apache Kafka in KRaft mode from the
 * jars the build copied), each a separate process on free loopback ports, killed and restarted at
 * will. Not for production: no replication, no tuning, directories of the caller.
 */
@SuppressWarnings("requires-automatic")
module io.runnel.testbed {
  requires kafka.clients;

  exports io.runnel.testbed;
}
