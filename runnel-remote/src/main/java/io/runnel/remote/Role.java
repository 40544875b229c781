package io.runnel.remote;

/** What a token allows (see {@code docs/REMOTE.md}, "Authentication and roles"). */
public enum Role {
  /** Every method but {@code set}. */
  READ,
  /** Every method, {@code set} included (for records on the server's write allow-list). */
  WRITE;

  /**
   * The role's word in token files and in {@code hello}'s result: {@code read} or {@code write}.
   */
  public String word() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  /**
   * The role named {@code word} ({@code read} or {@code write}).
   *
   * @throws IllegalArgumentException for any other word
   */
  public static Role of(String word) {
    return switch (word) {
      case "read" -> READ;
      case "write" -> WRITE;
      default ->
          throw new IllegalArgumentException(
              "unknown role '" + word + "': expected 'read' or 'write'");
    };
  }
}
