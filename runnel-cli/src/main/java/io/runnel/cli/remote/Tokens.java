package io.runnel.cli.remote;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads tokens from a token file. The server's format is one token per line, {@code <client-name>
 * <role> <token>}, with {@code #} comments; a line holding only a token is accepted too (a file
 * written by hand for one client).
 */
public final class Tokens {

  /** One token of a file. {@code role} is null for a bare token line. */
  public record Entry(String client, String role, String token) {}

  private Tokens() {}

  /**
   * The entries of a token file.
   *
   * @throws IOException if it cannot be read (the message names the file)
   * @throws IllegalArgumentException if a line has another shape (names file and line)
   */
  public static List<Entry> read(Path file) throws IOException {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new IOException("token file " + file + " does not exist", e);
    } catch (IOException e) {
      throw new IOException("cannot read token file " + file + ": " + e.getMessage(), e);
    }
    List<Entry> out = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] f = line.split("\\s+");
      switch (f.length) {
        case 1 -> out.add(new Entry(null, null, f[0]));
        case 3 -> out.add(new Entry(f[0], f[1], f[2]));
        default ->
            throw new IllegalArgumentException(
                "token file "
                    + file
                    + " line "
                    + (i + 1)
                    + ": expected '<client-name> <role> <token>' or a token alone");
      }
    }
    return out;
  }

  /**
   * Picks the token for a use: with {@code write}, the first token of role {@code write} (or a bare
   * one); otherwise the first {@code read} token (least privilege), else any.
   */
  public static Optional<String> pick(List<Entry> entries, boolean write) {
    String wanted = write ? "write" : "read";
    for (Entry e : entries) {
      if (wanted.equals(e.role())) {
        return Optional.of(e.token());
      }
    }
    for (Entry e : entries) {
      if (e.role() == null || !write) {
        return Optional.of(e.token());
      }
    }
    return Optional.empty();
  }
}
