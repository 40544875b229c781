package io.runnel.remote;

import io.runnel.spi.Checks;

/**
 * A client's credential: its name (shown in logs and the audit log), its role and its secret token.
 * {@link #toString()} never shows the secret.
 *
 * @param client the client's name, e.g. {@code runnel-cli}; no whitespace
 * @param role what the token allows
 * @param secret the token itself; at least 16 characters, no whitespace
 */
public record ClientToken(String client, Role role, String secret) {

  /** The shortest secret accepted. */
  public static final int MIN_SECRET_LENGTH = 16;

  public ClientToken {
    Checks.notBlank("client", client);
    Checks.notNull("role", role);
    Checks.notNull("secret", secret);
    if (client.chars().anyMatch(Character::isWhitespace)) {
      throw new IllegalArgumentException(
          "client name must not contain whitespace: '" + client + "'");
    }
    if (secret.length() < MIN_SECRET_LENGTH || secret.chars().anyMatch(Character::isWhitespace)) {
      throw new IllegalArgumentException(
          "token of client '"
              + client
              + "' must be at least "
              + MIN_SECRET_LENGTH
              + " characters without whitespace");
    }
  }

  @Override
  public String toString() {
    return "ClientToken[" + client + ", " + role.word() + ", secret hidden]";
  }
}
