package io.runnel.internal.lane;

/** Thrown when a lane cannot take another task (its task budget is used up). */
public final class LaneFullException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  LaneFullException(String message) {
    super(message);
  }
}
