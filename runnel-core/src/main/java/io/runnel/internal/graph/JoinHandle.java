package io.runnel.internal.graph;

import io.runnel.JoinInput;
import io.runnel.RecordKey;

/**
 * The {@link JoinInput} a join's configuration gets: its input's type, key and position. Compared
 * by identity, like the handle class it replaces: a handle belongs to the join that created it.
 */
public final class JoinHandle<I> implements JoinInput<I> {
  private final Class<I> type;
  private final RecordKey key;
  private final int index;

  JoinHandle(Class<I> type, RecordKey key, int index) {
    this.type = type;
    this.key = key;
    this.index = index;
  }

  @Override
  public Class<I> type() {
    return type;
  }

  @Override
  public RecordKey key() {
    return key;
  }

  /** The input's position among the join's inputs. */
  public int index() {
    return index;
  }

  @Override
  public String toString() {
    return key.id() + " (" + type.getSimpleName() + ")";
  }
}
