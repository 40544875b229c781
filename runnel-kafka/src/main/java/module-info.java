/** A Kafka link: a pipeline's records to and from Kafka topics. */
module io.runnel.kafka {
  requires transitive io.runnel.core;
}
