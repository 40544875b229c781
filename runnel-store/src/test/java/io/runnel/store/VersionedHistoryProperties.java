package io.runnel.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.RecordKey;
import io.runnel.codec.Codec;
import io.runnel.codec.Versions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Values written across random sequences of versions (an application that moves between v1, v2 and
 * v3 and back, restarting the store in between) read back with the v3 codec equal the same values
 * migrated in memory by the same functions.
 */
class VersionedHistoryProperties {
  public record V1(String name, int count) {}

  public record V2(String name, long count, boolean flag) {}

  public record V3(String label, long count, boolean flag, List<String> tags) {}

  static final Function<V1, V2> UP1 = v -> new V2(v.name(), v.count(), v.count() % 2 == 0);
  static final Function<V2, V3> UP2 =
      v -> new V3(v.name() == null ? "" : v.name(), v.count(), v.flag(), List.of());
  static final Function<V3, V2> DOWN3 = v -> new V2(v.label(), v.count(), v.flag());

  static final Versions<V3> CHAIN =
      Versions.of(V3.class, 3).from(2, V2.class, UP2, DOWN3).from(1, V1.class, UP1);

  /** One value of a random version. */
  record Write(int version, Object value) {}

  @Provide
  Arbitrary<List<Write>> histories() {
    return writes().list().ofMaxSize(40);
  }

  Arbitrary<Write> writes() {
    Arbitrary<String> text = Arbitraries.strings().ofMaxLength(12).injectNull(0.1);
    Arbitrary<Write> w1 =
        Combinators.combine(text, Arbitraries.integers()).as((n, c) -> new Write(1, new V1(n, c)));
    Arbitrary<Write> w2 =
        Combinators.combine(text, Arbitraries.longs(), Arbitraries.of(true, false))
            .as((n, c, f) -> new Write(2, new V2(n, c, f)));
    Arbitrary<Write> w3 =
        Combinators.combine(
                Arbitraries.strings().ofMaxLength(12),
                Arbitraries.longs(),
                Arbitraries.of(true, false),
                Arbitraries.strings().alpha().ofMaxLength(5).list().ofMaxSize(3))
            .as((n, c, f, t) -> new Write(3, new V3(n, c, f, t)));
    return Arbitraries.oneOf(w1, w2, w3);
  }

  static V3 migrate(Write w) {
    return switch (w.version()) {
      case 1 -> UP2.apply(UP1.apply((V1) w.value()));
      case 2 -> UP2.apply((V2) w.value());
      default -> (V3) w.value();
    };
  }

  @SuppressWarnings("unchecked")
  static Codec<Object> writer(int version) {
    Codec<?> c =
        switch (version) {
          case 1 -> CHAIN.reader(1, V1.class);
          case 2 -> CHAIN.reader(2, V2.class);
          default -> CHAIN.codec();
        };
    return (Codec<Object>) c;
  }

  @Property(tries = 25)
  void readBackMigratedEqualsMigratedInMemory(
      @ForAll("histories") List<Write> writes,
      @ForAll @net.jqwik.api.constraints.IntRange(min = 1, max = 8) int restartEvery)
      throws Exception {
    Path dir = Files.createTempDirectory("vprop");
    RecordKey key = RecordKey.of("p.values");
    try {
      HistoryStore store = HistoryStore.open(StoreConfig.builder(dir).build());
      try {
        for (int i = 0; i < writes.size(); i++) {
          if (i > 0 && i % restartEvery == 0) { // the application restarts on another version
            store.awaitDurable(store.sync(), Duration.ofSeconds(10));
            store.close();
            store = HistoryStore.open(StoreConfig.builder(dir).build());
          }
          Write w = writes.get(i);
          store.append(key, w.value(), writer(w.version()));
        }
        assertThat(store.awaitDurable(store.sync(), Duration.ofSeconds(10))).isTrue();
      } finally {
        store.close();
      }
      try (HistoryStore reopened = HistoryStore.open(StoreConfig.builder(dir).build())) {
        Codec<V3> v3 = Codec.versioned(CHAIN);
        List<V3> read = new ArrayList<>();
        List<Integer> versions = new ArrayList<>();
        for (StoredEntry e : reopened.query(Query.all().key(key))) {
          read.add(e.decode(v3));
          versions.add(e.writtenVersion());
        }
        assertThat(read)
            .isEqualTo(writes.stream().map(VersionedHistoryProperties::migrate).toList());
        assertThat(versions).isEqualTo(writes.stream().map(Write::version).toList());
      }
    } finally {
      try (Stream<Path> s = Files.walk(dir)) {
        s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}
