package io.runnel.bench.store;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The {@link StoreThroughput} workload on SQLite (xerial sqlite-jdbc): WAL journal, {@code
 * synchronous=NORMAL}, one transaction per {@code batch} inserts, the same encoded value (record
 * codec) as a BLOB, with an index on (key, timestamp) like the store's queries need. Entries per
 * second, measured on the inserting thread (SQLite has no hand-off).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 2, timeUnit = TimeUnit.SECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Threads(1)
@State(Scope.Benchmark)
public class SqliteThroughput {

  @Param({"100", "1000"})
  public int batch;

  private Path dir;
  private Connection db;
  private PreparedStatement insert;
  private long seq;
  private int inBatch;

  @Setup(Level.Trial)
  public void open() throws Exception {
    dir = BenchData.tempDir("runnel-sqlite");
    db = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("history.db"));
    try (Statement s = db.createStatement()) {
      s.execute("PRAGMA journal_mode=WAL");
      s.execute("PRAGMA synchronous=NORMAL");
      s.execute(
          "CREATE TABLE history (seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL, key TEXT NOT NULL,"
              + " codec INTEGER NOT NULL, payload BLOB NOT NULL)");
      s.execute("CREATE INDEX history_key_ts ON history (key, ts)");
    }
    db.setAutoCommit(false);
    insert = db.prepareStatement("INSERT INTO history VALUES (?, ?, ?, ?, ?)");
  }

  @TearDown(Level.Iteration)
  public void commit() throws Exception {
    db.commit();
    inBatch = 0;
  }

  @TearDown(Level.Trial)
  public void close() throws Exception {
    insert.close();
    db.close();
    BenchData.deleteTree(dir);
  }

  @Benchmark
  public long insert() throws Exception {
    long s = seq++;
    insert.setLong(1, s);
    insert.setLong(2, System.currentTimeMillis() * 1000);
    insert.setString(3, BenchData.KEY.id());
    insert.setLong(4, BenchData.CODEC.id());
    insert.setBytes(5, BenchData.CODEC.encode(BenchData.VALUE));
    insert.executeUpdate();
    if (++inBatch == batch) {
      db.commit();
      inBatch = 0;
    }
    return s;
  }
}
