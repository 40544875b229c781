package io.runnel.store.wal;

import io.runnel.codec.Codec;
import io.runnel.codec.SchemaMismatchException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
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

  private final StoreFileSystem fs;
  private final Path file;
  private final Map<Long, String> schemas = new ConcurrentHashMap<>();

  /** True until the file's directory entry is known to be durable (writer thread after load). */
  private boolean entryUnforced;

  private SchemaRegistry(StoreFileSystem fs, Path file) {
    this.fs = fs;
    this.file = file;
  }

  public static SchemaRegistry load(StoreFileSystem fs, Path directory) throws IOException {
    SchemaRegistry r = new SchemaRegistry(fs, directory.resolve(FILE));
    try {
      String text = new String(fs.readAll(r.file), StandardCharsets.UTF_8);
      for (String line : text.split("\n")) {
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
      r.entryUnforced = true; // a new store: the first register creates the file
    }
    return r;
  }

  /** The schema written with codec {@code id}, or null if unknown. */
  public String describe(long id) {
    return schemas.get(id);
  }

  /**
   * Writer thread: records the codec's schema if new, and forces it (whatever the durability
   * policy: once per codec id), so that it is durable before any entry written with it.
   */
  void register(Codec<?> codec) throws IOException {
    if (schemas.containsKey(codec.id())) {
      return;
    }
    String schema = codec.schema().replace('\n', ' ').replace('\t', ' ');
    byte[] line =
        ("\n" + Long.toHexString(codec.id()) + "\t" + schema + "\n")
            .getBytes(StandardCharsets.UTF_8);
    try (FileChannel ch =
        fs.open(
            file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
      ByteBuffer b = ByteBuffer.wrap(line);
      while (b.hasRemaining()) {
        ch.write(b);
      }
      ch.force(false);
    }
    if (entryUnforced) {
      fs.forceDirectory(file.getParent()); // the file is new: its name must survive a power cut
      entryUnforced = false;
    }
    schemas.put(codec.id(), schema);
  }
}
