package io.runnel.store;

import static io.runnel.store.HistoryStoreTest.TEXT;
import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.RecordKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * A reader over a growing key set against a model: random appends of keys under the prefix (new
 * ones appearing all the time) and outside it, reads of random sizes, deliveries of a prefix of a
 * page, commits and store restarts. Every page holds exactly the model's selected entries of its
 * range, in order; after a restart the reader resumes at the committed position; in the end every
 * selected entry was read at least once and no other entry ever.
 */
class GrowingKeysProperties {

  static final KeySelector SELECTOR = KeySelector.prefix("station.");

  sealed interface Op {}

  /** Appends to {@code station.n<key>} (selected) or {@code other.n<key>}. */
  record Append(boolean selected, int key) implements Op {}

  /** Reads a page of at most {@code max} entries and delivers its first {@code deliver}. */
  record Read(int max, int deliver) implements Op {}

  record Commit() implements Op {}

  record Restart() implements Op {}

  @Provide
  Arbitrary<List<Op>> runs() {
    Arbitrary<Op> append =
        Combinators.combine(Arbitraries.of(true, false), Arbitraries.integers().between(0, 40))
            .as(Append::new);
    Arbitrary<Op> read =
        Combinators.combine(
                Arbitraries.integers().between(1, 6), Arbitraries.integers().between(0, 6))
            .as(Read::new);
    return Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(6, append),
            net.jqwik.api.Tuple.of(4, read),
            net.jqwik.api.Tuple.of(1, Arbitraries.just(new Commit())),
            net.jqwik.api.Tuple.of(1, Arbitraries.just(new Restart())))
        .list()
        .ofMaxSize(80);
  }

  record Entry(long sequence, String key, String value) {}

  static final String PADDING = " " + "x".repeat(300);

  @Property(tries = 40)
  void pagesAreExactlyTheSelectedEntriesAndRestartsResumeAtTheCursor(
      @ForAll("runs") List<Op> ops,
      @ForAll @net.jqwik.api.constraints.IntRange(min = 0, max = 8) int budget)
      throws Exception {
    Path dir = Files.createTempDirectory("growing");
    List<Entry> model = new ArrayList<>();
    List<String> everRead = new ArrayList<>();
    try {
      StoreConfig config = StoreConfig.builder(dir).segmentBytes(4096).indexInterval(4).build();
      HistoryStore store = HistoryStore.open(config);
      try {
        HistoryReader.Builder builder = HistoryReader.builder(store, "route").keys(SELECTOR);
        if (budget > 0) { // entries looked at per read; 0: the default (never reached here)
          builder = builder.scanBudget(budget);
        }
        HistoryReader reader = builder.build();
        long next = reader.position();
        long delivered = 0;
        long committed = 0;
        for (Op op : ops) {
          switch (op) {
            case Append a -> {
              String key = (a.selected() ? "station.n" : "other.n") + a.key();
              String value = key + "#" + model.size() + PADDING; // a segment holds ~12
              long seq = store.append(RecordKey.of(key), value, TEXT);
              assertThat(store.awaitDurable(seq, Duration.ofSeconds(10))).isTrue();
              model.add(new Entry(seq, key, value));
            }
            case Read r -> {
              long from = next;
              HistoryReader.Page p = reader.read(from, r.max());
              long durable = store.durableSequence();
              List<String> expected =
                  model.stream()
                      .filter(
                          e ->
                              e.sequence() >= from
                                  && e.sequence() < p.end()
                                  && SELECTOR.matches(e.key()))
                      .map(Entry::value)
                      .toList();
              List<String> got = HistoryReaderTest.decoded(p);
              // exactly the selected entries of its range, and progress up to the durable end
              assertThat(got).isEqualTo(expected);
              assertThat(got.size()).isLessThanOrEqualTo(r.max());
              assertThat(p.end()).isLessThanOrEqualTo(Math.max(from, durable + 1));
              if (from <= durable) {
                assertThat(p.end()).isGreaterThan(from);
              }
              if (budget == 0) { // unbounded here: a full page, or everything up to the end
                List<String> first =
                    model.stream()
                        .filter(e -> e.sequence() >= from && SELECTOR.matches(e.key()))
                        .limit(r.max())
                        .map(Entry::value)
                        .toList();
                assertThat(got).isEqualTo(first);
                if (got.size() < r.max()) {
                  assertThat(p.end()).isEqualTo(durable + 1);
                } else {
                  assertThat(p.end()).isEqualTo(p.lastSequence() + 1);
                }
              }
              everRead.addAll(got);
              int n = Math.min(r.deliver(), p.size());
              long end = p.endAfter(n);
              reader.delivered(end);
              delivered = Math.max(delivered, end);
              next = end; // the rest of the page is read again
            }
            case Commit c -> committed = reader.commit();
            case Restart x -> {
              store.close();
              store = HistoryStore.open(config);
              HistoryReader.Builder again = HistoryReader.builder(store, "route").keys(SELECTOR);
              reader = budget > 0 ? again.scanBudget(budget).build() : again.build();
              assertThat(reader.position()).isEqualTo(committed);
              next = committed; // what was delivered but not committed comes again
              delivered = committed;
            }
          }
          assertThat(committed).isLessThanOrEqualTo(delivered);
        }
        // the rest: everything selected from the cursor on
        long from = reader.position();
        while (true) {
          HistoryReader.Page p = reader.read(from);
          everRead.addAll(HistoryReaderTest.decoded(p));
          if (p.end() == from) {
            break;
          }
          from = p.end();
        }
      } finally {
        store.close();
      }
      List<String> selected =
          model.stream().filter(e -> SELECTOR.matches(e.key())).map(Entry::value).toList();
      assertThat(everRead).containsAll(selected); // at least once
      assertThat(everRead).allMatch(v -> v.startsWith("station.")); // nothing else
    } finally {
      try (Stream<Path> s = Files.walk(dir)) {
        s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /** The resolution cache and the segment classification agree with the selector itself. */
  @Property(tries = 200)
  void selectedKeysDecideAsTheSelector(
      @ForAll("keyIds") List<String> ids, @ForAll("selectors") KeySelector selector) {
    SelectedKeys s = new SelectedKeys(selector);
    for (int round = 0; round < 2; round++) { // the second round from the cache
      for (String id : ids) {
        assertThat(s.test(id)).as(id).isEqualTo(selector.matches(id));
      }
    }
  }

  @Provide
  Arbitrary<List<String>> keyIds() {
    Arbitrary<String> segment = Arbitraries.of("a", "ab", "b", "station", "s1", "x");
    return segment.list().ofMinSize(1).ofMaxSize(3).map(l -> String.join(".", l)).list();
  }

  @Provide
  Arbitrary<KeySelector> selectors() {
    Arbitrary<KeySelector> prefix =
        Arbitraries.of("a.", "ab.", "station.", "a.b.").map(KeySelector::prefix);
    Arbitrary<KeySelector> exact =
        Arbitraries.of("a", "a.b", "station.s1", "x.x")
            .list()
            .ofMinSize(1)
            .ofMaxSize(3)
            .map(l -> KeySelector.of(l.stream().map(RecordKey::of).toList()));
    return Combinators.combine(prefix, exact, Arbitraries.integers().between(0, 2))
        .as((p, e, which) -> which == 0 ? p : which == 1 ? e : p.or(e));
  }
}
