package io.runnel.store.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;

/**
 * Every file operation the store does, and nothing else: the seam through which a test runs the
 * store on a file system that loses power (see {@code PowerCutFileSystem} in the tests).
 *
 * <p>The store opens a file here and then works on the returned {@link FileChannel} directly, so
 * the append path (the writer's {@code write} and {@code force} on the active segment) is the same
 * virtual call on a platform channel as without the seam: no wrapper, no allocation.
 *
 * <p>The durability rules the store relies on are POSIX's: {@link FileChannel#force} makes a file's
 * <em>content</em> durable; a file's <em>name</em> (its creation, a rename, a deletion) is durable
 * only once its directory is forced ({@link #forceDirectory}). The platform implementation is
 * {@link #platform()}.
 */
public interface StoreFileSystem {

  /** The real file system: {@link FileChannel#open} and {@link java.nio.file.Files}. */
  static StoreFileSystem platform() {
    return PlatformFileSystem.INSTANCE;
  }

  /** Opens (or creates, as the options say) a file. */
  FileChannel open(Path file, OpenOption... options) throws IOException;

  /** True if {@code path} names an existing file or directory. */
  boolean exists(Path path);

  /** The entries of a directory (files and directories), in no particular order. */
  List<Path> list(Path dir) throws IOException;

  /**
   * Creates one directory, whose parent exists.
   *
   * @throws FileAlreadyExistsException if it exists
   */
  void createDirectory(Path dir) throws IOException;

  /** Renames {@code from} to {@code to} atomically, replacing {@code to} if it exists. */
  void rename(Path from, Path to) throws IOException;

  /**
   * Deletes a file if it exists.
   *
   * @return whether it existed
   */
  boolean delete(Path file) throws IOException;

  /** Forces a directory's entries (files created, renamed or deleted in it) to stable storage. */
  void forceDirectory(Path dir) throws IOException;

  /**
   * Creates {@code dir} and its missing parents, forcing the parent of every directory it creates,
   * so that the whole path survives a power cut. Does nothing if {@code dir} exists.
   */
  default void createDirectoriesDurably(Path dir) throws IOException {
    Deque<Path> missing = new ArrayDeque<>();
    for (Path p = dir.toAbsolutePath(); p != null && !exists(p); p = p.getParent()) {
      missing.push(p);
    }
    while (!missing.isEmpty()) {
      Path p = missing.pop();
      try {
        createDirectory(p);
      } catch (FileAlreadyExistsException e) {
        continue; // created concurrently; its creator forces the parent
      }
      if (p.getParent() != null) {
        forceDirectory(p.getParent());
      }
    }
  }

  /** Reads a whole (small) file. */
  default byte[] readAll(Path file) throws IOException {
    try (FileChannel ch = open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size > Integer.MAX_VALUE - 16) {
        throw new IOException(file + " is too large to read whole (" + size + " bytes)");
      }
      ByteBuffer b = ByteBuffer.allocate((int) size);
      while (b.hasRemaining() && ch.read(b, b.position()) > 0) {
        // fill
      }
      return b.position() == b.capacity() ? b.array() : Arrays.copyOf(b.array(), b.position());
    }
  }
}
