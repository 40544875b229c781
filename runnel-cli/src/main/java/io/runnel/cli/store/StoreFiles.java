package io.runnel.cli.store;

import io.runnel.cli.CliException;
import io.runnel.store.HistoryStore;
import io.runnel.store.StoreConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Opening a store directory for the offline commands, and the schema lines it keeps ({@code
 * schemas.txt}, format in {@code docs/FORMAT.md}: {@code <id in hex> TAB <schema>}).
 */
final class StoreFiles {
  private StoreFiles() {}

  /**
   * Opens an existing store. Refuses a directory that is not a store (so that a typo never creates
   * an empty store), and says so in one line when another process has it open.
   */
  static HistoryStore open(Path dir) throws CliException {
    if (!Files.isDirectory(dir)) {
      throw CliException.failure(dir + " is not a directory");
    }
    if (!looksLikeStore(dir)) {
      throw CliException.failure(
          dir + " is not a Runnel history store (no segment files, no schemas.txt)");
    }
    try {
      return HistoryStore.open(StoreConfig.builder(dir).build());
    } catch (IOException e) {
      String m = String.valueOf(e.getMessage());
      if (m.contains("already open")) {
        throw CliException.failure(
            dir
                + " is in use: a running process has this store open (its lock is held). Read it"
                + " through that process ('runnel query KEY --url ...') or stop it first");
      }
      throw CliException.failure("cannot open the store in " + dir + ": " + m);
    }
  }

  private static boolean looksLikeStore(Path dir) throws CliException {
    if (Files.exists(dir.resolve("schemas.txt"))) {
      return true;
    }
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.wal")) {
      return ds.iterator().hasNext();
    } catch (IOException e) {
      throw CliException.failure("cannot list " + dir + ": " + e.getMessage());
    }
  }

  /** The schema text per codec id; lines that do not parse are skipped, as the store does. */
  static Map<Long, String> schemas(Path dir) {
    Map<Long, String> out = new HashMap<>();
    String text;
    try {
      text = Files.readString(dir.resolve("schemas.txt"), StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return out;
    } catch (IOException e) {
      return out; // then nothing decodes: payloads are shown raw
    }
    for (String line : text.split("\n")) {
      int tab = line.indexOf('\t');
      if (tab <= 0) {
        continue;
      }
      try {
        out.put(Long.parseUnsignedLong(line.substring(0, tab), 16), line.substring(tab + 1));
      } catch (NumberFormatException ignored) {
        // a damaged line
      }
    }
    return out;
  }

  /** Decoders per codec id, built on demand. */
  static final class Decoders {
    private final Map<Long, String> schemas;
    private final Map<Long, Optional<SchemaDecoder>> cache = new HashMap<>();

    Decoders(Map<Long, String> schemas) {
      this.schemas = schemas;
    }

    String schema(long id) {
      return schemas.get(id);
    }

    Optional<SchemaDecoder> decoder(long id) {
      return cache.computeIfAbsent(id, k -> SchemaDecoder.forSchema(k, schemas.get(k)));
    }
  }
}
