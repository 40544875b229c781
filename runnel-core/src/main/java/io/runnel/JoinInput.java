package io.runnel;

/**
 * A typed handle to one input of a join, returned by {@link Join#input}; use it to read that
 * input's latest value.
 *
 * @param <I> the input record's type
 */
public interface JoinInput<I> {
  /** The input record's type. */
  Class<I> type();

  /** The input record's key. */
  RecordKey key();
}
