package io.runnel;

import java.util.List;

/** Thrown by {@link RunnelBuilder#build()} with every problem found in the graph at once. */
public final class GraphException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient List<GraphProblem> problems;

  GraphException(List<GraphProblem> problems) {
    super(format(problems));
    this.problems = List.copyOf(problems);
  }

  /** Every error found (warnings are not included). */
  public List<GraphProblem> problems() {
    return problems;
  }

  private static String format(List<GraphProblem> problems) {
    StringBuilder sb = new StringBuilder();
    sb.append("the Runnel graph has ")
        .append(problems.size())
        .append(problems.size() == 1 ? " problem:" : " problems:");
    int i = 1;
    for (GraphProblem p : problems) {
      sb.append("\n  ").append(i++).append(". [").append(p.kind()).append("] ").append(p.message());
    }
    return sb.toString();
  }
}
