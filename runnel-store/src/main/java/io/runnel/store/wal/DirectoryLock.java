package io.runnel.store.wal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The exclusive lock on a store directory ({@code store.lock}): one open store per directory, in
 * this process or any other, because two writers would corrupt the segments.
 */
public final class DirectoryLock {
  private static final System.Logger LOG = System.getLogger("io.runnel.store");
  private static final String LOCK_FILE = "store.lock";

  private final Path dir;
  private final FileChannel channel;

  private DirectoryLock(Path dir, FileChannel channel) {
    this.dir = dir;
    this.channel = channel;
  }

  /**
   * Takes the lock of {@code dir}.
   *
   * @throws IOException if the directory is already open, or the lock file cannot be opened
   */
  public static DirectoryLock acquire(StoreFileSystem fs, Path dir) throws IOException {
    FileChannel ch =
        fs.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = ch.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    }
    if (lock == null) {
      ch.close();
      throw new IOException(
          "history store directory "
              + dir
              + " is already open (by this or another process); two writers would corrupt it."
              + " Close the other store first");
    }
    return new DirectoryLock(dir, ch);
  }

  /** Releases the lock (idempotent); a failure is logged. */
  public void release() {
    try {
      channel.close();
    } catch (IOException e) {
      LOG.log(System.Logger.Level.WARNING, "releasing the lock of " + dir + " failed", e);
    }
  }
}
