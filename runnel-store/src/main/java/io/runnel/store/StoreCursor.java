package io.runnel.store;

import io.runnel.store.wal.StoreFileSystem;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * A named, durable position in the history: the sequence of the next entry its owner (e.g. a
 * connector forwarding history) still has to process. Retention does not delete entries at or after
 * any cursor's position unless the size limit forces it.
 *
 * <p>{@link #advanceTo(long)} persists atomically (write a temporary file, fsync, rename over the
 * old one, fsync the directory): after a crash the cursor is at the last position that {@code
 * advanceTo} returned for, or a later one. Thread-safe.
 */
public final class StoreCursor {
  private static final int MAGIC = 0x524E4355; // "RNCU"

  private final StoreFileSystem fs;
  private final String name;
  private final Path file;
  private volatile long position;

  private StoreCursor(StoreFileSystem fs, String name, Path file, long position) {
    this.fs = fs;
    this.name = name;
    this.file = file;
    this.position = position;
  }

  /** The cursor's name. */
  public String name() {
    return name;
  }

  /** The next sequence still to be processed; 0 for a new cursor (everything). */
  public long position() {
    return position;
  }

  /**
   * Moves the cursor to {@code next} (everything before it is done) and persists it.
   *
   * @throws IllegalArgumentException if {@code next} is before the current position
   * @throws IOException if it cannot be persisted (the cursor then keeps its old position)
   */
  public synchronized void advanceTo(long next) throws IOException {
    if (next < position) {
      throw new IllegalArgumentException(
          "cursor '" + name + "' cannot move back from " + position + " to " + next);
    }
    if (next == position) {
      return;
    }
    write(fs, file, next);
    position = next;
  }

  @Override
  public String toString() {
    return "StoreCursor[" + name + " @ " + position + "]";
  }

  static StoreCursor load(StoreFileSystem fs, String name, Path file, System.Logger log)
      throws IOException {
    long pos = 0;
    try {
      byte[] b = fs.readAll(file);
      ByteBuffer buf = ByteBuffer.wrap(b);
      CRC32C crc = new CRC32C();
      crc.update(b, 0, Math.min(b.length, 12));
      if (b.length == 16 && buf.getInt(0) == MAGIC && buf.getInt(12) == (int) crc.getValue()) {
        pos = buf.getLong(4);
      } else {
        log.log(
            System.Logger.Level.WARNING,
            "cursor file {0} is damaged; cursor ''{1}'' restarts at 0 (entries may be processed"
                + " again)",
            file,
            name);
      }
    } catch (NoSuchFileException e) {
      // new cursor
    }
    return new StoreCursor(fs, name, file, pos);
  }

  private static void write(StoreFileSystem fs, Path file, long pos) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(16).putInt(MAGIC).putLong(pos);
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, 12);
    b.putInt((int) crc.getValue()).flip();
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (FileChannel ch =
        fs.open(
            tmp,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      while (b.hasRemaining()) {
        ch.write(b);
      }
      ch.force(true);
    }
    fs.rename(tmp, file);
    fs.forceDirectory(file.getParent());
  }
}
