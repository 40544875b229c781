package io.runnel.mqtt;

import java.time.Instant;

/**
 * An inbound MQTT message that could not be turned into a value of its record: routed to the record
 * configured with {@link MqttLink.Builder#deadLetters}, which must be declared {@code external()}.
 *
 * @param topic the topic the message arrived on
 * @param payload the message's bytes, unchanged
 * @param error why it could not be decoded
 * @param at when it arrived (wall-clock)
 */
public record DeadLetter(String topic, byte[] payload, String error, Instant at) {

  @Override
  public String toString() {
    return "DeadLetter[topic="
        + topic
        + ", "
        + payload.length
        + " bytes, error="
        + error
        + ", at="
        + at
        + "]";
  }
}
