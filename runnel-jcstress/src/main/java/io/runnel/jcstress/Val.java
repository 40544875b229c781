package io.runnel.jcstress;

/**
 * A produced value that carries its sequence number (0, 1, 2, ... in production order).
 *
 * <p>The fields are deliberately not final: a reader that finds {@code check != ~seq} (e.g. both
 * still 0) got a reference to an object whose contents were not safely published with it.
 */
final class Val {
  int seq;
  int check;

  Val(int seq) {
    this.seq = seq;
    this.check = ~seq;
  }

  /** Whether the contents written before the value was produced are visible. */
  boolean intact() {
    return check == ~seq;
  }

  /** Values {@code 0 .. n-1}, preallocated (e.g. in a {@code @State} constructor). */
  static Val[] upTo(int n) {
    Val[] values = new Val[n];
    for (int i = 0; i < n; i++) {
      values[i] = new Val(i);
    }
    return values;
  }

  @Override
  public String toString() {
    return "Val" + seq;
  }
}
