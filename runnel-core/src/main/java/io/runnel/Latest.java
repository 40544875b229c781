package io.runnel;

/** The latest value of each input of a join; see {@link Join#onLatest}. */
public interface Latest {
  /** The latest value of {@code input}; never {@code null} inside {@link Join#onLatest}. */
  <I> I get(JoinInput<I> input);

  /** The input whose new value caused this evaluation. */
  JoinInput<?> changed();
}
