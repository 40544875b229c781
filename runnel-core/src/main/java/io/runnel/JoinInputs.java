package io.runnel;

/**
 * What a {@link JoinTask} reads: every value of every input, in arrival order per input, and the
 * latest value of each.
 */
public interface JoinInputs {

  /**
   * Waits until some input delivers a value and returns that input; its value is then {@link
   * #latest(JoinInput)}. Inputs are served fairly. Lag on an input is skipped (and counted).
   *
   * @throws io.runnel.buffer.EndOfStreamException when every input has ended
   */
  JoinInput<?> next() throws InterruptedException;

  /** The latest value received from {@code input}, or {@code null} if none yet. */
  <I> I latest(JoinInput<I> input);

  /** Whether every input has delivered at least one value. */
  boolean complete();
}
