package io.runnel.store;

import io.runnel.RecordKey;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;

/**
 * The child JVM of {@link CrashTest}: appends to the store in args[0] forever, group-committed, and
 * prints {@code ACK <sequence>} for every sequence it has seen become durable. Killed with SIGKILL
 * by the test.
 */
public final class CrashChild {
  private CrashChild() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int run = Integer.parseInt(args[1]);
    Random rnd = new Random(run);
    RecordKey[] keys = {RecordKey.of("crash.a"), RecordKey.of("crash.b")};
    try (HistoryStore store =
        HistoryStore.open(
            StoreConfig.builder(dir)
                .segmentBytes(32 * 1024)
                .overflow(OverflowPolicy.waitUpTo(Duration.ofSeconds(10)))
                .build())) {
      System.out.println("OPEN " + store.durableSequence());
      System.out.flush();
      for (long i = 0; ; i++) {
        int batch = 1 + rnd.nextInt(40);
        long last = -1;
        for (int j = 0; j < batch; j++) {
          last = store.append(keys[j & 1], CrashTest.value(run, i * 100 + j, rnd), CrashTest.CODEC);
        }
        if (store.awaitDurable(last, Duration.ofSeconds(10))) {
          System.out.println("ACK " + last);
          System.out.flush();
        }
      }
    }
  }
}
