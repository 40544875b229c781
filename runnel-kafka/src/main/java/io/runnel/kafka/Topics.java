package io.runnel.kafka;

import io.runnel.spi.Checks;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What an inbound subscription reads: a list of topics, or every topic whose name matches a pattern
 * (topics created later included, found at the consumer's metadata refresh: {@code
 * metadata.max.age.ms}, 5 min by default, a {@code consumerProperty}). Immutable.
 */
public final class Topics {
  private final List<String> names;
  private final Pattern pattern;

  private Topics(List<String> names, Pattern pattern) {
    this.names = names;
    this.pattern = pattern;
  }

  /** These topics. */
  public static Topics of(String... names) {
    Checks.notNull("names", names);
    if (names.length == 0) {
      throw new IllegalArgumentException("topics: at least one topic is needed");
    }
    for (String n : names) {
      checkTopic(n);
    }
    return new Topics(List.of(names), null);
  }

  /** Every topic whose whole name matches {@code pattern}. */
  public static Topics matching(Pattern pattern) {
    return new Topics(null, Checks.notNull("pattern", pattern));
  }

  /** Every topic whose whole name matches the regular expression {@code regex}. */
  public static Topics matching(String regex) {
    return matching(Pattern.compile(Checks.notNull("regex", regex)));
  }

  /** The topics, or {@code null} for a pattern. */
  List<String> names() {
    return names;
  }

  /** The pattern, or {@code null} for a list. */
  Pattern pattern() {
    return pattern;
  }

  /** Kafka's rule for topic names: 1..249 of {@code [a-zA-Z0-9._-]}, not "." or "..". */
  static String checkTopic(String topic) {
    Checks.notBlank("topic", topic);
    if (topic.length() > 249
        || topic.equals(".")
        || topic.equals("..")
        || !topic.matches("[a-zA-Z0-9._-]+")) {
      throw new IllegalArgumentException(
          "invalid Kafka topic '"
              + topic
              + "': 1 to 249 characters of a-z, A-Z, 0-9, '.', '_' and '-', not '.' or '..'");
    }
    return topic;
  }

  @Override
  public String toString() {
    return names != null ? String.join(",", names) : "/" + pattern.pattern() + "/";
  }
}
