package io.runnel.codec;

/**
 * A migration between two versions of a {@link Versions} chain threw or returned a value of the
 * wrong type. The message names the value (e.g. the entry and key), both versions and the cause.
 * Where a pipeline decodes inbound values it counts this and dead-letters the value; the pipeline
 * keeps running.
 */
public final class MigrationException extends CodecException {
  private static final long serialVersionUID = 1L;

  private final int fromVersion;
  private final int toVersion;

  /** A failed step from {@code fromVersion} to {@code toVersion}. */
  public MigrationException(String message, int fromVersion, int toVersion, Throwable cause) {
    super(message, cause);
    this.fromVersion = fromVersion;
    this.toVersion = toVersion;
  }

  /** The version the failed step migrated from. */
  public int fromVersion() {
    return fromVersion;
  }

  /** The version the failed step migrated to. */
  public int toVersion() {
    return toVersion;
  }
}
