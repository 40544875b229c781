/** The Kafka link. */
package io.runnel.kafka;
