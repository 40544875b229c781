package io.runnel;

import java.util.Objects;
import java.util.Optional;

/**
 * The stable identity of a record, such as {@code sensor.temp.indoor}. Usually an enum:
 *
 * <pre>{@code
 * enum Sensors implements RecordKey {
 *   INDOOR("sensor.temp.indoor"), OUTDOOR("sensor.temp.outdoor");
 *   private final String id;
 *   Sensors(String id) { this.id = id; }
 *   public String id() { return id; }
 * }
 * }</pre>
 *
 * <p>Two keys are the same record when their {@link #id()}s are equal, whatever their classes.
 *
 * <p><b>Syntax.</b> One or more segments separated by single dots; each segment starts with a
 * lowercase ASCII letter or digit and continues with lowercase letters, digits, {@code _} or {@code
 * -}; at most {@value #MAX_LENGTH} characters in all. The graph checks every key when it is built;
 * {@link #of(String)} checks at once.
 */
public interface RecordKey {

  /** The longest allowed key. */
  int MAX_LENGTH = 200;

  /** The key's id, e.g. {@code sensor.temp.indoor}. */
  String id();

  /**
   * A key with the given id.
   *
   * @throws IllegalArgumentException if the id is not a valid key (the message says why)
   */
  static RecordKey of(String id) {
    problem(id)
        .ifPresent(
            p -> {
              throw new IllegalArgumentException(p);
            });
    return new SimpleRecordKey(id);
  }

  /**
   * Checks an id against the key syntax.
   *
   * @return a message saying what is wrong, or empty if the id is valid
   */
  static Optional<String> problem(String id) {
    if (id == null) {
      return Optional.of("record key must not be null");
    }
    if (id.isEmpty()) {
      return Optional.of("record key must not be empty");
    }
    if (id.length() > MAX_LENGTH) {
      return Optional.of(
          "record key '"
              + id.substring(0, 40)
              + "...' is "
              + id.length()
              + " characters long; at most "
              + MAX_LENGTH
              + " are allowed");
    }
    boolean segmentStart = true;
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      if (c == '.') {
        if (segmentStart) {
          return Optional.of(
              "record key '"
                  + id
                  + "' has an empty segment at index "
                  + i
                  + " (keys are dot-separated segments like 'sensor.temp.indoor')");
        }
        segmentStart = true;
        continue;
      }
      boolean lowerOrDigit = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
      if (segmentStart && !lowerOrDigit) {
        return Optional.of(
            "record key '"
                + id
                + "' has a segment starting with "
                + describe(c)
                + " at index "
                + i
                + "; a segment starts with a lowercase letter or a digit");
      }
      if (!lowerOrDigit && c != '_' && c != '-') {
        return Optional.of(
            "record key '"
                + id
                + "' contains "
                + describe(c)
                + " at index "
                + i
                + "; allowed are lowercase letters, digits, '_', '-' and '.' between segments");
      }
      segmentStart = false;
    }
    if (segmentStart) {
      return Optional.of("record key '" + id + "' ends with '.'");
    }
    return Optional.empty();
  }

  private static String describe(char c) {
    if (c >= 'A' && c <= 'Z') {
      return "uppercase '" + c + "' (use lowercase)";
    }
    if (Character.isWhitespace(c)) {
      return "whitespace";
    }
    return "'" + c + "'";
  }
}

/** The key returned by {@link RecordKey#of(String)}. */
record SimpleRecordKey(String id) implements RecordKey {
  SimpleRecordKey {
    Objects.requireNonNull(id, "id");
  }

  @Override
  public String toString() {
    return id;
  }
}
