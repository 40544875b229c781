package io.runnel;

import java.util.List;

/**
 * One problem found by {@link RunnelBuilder#build()}. {@link #message()} names the keys and types
 * involved and says what to do.
 *
 * @param kind what kind of problem
 * @param keys the record keys involved
 * @param message a full sentence for a human
 */
public record GraphProblem(Kind kind, List<String> keys, String message) {

  /** The kinds of problem; {@link Kind#NO_WRITER} is a warning, all others are errors. */
  public enum Kind {
    /** A key does not follow the key syntax ({@link RecordKey}). */
    INVALID_KEY,
    /** The same key is configured more than once with the same type. */
    DUPLICATE_KEY,
    /** The same key is configured with different types. */
    KEY_TYPE_CONFLICT,
    /** A record has more than one writer (source, transform, join). */
    MULTIPLE_WRITERS,
    /** A transform or join reads a record that is not configured. */
    MISSING_INPUT,
    /** A transform or join reads a record as a type the record does not hold. */
    INPUT_TYPE_MISMATCH,
    /** Records derive from each other in a cycle. */
    CYCLE,
    /** A join is malformed (fewer than two inputs, no behaviour, an input twice). */
    INVALID_JOIN,
    /** A task is assigned to a lane that was not declared. */
    UNKNOWN_LANE,
    /**
     * A lane is given more tasks than its budget (cooperative) or its threads plus queue (pool).
     */
    LANE_FULL,
    /** A change removes a record that a record it keeps reads (a transform's or a join's input). */
    RECORD_IN_USE,
    /**
     * A connector reports a problem in what it was given ({@link
     * io.runnel.spi.Connector#problems()}), e.g. a codec with a broken version chain.
     */
    INVALID_CONNECTOR,
    /** The registration callback threw, or was given invalid arguments. */
    INVALID_REGISTRATION,
    /**
     * Warning: nothing writes the record and it is not declared {@link Registration#external()};
     * readers would wait forever.
     */
    NO_WRITER;

    public boolean isWarning() {
      return this == NO_WRITER;
    }
  }

  public GraphProblem {
    keys = List.copyOf(keys);
  }

  public boolean isWarning() {
    return kind.isWarning();
  }

  @Override
  public String toString() {
    return (isWarning() ? "warning " : "") + "[" + kind + "] " + message;
  }
}
