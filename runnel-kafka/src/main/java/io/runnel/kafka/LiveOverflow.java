package io.runnel.kafka;

/**
 * What the live queue ({@link KafkaLink#publish}) does with a value when it is full (in messages or
 * bytes): either way the value lost is counted ({@code live.dropped}) and the tap never blocks.
 */
public enum LiveOverflow {
  /** Drop the oldest queued value: the newest readings go out first after an outage (default). */
  DROP_OLDEST,
  /** Drop the new value: what was queued first is kept, the gap is at the end. */
  DROP_NEWEST
}
