package io.runnel.store.wal;

import io.runnel.codec.Codec;
import io.runnel.codec.SchemaMismatchException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The schemas the store has written with: {@code schemas.txt} in the store directory, one line
 * {@code <id in hex> TAB <schema>} per codec id, appended (and forced) by the writer thread before
 * the first entry using that id. Lets a {@link SchemaMismatchException} name the schema an entry
 * was written with. Unparseable lines (e.g. a torn last line) are ignored.
 */
public final class SchemaRegistry {
  public static final String FILE = "schemas.txt";

  private final Path file;
  private final Map<Long, String> schemas = new ConcurrentHashMap<>();

  private SchemaRegistry(Path file) {
    this.file = file;
  }

  public static SchemaRegistry load(Path directory) throws IOException {
    SchemaRegistry r = new SchemaRegistry(directory.resolve(FILE));
    try {
      for (String line : Files.readAllLines(r.file, StandardCharsets.UTF_8)) {
        int tab = line.indexOf('\t');
        if (tab <= 0) {
          continue;
        }
        try {
          r.schemas.put(
              Long.parseUnsignedLong(line.substring(0, tab), 16), line.substring(tab + 1));
        } catch (NumberFormatException ignored) {
          // a damaged line: the schema is then reported as unknown
        }
      }
    } catch (NoSuchFileException e) {
      // new store
    }
    return r;
  }

  /** The schema written with codec {@code id}, or null if unknown. */
  public String describe(long id) {
    return schemas.get(id);
  }

  /** Writer thread: records the codec's schema if new. */
  void register(Codec<?> codec, boolean force) throws IOException {
    if (schemas.containsKey(codec.id())) {
      return;
    }
    String schema = codec.schema().replace('\n', ' ').replace('\t', ' ');
    byte[] line =
        ("\n" + Long.toHexString(codec.id()) + "\t" + schema + "\n")
            .getBytes(StandardCharsets.UTF_8);
    try (FileChannel ch =
        FileChannel.open(
            file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
      ByteBuffer b = ByteBuffer.wrap(line);
      while (b.hasRemaining()) {
        ch.write(b);
      }
      if (force) {
        ch.force(false);
      }
    }
    schemas.put(codec.id(), schema);
  }
}
