package io.runnel.remote.internal;

import io.runnel.remote.ClientToken;
import io.runnel.remote.Role;
import io.runnel.remote.internal.ServerConfig.TokenSource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The accepted tokens, held as SHA-256 digests and compared in constant time ({@link
 * MessageDigest#isEqual}) against every entry, so that neither the length of a match nor which
 * entry matched shows in the timing. Tokens are never logged; log lines name the client.
 */
final class Tokens {
  private record Entry(String client, Role role, byte[] digest) {}

  private final List<Entry> entries;

  private Tokens(List<Entry> entries) {
    this.entries = List.copyOf(entries);
  }

  int size() {
    return entries.size();
  }

  /** The principal owning {@code presented}, or null. Constant time in the token's content. */
  Principal authenticate(String presented) {
    if (presented == null) {
      return null;
    }
    byte[] d = sha256(presented);
    Entry match = null;
    for (Entry e : entries) {
      if (MessageDigest.isEqual(e.digest, d) && match == null) {
        match = e;
      }
    }
    return match == null ? null : new Principal(match.client, match.role);
  }

  /** Loads every configured source; problems are collected into one error. */
  static Tokens load(List<TokenSource> sources) throws IOException {
    List<ClientToken> all = new ArrayList<>();
    for (TokenSource s : sources) {
      switch (s) {
        case TokenSource.Given g -> all.add(g.token());
        case TokenSource.File f -> all.addAll(readFile(f.path()));
        case TokenSource.Environment e -> {
          String v = System.getenv(e.variable());
          if (v == null || v.isBlank()) {
            throw new IllegalStateException(
                "environment variable " + e.variable() + " holds no token (missing or empty)");
          }
          all.addAll(parse(v.replace(';', '\n'), "environment variable " + e.variable()));
        }
      }
    }
    return of(all);
  }

  static Tokens of(List<ClientToken> tokens) {
    List<Entry> out = new ArrayList<>();
    for (ClientToken t : tokens) {
      out.add(new Entry(t.client(), t.role(), sha256(t.secret())));
    }
    return new Tokens(out);
  }

  static List<ClientToken> readFile(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IllegalStateException("token file " + file + " does not exist or is not a file");
    }
    try {
      Set<PosixFilePermission> p = Files.getPosixFilePermissions(file);
      EnumSet<PosixFilePermission> open =
          EnumSet.of(
              PosixFilePermission.GROUP_READ,
              PosixFilePermission.GROUP_WRITE,
              PosixFilePermission.OTHERS_READ,
              PosixFilePermission.OTHERS_WRITE);
      open.retainAll(p);
      if (!open.isEmpty()) {
        throw new IllegalStateException(
            "token file "
                + file
                + " is accessible by group or others ("
                + PosixFilePermissions.toString(p)
                + "): make it owner-only (chmod 600 "
                + file
                + ")");
      }
    } catch (UnsupportedOperationException notPosix) {
      // no POSIX permissions on this file system: nothing to check
    }
    return parse(Files.readString(file, StandardCharsets.UTF_8), "token file " + file);
  }

  /** Parses {@code <client> <role> <token>} lines; {@code #} starts a comment. */
  static List<ClientToken> parse(String text, String where) {
    List<ClientToken> out = new ArrayList<>();
    String[] lines = text.split("\\R", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      int hash = line.indexOf('#');
      if (hash >= 0) {
        line = line.substring(0, hash);
      }
      line = line.strip();
      if (line.isEmpty()) {
        continue;
      }
      String[] f = line.split("\\s+");
      String at = where + " entry " + (i + 1);
      if (f.length != 3) {
        throw new IllegalStateException(
            at + ": expected '<client> <role> <token>', got " + f.length + " field(s)");
      }
      try {
        out.add(new ClientToken(f[0], Role.of(f[1]), f[2]));
      } catch (IllegalArgumentException e) {
        throw new IllegalStateException(at + ": " + e.getMessage());
      }
    }
    if (out.isEmpty()) {
      throw new IllegalStateException(where + " holds no token");
    }
    return out;
  }

  /**
   * Generates a read and a write token and writes them to {@code file}, owner-only: the content
   * goes into a new 0600 file beside it (created with those permissions, so there is no moment when
   * it is readable by others), which then replaces {@code file} atomically.
   */
  static List<ClientToken> generate(Path file) throws IOException {
    SecureRandom random = new SecureRandom();
    List<ClientToken> tokens =
        List.of(
            new ClientToken("local-read", Role.READ, secret(random)),
            new ClientToken("local-write", Role.WRITE, secret(random)));
    Path dir = file.toAbsolutePath().getParent();
    if (!Files.isDirectory(dir)) {
      try {
        Files.createDirectories(
            dir,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      } catch (UnsupportedOperationException e) {
        Files.createDirectories(dir);
      }
    }
    StringBuilder sb =
        new StringBuilder("# generated by runnel-remote at start; <client> <role> <token>\n");
    for (ClientToken t : tokens) {
      sb.append(t.client()).append(' ').append(t.role().word()).append(' ').append(t.secret());
      sb.append('\n');
    }
    Path tmp = dir.resolve(file.getFileName() + "." + Long.toHexString(random.nextLong()) + ".tmp");
    try {
      Files.createFile(
          tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException e) {
      Files.createFile(tmp);
    } catch (FileAlreadyExistsException e) {
      throw new IOException("cannot create the token file: " + tmp + " exists", e);
    }
    try {
      Files.writeString(tmp, sb, StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
    return tokens;
  }

  private static String secret(SecureRandom random) {
    byte[] b = new byte[32];
    random.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 missing from the JDK", e);
    }
  }
}
