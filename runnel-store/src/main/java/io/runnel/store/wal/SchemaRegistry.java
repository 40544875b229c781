package io.runnel.store.wal;

import io.runnel.codec.Codec;
import io.runnel.codec.SchemaMismatchException;
import io.runnel.codec.VersionedCodec;
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
 *
 * <p>For a {@link VersionedCodec} every version of its chain is recorded, each as its schema line
 * and a line {@code version TAB <id in hex> TAB <number> TAB <type>}, which a reader without
 * versions ignores (its first field is not a hex id), so that offline tools can say which version
 * an entry is, including entries written before the application declared versions.
 */
public final class SchemaRegistry {
  public static final String FILE = "schemas.txt";

  private final StoreFileSystem fs;
  private final Path file;
  private final Map<Long, String> schemas = new ConcurrentHashMap<>();
  private final Map<Long, Integer> versions = new ConcurrentHashMap<>();

  /** Versioned codecs whose every version is recorded (writer thread only; by identity). */
  private final Map<Codec<?>, Boolean> registeredChains = new java.util.IdentityHashMap<>();

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
        if (line.startsWith(VERSION_LINE)) {
          String[] f = line.split("\t");
          try {
            r.versions.put(Long.parseUnsignedLong(f[1], 16), Integer.parseInt(f[2]));
          } catch (RuntimeException ignored) {
            // a damaged line: the version is then reported as unknown
          }
          continue;
        }
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

  private static final String VERSION_LINE = "version\t";

  /** The version number of the schema with codec {@code id}, or 0 if unknown or unversioned. */
  public int version(long id) {
    Integer v = versions.get(id);
    return v == null ? 0 : v;
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
    // fast paths: called on the writer thread whenever the codec changes between appends
    if (codec.version() == 0 && schemas.containsKey(codec.id())) {
      return;
    }
    if (codec.version() > 0 && registeredChains.containsKey(codec)) {
      return;
    }
    StringBuilder lines = new StringBuilder();
    Map<Long, String> newSchemas = new java.util.HashMap<>();
    Map<Long, Integer> newVersions = new java.util.HashMap<>();
    if (codec instanceof VersionedCodec<?> vc) {
      for (VersionedCodec.Version v : vc.versions()) {
        if (!schemas.containsKey(v.id()) && !newSchemas.containsKey(v.id())) {
          String schema = clean(v.schema());
          lines.append('\n').append(Long.toHexString(v.id())).append('\t').append(schema);
          newSchemas.put(v.id(), schema);
        }
        if (!versions.containsKey(v.id()) && !newVersions.containsKey(v.id())) {
          lines
              .append('\n')
              .append(VERSION_LINE)
              .append(Long.toHexString(v.id()))
              .append('\t')
              .append(v.number())
              .append('\t')
              .append(clean(v.type()));
          newVersions.put(v.id(), v.number());
        }
      }
    } else if (!schemas.containsKey(codec.id())) {
      String schema = clean(codec.schema());
      lines.append('\n').append(Long.toHexString(codec.id())).append('\t').append(schema);
      newSchemas.put(codec.id(), schema);
    }
    if (lines.isEmpty()) {
      if (codec.version() > 0) {
        remember(codec);
      }
      return;
    }
    byte[] line = lines.append('\n').toString().getBytes(StandardCharsets.UTF_8);
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
    schemas.putAll(newSchemas);
    versions.putAll(newVersions);
    if (codec.version() > 0) {
      remember(codec);
    }
  }

  private void remember(Codec<?> codec) {
    if (registeredChains.size() >= 256) {
      registeredChains.clear(); // codecs made per value: bounded, at the cost of a re-check
    }
    registeredChains.put(codec, Boolean.TRUE);
  }

  private static String clean(String s) {
    return s.replace('\n', ' ').replace('\t', ' ');
  }
}
