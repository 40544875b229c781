package io.runnel.store;

import io.runnel.spi.RecordHook;
import io.runnel.spi.kit.RecordHookConformanceKit;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * {@link Persist} passes the record-hook conformance kit: its backend is a real store on a temp
 * directory, and "failing" is that store closed under a running pipeline.
 */
class PersistConformanceTest extends RecordHookConformanceKit {

  @Override
  protected Harness harness() throws Exception {
    return new Harness() {
      private final Path dir = Files.createTempDirectory("runnel-kit-persist");
      private final HistoryStore store = HistoryStore.open(StoreConfig.builder(dir).build());

      @Override
      public RecordHook<Sample> working() {
        return Persist.to(store, Sample.class);
      }

      @Override
      public RecordHook<Sample> failing() {
        return Persist.to(store, Sample.class);
      }

      @Override
      public void breakBackend() {
        store.close();
      }

      @Override
      public long failures(Map<String, Long> counters) {
        return counters.getOrDefault("failed", 0L);
      }

      @Override
      public void close() throws IOException {
        store.close();
        try (Stream<Path> files = Files.walk(dir)) {
          files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
      }
    };
  }
}
