package io.runnel.kafka;

import java.time.Instant;

/**
 * A Kafka message that could not be turned into a value of its record: routed to the record
 * configured with {@link KafkaLink.Builder#deadLetters}, which must be declared {@code external()}.
 * Its offset is committed once the dead letter is produced: it is not delivered again.
 *
 * @param topic the topic it was read from
 * @param partition its partition
 * @param offset its offset in the partition
 * @param key the message key's bytes ({@code null} if it had none)
 * @param payload the message's value bytes, unchanged ({@code null} for a tombstone)
 * @param error why it could not be decoded
 * @param at when it was read (wall-clock)
 */
public record KafkaDeadLetter(
    String topic,
    int partition,
    long offset,
    byte[] key,
    byte[] payload,
    String error,
    Instant at) {

  @Override
  public String toString() {
    return "KafkaDeadLetter["
        + topic
        + "-"
        + partition
        + "@"
        + offset
        + ", "
        + (payload == null ? "null" : payload.length + " bytes")
        + ", error="
        + error
        + ", at="
        + at
        + "]";
  }
}
