package io.runnel.cli.command;

import io.runnel.cli.CliException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The CLI's time arguments: durations ({@code 500ms}, {@code 10s}, {@code 10m}, {@code 2h}, {@code
 * 1d}, {@code 1h30m}, or ISO-8601 {@code PT10M}) and points in history ({@code --since}: a sequence
 * number, an ISO-8601 instant, or a duration meaning "that long ago").
 */
public final class TimeArgs {
  private static final Pattern PART =
      Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h|d)", Pattern.CASE_INSENSITIVE);

  private TimeArgs() {}

  /** A point to start reading history from: a sequence or an instant (exactly one is set). */
  public record Since(Long seq, Instant time) {
    /** As the protocol's {@code since} object: {@code {"seq": n}} or {@code {"time": "..."}}. */
    public com.fasterxml.jackson.databind.node.ObjectNode toJson() {
      var n = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
      return seq != null ? n.put("seq", seq) : n.put("time", time.toString());
    }
  }

  /**
   * Parses a duration.
   *
   * @throws CliException (usage) naming the option and the accepted forms
   */
  public static Duration duration(String option, String text) throws CliException {
    String t = text.strip();
    if (t.regionMatches(true, 0, "P", 0, 1)) {
      try {
        return positive(option, text, Duration.parse(t.toUpperCase(Locale.ROOT)));
      } catch (DateTimeParseException e) {
        throw bad(option, text);
      }
    }
    Matcher m = PART.matcher(t);
    long nanos = 0;
    int end = 0;
    while (m.find()) {
      if (m.start() != end) {
        throw bad(option, text);
      }
      end = m.end();
      double v = Double.parseDouble(m.group(1));
      long unit =
          switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "ms" -> 1_000_000L;
            case "s" -> 1_000_000_000L;
            case "m" -> 60_000_000_000L;
            case "h" -> 3_600_000_000_000L;
            default -> 86_400_000_000_000L;
          };
      nanos += (long) (v * unit);
    }
    if (end == 0 || end != t.length()) {
      throw bad(option, text);
    }
    return positive(option, text, Duration.ofNanos(nanos));
  }

  /**
   * Parses an instant: ISO-8601 with an offset ({@code 2026-12-01T10:15:30Z}) or a duration meaning
   * "that long before {@code now}".
   */
  public static Instant instant(String option, String text, Instant now) throws CliException {
    String t = text.strip();
    if (t.length() > 10 && t.charAt(4) == '-') {
      try {
        return Instant.parse(t);
      } catch (DateTimeParseException e) {
        try {
          return OffsetDateTime.parse(t).toInstant();
        } catch (DateTimeParseException e2) {
          throw CliException.usage(
              option
                  + ": '"
                  + text
                  + "' is not an ISO-8601 instant with a zone (e.g. 2026-12-01T10:15:30Z)");
        }
      }
    }
    return now.minus(duration(option, t));
  }

  /** Parses {@code --since}: a sequence number, an ISO-8601 instant, or a duration ago. */
  public static Since since(String option, String text, Instant now) throws CliException {
    String t = text.strip();
    if (!t.isEmpty() && t.chars().allMatch(Character::isDigit)) {
      try {
        return new Since(Long.parseLong(t), null);
      } catch (NumberFormatException e) {
        throw CliException.usage(option + ": sequence out of range: " + text);
      }
    }
    return new Since(null, instant(option, t, now));
  }

  private static Duration positive(String option, String text, Duration d) throws CliException {
    if (d.isNegative() || d.isZero()) {
      throw CliException.usage(option + ": duration must be positive: " + text);
    }
    return d;
  }

  private static CliException bad(String option, String text) {
    return CliException.usage(
        option + ": '" + text + "' is not a duration (e.g. 500ms, 10s, 10m, 2h, 1d, PT10M)");
  }
}
