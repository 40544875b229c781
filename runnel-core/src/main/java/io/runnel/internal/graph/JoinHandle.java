package io.runnel.internal.graph;

import io.runnel.JoinInput;
import io.runnel.RecordKey;

/** The {@link JoinInput} a join's configuration gets: its input's type, key and position. */
public record JoinHandle<I>(Class<I> type, RecordKey key, int index) implements JoinInput<I> {
  @Override
  public String toString() {
    return key.id() + " (" + type.getSimpleName() + ")";
  }
}
