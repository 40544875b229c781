package io.runnel.store;

import io.runnel.spi.Checks;
import io.runnel.store.wal.StoreFileSystem;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The store's named {@link StoreCursor}s: one file each in {@code cursors/}, loaded at open,
 * created on first use, removed by {@link #delete}. Thread-safe; creation and deletion are
 * serialised by the map's monitor. Retention reads the positions through the live {@link #all()}
 * view.
 */
final class CursorRegistry {
  private static final String CURSOR_DIR = "cursors";
  private static final String CURSOR_SUFFIX = ".cursor";

  private final StoreFileSystem fs;
  private final Path dir;
  private final Map<String, StoreCursor> cursors = new ConcurrentHashMap<>();

  private CursorRegistry(StoreFileSystem fs, Path storeDir) {
    this.fs = fs;
    this.dir = storeDir.resolve(CURSOR_DIR);
  }

  /** Creates the cursor directory if needed (no cursor is loaded yet; see {@link #load}). */
  static CursorRegistry create(StoreFileSystem fs, Path storeDir) throws IOException {
    CursorRegistry r = new CursorRegistry(fs, storeDir);
    fs.createDirectoriesDurably(r.dir); // else a power cut can take every cursor file with it
    return r;
  }

  /** Loads every cursor file, and removes temporary files of interrupted advances. */
  void load() throws IOException {
    for (Path p : fs.list(dir)) {
      String f = p.getFileName().toString();
      if (f.endsWith(CURSOR_SUFFIX + ".tmp")) {
        fs.delete(p); // an interrupted advance; the old file is still valid
      } else if (f.endsWith(CURSOR_SUFFIX)) {
        String name = f.substring(0, f.length() - CURSOR_SUFFIX.length());
        cursors.put(name, StoreCursor.load(fs, name, p, HistoryStore.LOG));
      }
    }
  }

  /** See {@link HistoryStore#cursor}. */
  StoreCursor cursor(String name) throws IOException {
    Checks.keySyntax("cursor name", name);
    synchronized (cursors) {
      StoreCursor c = cursors.get(name);
      if (c == null) {
        c = StoreCursor.load(fs, name, dir.resolve(name + CURSOR_SUFFIX), HistoryStore.LOG);
        cursors.put(name, c);
      }
      return c;
    }
  }

  /** See {@link HistoryStore#deleteCursor}. */
  void delete(String name) throws IOException {
    synchronized (cursors) {
      cursors.remove(name);
      fs.delete(dir.resolve(name + CURSOR_SUFFIX));
    }
  }

  /** A live view of every cursor. */
  Collection<StoreCursor> all() {
    return cursors.values();
  }
}
