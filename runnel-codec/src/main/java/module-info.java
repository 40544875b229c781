/**
 * Codecs: how a record's values become bytes where they leave memory (history, MQTT, HTTP, Kafka).
 * The binary {@code RecordCodec} needs nothing but the JDK; {@code JsonCodec} needs Jackson, which
 * is an optional dependency: add {@code jackson-databind} to use it, and {@code
 * jackson-datatype-jsr310} for {@code java.time} values (registered when present).
 *
 * <p>Both read a user's record types reflectively: a user's named module must open the packages of
 * its record types to this module (and to {@code com.fasterxml.jackson.databind} for JSON).
 */
module io.runnel.codec {
  requires static com.fasterxml.jackson.databind;
  requires static com.fasterxml.jackson.datatype.jsr310;

  exports io.runnel.codec;
}
