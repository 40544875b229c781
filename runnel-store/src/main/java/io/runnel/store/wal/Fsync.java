package io.runnel.store.wal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Forcing directory entries (a created or renamed file) to stable storage. */
public final class Fsync {
  private Fsync() {}

  /** Forces the directory itself, so that files created or renamed in it survive a power cut. */
  public static void directory(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // some platforms cannot open directories; the rename/creation is then as durable as the OS
      // makes it
      if (!System.getProperty("os.name", "").startsWith("Windows")) {
        throw e;
      }
    }
  }
}
