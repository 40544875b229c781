/**
 * A Kafka link: a pipeline's persisted records to Kafka through the shared history reader, live
 * values through a bounded queue, and consumer groups into records. kafka-clients has no module
 * descriptor: it is the automatic module {@code kafka.clients}.
 */
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module io.runnel.kafka {
  requires transitive io.runnel.core;
  requires transitive io.runnel.codec;
  requires transitive io.runnel.store;
  requires transitive kafka.clients; // KafkaHeaders reads its Headers

  exports io.runnel.kafka;
}
