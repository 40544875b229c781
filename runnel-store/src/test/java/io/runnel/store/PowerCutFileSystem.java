package io.runnel.store;

import io.runnel.store.wal.StoreFileSystem;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

/**
 * A file system in memory that loses power the way a disk can, after SQLite's crash-test VFS: the
 * store runs on it through the {@link StoreFileSystem} seam, and {@link #rebooted} gives the state
 * a real power cut could have left.
 *
 * <h2>Model</h2>
 *
 * <p>Each file keeps its <em>durable</em> content (as of its last completed {@link
 * FileChannel#force}) and its <em>live</em> content (what reads see), plus the writes and
 * truncations since that force, in order. Each directory keeps its durable entries (as of its last
 * {@link #forceDirectory}) and its live entries, plus the creations, renames and deletions since.
 * Only a force makes anything durable; nothing else is promised (strict POSIX, not what ext4
 * happens to do).
 *
 * <p>Every operation that changes something (a write, truncate, force, creation, rename, deletion,
 * directory force) counts; {@link #cutAt} picks the operation at which the power goes: that
 * operation does not happen, and it and every later call throw {@link IOException}. {@link
 * #rebooted} then builds the surviving state: each file starts from its durable content, and each
 * later write is, at random, kept, dropped or torn at a random byte (a kept later write after a
 * dropped earlier one is the disk reordering them); each unsynced directory operation is, at
 * random, kept or undone. What survives is durable in the new file system.
 *
 * <p>Thread-safe: every call holds this object's monitor.
 */
final class PowerCutFileSystem implements StoreFileSystem {

  /** A file: its content now, its content as of the last force, and the changes between. */
  private static final class FileNode {
    byte[] live = new byte[0];
    int size;
    byte[] durable = new byte[0];
    final List<Object> unsynced = new ArrayList<>(); // Write, Truncate
    MemChannel lockedBy;
  }

  private record Write(long position, byte[] bytes) {}

  private record Truncate(long size) {}

  private static final class DirNode {
    final Map<String, Object> live = new TreeMap<>();
    Map<String, Object> durable = new TreeMap<>();
    final List<Object> unsynced = new ArrayList<>(); // Link, Unlink, Move
  }

  private record Link(String name, Object node) {}

  private record Unlink(String name) {}

  private record Move(String from, String to, Object node) {}

  /** What a reboot did to the unsynced state (for the test's report). */
  record Damage(long writesKept, long writesDropped, long writesTorn, long dirOpsUndone) {}

  private final DirNode root = new DirNode();
  private long operations;
  private long cutAt = Long.MAX_VALUE;
  private boolean dead;
  private final List<String> created = new ArrayList<>();
  private final Map<String, byte[]> deleted = new TreeMap<>();

  /** A file system holding only the (durable) root directory. */
  PowerCutFileSystem() {}

  /** Creates {@code dir} and its parents, durably: the test's starting point, not the store's. */
  synchronized void makeDurableDirectories(Path dir) {
    DirNode d = root;
    for (Path name : dir.toAbsolutePath()) {
      Object child = d.live.get(name.toString());
      if (child == null) {
        child = new DirNode();
        d.live.put(name.toString(), child);
        d.durable.put(name.toString(), child);
      }
      d = (DirNode) child;
    }
  }

  /**
   * Removes {@code path} (and what is under it) durably: the test's doing, as an operator restoring
   * a store from a backup without it would.
   */
  synchronized void removeDurably(Path path) throws IOException {
    DirNode parent = dirOf(path);
    parent.live.remove(nameOf(path));
    parent.durable.remove(nameOf(path));
  }

  /** Operations that changed something so far. */
  synchronized long operations() {
    return operations;
  }

  /** The power goes at the {@code n}-th operation from now (1 = the next one). */
  synchronized void cutAt(long n) {
    cutAt = operations + Math.max(1, n);
  }

  /** The power goes now. */
  synchronized void cutNow() {
    dead = true;
  }

  synchronized boolean isCut() {
    return dead;
  }

  /** Names of files created since this file system started (or was rebooted). */
  synchronized List<String> createdFiles() {
    return new ArrayList<>(created);
  }

  /**
   * Files whose deletion was asked for (whether or not the deletion survives), by name, with their
   * content at the time.
   */
  synchronized Map<String, byte[]> deletedFiles() {
    return new TreeMap<>(deleted);
  }

  // ----------------------------------------------------------------------------- power cut

  private void check() throws IOException {
    if (dead) {
      throw new IOException("simulated power cut: the machine is off");
    }
  }

  /** Counts one changing operation; throws if the power goes at it. */
  private void tick() throws IOException {
    check();
    if (++operations >= cutAt) {
      dead = true;
      throw new IOException("simulated power cut at I/O operation " + operations);
    }
  }

  /**
   * The file system after the power came back: see the class comment.
   *
   * @param damage receives what was dropped, torn and undone
   */
  synchronized PowerCutFileSystem rebooted(Random random, Damage[] damage) {
    if (!dead) {
      throw new IllegalStateException("cut the power first");
    }
    PowerCutFileSystem next = new PowerCutFileSystem();
    long[] counts = new long[4];
    Map<Object, Object> survivors = new IdentityHashMap<>();
    DirNode r = (DirNode) survive(root, random, survivors, counts);
    next.root.live.putAll(r.live);
    next.root.durable.putAll(r.live);
    damage[0] = new Damage(counts[0], counts[1], counts[2], counts[3]);
    return next;
  }

  private Object survive(Object node, Random random, Map<Object, Object> done, long[] counts) {
    Object already = done.get(node);
    if (already != null) {
      return already;
    }
    if (node instanceof DirNode d) {
      Map<String, Object> entries = new TreeMap<>(d.durable);
      for (Object op : d.unsynced) {
        if (random.nextBoolean()) {
          counts[3]++;
          continue; // undone
        }
        switch (op) {
          case Link l -> entries.put(l.name(), l.node());
          case Unlink u -> entries.remove(u.name());
          case Move m -> {
            if (entries.get(m.from()) == m.node()) {
              entries.remove(m.from());
              entries.put(m.to(), m.node());
            }
          }
          default -> throw new AssertionError(op);
        }
      }
      DirNode s = new DirNode();
      done.put(node, s);
      for (Map.Entry<String, Object> e : entries.entrySet()) {
        s.live.put(e.getKey(), survive(e.getValue(), random, done, counts));
      }
      s.durable.putAll(s.live);
      return s;
    }
    FileNode f = (FileNode) node;
    byte[] content = f.durable.clone();
    for (Object op : f.unsynced) {
      int fate = random.nextInt(3);
      switch (op) {
        case Write w -> {
          if (fate == 0) {
            counts[1]++;
          } else if (fate == 1) {
            counts[0]++;
            content = apply(content, w.position(), w.bytes(), w.bytes().length);
          } else {
            counts[2]++;
            content = apply(content, w.position(), w.bytes(), random.nextInt(w.bytes().length));
          }
        }
        case Truncate t -> {
          if (fate != 0 && t.size() < content.length) {
            content = Arrays.copyOf(content, (int) t.size());
          }
        }
        default -> throw new AssertionError(op);
      }
    }
    FileNode s = new FileNode();
    s.live = content;
    s.size = content.length;
    s.durable = content.clone();
    done.put(node, s);
    return s;
  }

  private static byte[] apply(byte[] content, long position, byte[] bytes, int length) {
    if (length == 0) {
      return content;
    }
    int end = (int) position + length;
    byte[] c = end > content.length ? Arrays.copyOf(content, end) : content;
    System.arraycopy(bytes, 0, c, (int) position, length);
    return c;
  }

  // ----------------------------------------------------------------------------- paths

  private DirNode dirOf(Path path) throws IOException {
    Path parent = path.toAbsolutePath().getParent();
    Object n = nodeAt(parent);
    if (!(n instanceof DirNode d)) {
      throw new NoSuchFileException(String.valueOf(parent), null, "no such directory");
    }
    return d;
  }

  private Object nodeAt(Path path) {
    Object n = root;
    if (path == null) {
      return n;
    }
    for (Path name : path.toAbsolutePath()) {
      if (!(n instanceof DirNode d)) {
        return null;
      }
      n = d.live.get(name.toString());
      if (n == null) {
        return null;
      }
    }
    return n;
  }

  private static String nameOf(Path path) {
    return path.getFileName().toString();
  }

  // ----------------------------------------------------------------------------- operations

  @Override
  public synchronized FileChannel open(Path file, OpenOption... options) throws IOException {
    check();
    Set<OpenOption> o = Set.of(options);
    boolean write = o.contains(StandardOpenOption.WRITE) || o.contains(StandardOpenOption.APPEND);
    DirNode dir = dirOf(file);
    Object n = dir.live.get(nameOf(file));
    if (n instanceof DirNode) {
      throw new IOException(file + " is a directory");
    }
    FileNode f = (FileNode) n;
    if (f != null && o.contains(StandardOpenOption.CREATE_NEW)) {
      throw new FileAlreadyExistsException(file.toString());
    }
    if (f == null) {
      if (!write
          || !(o.contains(StandardOpenOption.CREATE)
              || o.contains(StandardOpenOption.CREATE_NEW))) {
        throw new NoSuchFileException(file.toString());
      }
      tick();
      f = new FileNode();
      dir.live.put(nameOf(file), f);
      dir.unsynced.add(new Link(nameOf(file), f));
      created.add(nameOf(file));
    } else if (write && o.contains(StandardOpenOption.TRUNCATE_EXISTING) && f.size > 0) {
      tick();
      truncate(f, 0);
    }
    return new MemChannel(
        file,
        f,
        o.contains(StandardOpenOption.READ) || !write,
        write,
        o.contains(StandardOpenOption.APPEND));
  }

  @Override
  public synchronized boolean exists(Path path) {
    return nodeAt(path) != null;
  }

  @Override
  public synchronized List<Path> list(Path dir) throws IOException {
    check();
    if (!(nodeAt(dir) instanceof DirNode d)) {
      throw new NoSuchFileException(dir.toString());
    }
    List<Path> l = new ArrayList<>();
    for (String name : d.live.keySet()) {
      l.add(dir.resolve(name));
    }
    return l;
  }

  @Override
  public synchronized void createDirectory(Path dir) throws IOException {
    check();
    DirNode parent = dirOf(dir);
    if (parent.live.containsKey(nameOf(dir))) {
      throw new FileAlreadyExistsException(dir.toString());
    }
    tick();
    DirNode d = new DirNode();
    parent.live.put(nameOf(dir), d);
    parent.unsynced.add(new Link(nameOf(dir), d));
  }

  @Override
  public synchronized void rename(Path from, Path to) throws IOException {
    check();
    DirNode dir = dirOf(from);
    if (dirOf(to) != dir) {
      throw new UnsupportedOperationException("rename across directories: " + from + " " + to);
    }
    Object n = dir.live.get(nameOf(from));
    if (n == null) {
      throw new NoSuchFileException(from.toString());
    }
    tick();
    dir.live.remove(nameOf(from));
    dir.live.put(nameOf(to), n);
    dir.unsynced.add(new Move(nameOf(from), nameOf(to), n));
  }

  @Override
  public synchronized boolean delete(Path file) throws IOException {
    check();
    DirNode dir = dirOf(file);
    Object n = dir.live.get(nameOf(file));
    if (n == null) {
      return false;
    }
    tick();
    dir.live.remove(nameOf(file));
    dir.unsynced.add(new Unlink(nameOf(file)));
    if (n instanceof FileNode f) {
      deleted.put(nameOf(file), Arrays.copyOf(f.live, f.size));
    }
    return true;
  }

  @Override
  public synchronized void forceDirectory(Path dir) throws IOException {
    check();
    if (!(nodeAt(dir) instanceof DirNode d)) {
      throw new NoSuchFileException(dir.toString());
    }
    tick();
    d.durable = new TreeMap<>(d.live);
    d.unsynced.clear();
  }

  private static void truncate(FileNode f, long size) {
    if (size < f.size) {
      Arrays.fill(f.live, (int) size, f.size, (byte) 0);
      f.size = (int) size;
      f.unsynced.add(new Truncate(size));
    }
  }

  /** A channel on one file; every call holds the file system's monitor. */
  private final class MemChannel extends FileChannel {
    private final Path path;
    private final FileNode file;
    private final boolean readable;
    private final boolean writable;
    private final boolean append;
    private long position;

    MemChannel(Path path, FileNode file, boolean readable, boolean writable, boolean append) {
      this.path = path;
      this.file = file;
      this.readable = readable;
      this.writable = writable;
      this.append = append;
    }

    private void open() throws IOException {
      if (!isOpen()) {
        throw new java.nio.channels.ClosedChannelException();
      }
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      synchronized (PowerCutFileSystem.this) {
        int n = read(dst, position);
        if (n > 0) {
          position += n;
        }
        return n;
      }
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
      long total = 0;
      for (int i = offset; i < offset + length; i++) {
        int n = read(dsts[i]);
        if (n < 0) {
          return total == 0 ? -1 : total;
        }
        total += n;
      }
      return total;
    }

    @Override
    public int read(ByteBuffer dst, long pos) throws IOException {
      synchronized (PowerCutFileSystem.this) {
        check();
        open();
        if (!readable) {
          throw new java.nio.channels.NonReadableChannelException();
        }
        if (pos >= file.size) {
          return -1;
        }
        int n = (int) Math.min(dst.remaining(), file.size - pos);
        dst.put(file.live, (int) pos, n);
        return n;
      }
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      synchronized (PowerCutFileSystem.this) {
        if (append) {
          position = file.size;
        }
        int n = write(src, position);
        position += n;
        return n;
      }
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
      long total = 0;
      for (int i = offset; i < offset + length; i++) {
        total += write(srcs[i]);
      }
      return total;
    }

    @Override
    public int write(ByteBuffer src, long pos) throws IOException {
      synchronized (PowerCutFileSystem.this) {
        check();
        open();
        if (!writable) {
          throw new java.nio.channels.NonWritableChannelException();
        }
        int n = src.remaining();
        if (n == 0) {
          return 0;
        }
        tick();
        byte[] bytes = new byte[n];
        src.get(bytes);
        long end = pos + n;
        if (end > file.live.length) {
          file.live = Arrays.copyOf(file.live, (int) Math.max(end, file.live.length * 2L));
        }
        System.arraycopy(bytes, 0, file.live, (int) pos, n);
        file.size = (int) Math.max(file.size, end);
        file.unsynced.add(new Write(pos, bytes));
        return n;
      }
    }

    @Override
    public long position() {
      return position;
    }

    @Override
    public FileChannel position(long newPosition) {
      position = newPosition;
      return this;
    }

    @Override
    public long size() throws IOException {
      synchronized (PowerCutFileSystem.this) {
        check();
        return file.size;
      }
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
      synchronized (PowerCutFileSystem.this) {
        check();
        open();
        if (size < file.size) {
          tick();
          PowerCutFileSystem.truncate(file, size);
        }
        position = Math.min(position, size);
        return this;
      }
    }

    @Override
    public void force(boolean metaData) throws IOException {
      synchronized (PowerCutFileSystem.this) {
        check();
        open();
        tick();
        file.durable = Arrays.copyOf(file.live, file.size);
        file.unsynced.clear();
      }
    }

    @Override
    public long transferTo(long position, long count, WritableByteChannel target) {
      throw new UnsupportedOperationException();
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long position, long count) {
      throw new UnsupportedOperationException();
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) {
      throw new UnsupportedOperationException();
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) throws IOException {
      FileLock l = tryLock(position, size, shared);
      if (l == null) {
        throw new IOException(path + " is locked");
      }
      return l;
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
      synchronized (PowerCutFileSystem.this) {
        check();
        if (file.lockedBy != null && file.lockedBy.isOpen()) {
          return null;
        }
        file.lockedBy = this;
        return new FileLock(this, position, size, shared) {
          @Override
          public boolean isValid() {
            return MemChannel.this.isOpen() && file.lockedBy == MemChannel.this;
          }

          @Override
          public void release() {
            synchronized (PowerCutFileSystem.this) {
              if (file.lockedBy == MemChannel.this) {
                file.lockedBy = null;
              }
            }
          }
        };
      }
    }

    @Override
    protected void implCloseChannel() {
      synchronized (PowerCutFileSystem.this) {
        if (file.lockedBy == this) {
          file.lockedBy = null;
        }
      }
    }
  }
}
