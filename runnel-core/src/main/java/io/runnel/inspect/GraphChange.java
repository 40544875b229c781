package io.runnel.inspect;

import java.time.Instant;
import java.util.List;

/**
 * One committed change of a running pipeline's graph (see {@code Runnel.change()}): which records
 * and lanes it added and which records it removed. Delivered to every reader of {@code
 * Runnel.graphChanges()}, in commit order.
 *
 * @param version the graph's version after the change: 0 is the graph {@code build()} made, and
 *     each committed change adds one, so a reader that sees a gap knows it missed a change (its
 *     reader's lag count says how many) and should take a fresh {@code inspect()}
 * @param at when the change was committed (the pipeline's clock)
 * @param added keys of the records added, in the order configured
 * @param removed keys of the records removed
 * @param lanesAdded names of the lanes added
 */
public record GraphChange(
    long version, Instant at, List<String> added, List<String> removed, List<String> lanesAdded) {

  public GraphChange {
    added = List.copyOf(added);
    removed = List.copyOf(removed);
    lanesAdded = List.copyOf(lanesAdded);
  }
}
