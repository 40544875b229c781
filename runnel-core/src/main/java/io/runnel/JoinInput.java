package io.runnel;

/**
 * A typed handle to one input of a join, returned by {@link Join#input}; use it to read that
 * input's latest value.
 *
 * @param <I> the input record's type
 */
public final class JoinInput<I> {
  private final Class<I> type;
  private final RecordKey key;
  final int index;

  JoinInput(Class<I> type, RecordKey key, int index) {
    this.type = type;
    this.key = key;
    this.index = index;
  }

  public Class<I> type() {
    return type;
  }

  public RecordKey key() {
    return key;
  }

  @Override
  public String toString() {
    return key.id() + " (" + type.getSimpleName() + ")";
  }
}
