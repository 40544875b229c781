package io.runnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.GraphProblem.Kind;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One test per validation error, and the promise that build() reports all of them at once. */
class GraphValidationTest {

  static final RecordKey A = RecordKey.of("rec.a");
  static final RecordKey B = RecordKey.of("rec.b");
  static final RecordKey C = RecordKey.of("rec.c");
  static final RecordKey D = RecordKey.of("rec.d");

  static List<GraphProblem> problems(RunnelBuilder builder) {
    try {
      builder.build().close();
      return List.of();
    } catch (GraphException e) {
      return e.problems();
    }
  }

  static Source<Integer> ints() {
    return (ctx, out) -> out.produce(1);
  }

  @Test
  void invalidKey() {
    RecordKey bad = () -> "Bad.Key";
    var problems = problems(Runnel.builder().configure(Integer.class, bad, r -> r.source(ints())));
    assertThat(problems)
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.kind()).isEqualTo(Kind.INVALID_KEY);
              assertThat(p.message()).contains("Bad.Key").contains("uppercase 'B'");
            });
  }

  @Test
  void duplicateKey() {
    var problems =
        problems(
            Runnel.builder()
                .configure(Integer.class, A, r -> r.source(ints()))
                .configure(Integer.class, A, r -> r.tap((ctx, v) -> {})));
    assertThat(problems)
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.kind()).isEqualTo(Kind.DUPLICATE_KEY);
              assertThat(p.message())
                  .contains("'rec.a'")
                  .contains("java.lang.Integer")
                  .contains("2 times");
            });
  }

  @Test
  void keyReusedWithAnotherType() {
    var problems =
        problems(
            Runnel.builder()
                .configure(Integer.class, A, r -> r.source(ints()))
                .configure(String.class, A, r -> r.external()));
    assertThat(problems)
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.kind()).isEqualTo(Kind.KEY_TYPE_CONFLICT);
              assertThat(p.message())
                  .contains("'rec.a'")
                  .contains("java.lang.Integer")
                  .contains("java.lang.String");
            });
  }

  @Test
  void twoWriters() {
    var problems =
        problems(
            Runnel.builder()
                .configure(Integer.class, A, r -> r.source(ints()))
                .configure(
                    Integer.class, B, r -> r.source(ints()).transform(Integer.class, A, v -> v)));
    assertThat(problems)
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.kind()).isEqualTo(Kind.MULTIPLE_WRITERS);
              assertThat(p.message())
                  .contains("'rec.b'")
                  .contains("2 writers")
                  .contains("source, transform");
            });
  }

  @Test
  void missingInputWithSuggestion() {
    var problems =
        problems(
            Runnel.builder()
                .configure(Integer.class, A, r -> r.source(ints()))
                .configure(
                    Integer.class,
                    B,
                    r -> r.transform(Integer.class, RecordKey.of("rec.x"), v -> v)));
    assertThat(problems)
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.kind()).isEqualTo(Kind.MISSING_INPUT);
              assertThat(p.message())
                  .contains("'rec.b'")
                  .contains("'rec.x'")
                  .contains("not configured")
                  .contains("did you mean 'rec.a'");
              assertThat(p.keys()).containsExactly("rec.b", "rec.x");
            });
  }

  @Test
  void inputOfAnotherType() {
    var problems =
        problems(
            Runnel.builder()
                .configure(Integer.class, A, r -> r.source(ints()))
                .configure(String.class, B, r -> r.transform(String.class, A, v -> v)));
    assertThat(problems)
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.kind()).isEqualTo(Kind.INPUT_TYPE_MISMATCH);
              assertThat(p.message())
                  .contains(
                      "reads 'rec.a' as java.lang.String, but 'rec.a' holds java.lang.Integer");
            });
  }

  @Test
  void readingAsASupertypeIsFine() {
    var problems =
        problems(
            Runnel.builder()
                .configure(Integer.class, A, r -> r.source(ints()))
                .configure(String.class, B, r -> r.transform(Number.class, A, Number::toString)));
    assertThat(problems).isEmpty();
  }

  @Test
  void cycleIsReportedWithItsPath() {
    var problems =
        problems(
            Runnel.builder()
                .configure(Integer.class, A, r -> r.source(ints()))
                .configure(
                    Integer.class,
                    B,
                    r ->
                        r.join(
                            j -> {
                              var a = j.input(Integer.class, A);
                              var d = j.input(Integer.class, D);
                              j.onLatest(l -> l.get(a) + l.get(d));
                            }))
                .configure(Integer.class, C, r -> r.transform(Integer.class, B, v -> v))
                .configure(Integer.class, D, r -> r.transform(Integer.class, C, v -> v)));
    assertThat(problems)
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.kind()).isEqualTo(Kind.CYCLE);
              assertThat(p.message()).contains("rec.b -> rec.c -> rec.d -> rec.b");
              assertThat(p.keys()).containsExactly("rec.b", "rec.c", "rec.d");
            });
  }

  @Test
  void selfLoopIsACycle() {
    var problems =
        problems(
            Runnel.builder()
                .configure(Integer.class, A, r -> r.transform(Integer.class, A, v -> v)));
    assertThat(problems).extracting(GraphProblem::kind).containsExactly(Kind.CYCLE);
    assertThat(problems.get(0).message()).contains("rec.a -> rec.a");
  }

  @Test
  void malformedJoins() {
    var problems =
        problems(
            Runnel.builder()
                .configure(Integer.class, A, r -> r.source(ints()))
                .configure(Integer.class, B, r -> r.join(j -> j.onLatest(l -> 1)))
                .configure(
                    Integer.class,
                    C,
                    r ->
                        r.join(
                            j -> {
                              j.input(Integer.class, A);
                              j.input(Integer.class, A);
                            })));
    assertThat(problems).extracting(GraphProblem::kind).containsOnly(Kind.INVALID_JOIN);
    assertThat(problems)
        .extracting(GraphProblem::message)
        .anySatisfy(m -> assertThat(m).contains("'rec.b' has 0 input(s)"))
        .anySatisfy(m -> assertThat(m).contains("'rec.c' has no behaviour"))
        .anySatisfy(m -> assertThat(m).contains("reads 'rec.a' twice"));
  }

  @Test
  void aThrowingOrNullRegistrationIsReported() {
    var problems =
        problems(
            Runnel.builder()
                .configure(
                    Integer.class,
                    A,
                    r -> {
                      throw new IllegalStateException("boom");
                    })
                .configure(Integer.class, B, r -> r.source(null))
                .configure(null, C, r -> {}));
    assertThat(problems).extracting(GraphProblem::kind).containsOnly(Kind.INVALID_REGISTRATION);
    assertThat(problems).hasSize(3);
    assertThat(problems)
        .extracting(GraphProblem::message)
        .anySatisfy(m -> assertThat(m).contains("'rec.a'").contains("boom"))
        .anySatisfy(m -> assertThat(m).contains("'rec.b'").contains("source must not be null"))
        .anySatisfy(m -> assertThat(m).contains("null type").contains("'rec.c'"));
  }

  @Test
  void everyProblemIsReportedAtOnce() {
    RunnelBuilder builder =
        Runnel.builder()
            .configure(Integer.class, () -> "BAD", r -> r.source(ints()))
            .configure(Integer.class, A, r -> r.source(ints()))
            .configure(String.class, A, r -> r.external())
            .configure(Integer.class, B, r -> r.source(ints()).transform(Integer.class, A, v -> v))
            .configure(
                Integer.class,
                C,
                r -> r.transform(Integer.class, RecordKey.of("rec.missing"), v -> v))
            .configure(Integer.class, D, r -> r.transform(String.class, A, v -> 1));
    assertThatThrownBy(builder::build)
        .isInstanceOfSatisfying(
            GraphException.class,
            e ->
                assertThat(e.problems())
                    .extracting(GraphProblem::kind)
                    .containsExactlyInAnyOrder(
                        Kind.INVALID_KEY,
                        Kind.KEY_TYPE_CONFLICT,
                        Kind.MULTIPLE_WRITERS,
                        Kind.MISSING_INPUT,
                        Kind.INPUT_TYPE_MISMATCH))
        .hasMessageContaining("5 problems")
        .hasMessageContaining("1. [");
  }

  @Test
  void aRecordNobodyWritesIsAWarningUnlessExternal() {
    try (Runnel runnel =
        Runnel.builder()
            .configure(Integer.class, A, r -> r.tap((ctx, v) -> {}))
            .configure(Integer.class, B, r -> r.external())
            .build()) {
      assertThat(runnel.warnings())
          .singleElement()
          .satisfies(
              w -> {
                assertThat(w.kind()).isEqualTo(Kind.NO_WRITER);
                assertThat(w.isWarning()).isTrue();
                assertThat(w.message()).contains("'rec.a'").contains("external()");
              });
    }
  }

  @Test
  void topologicalOrderPutsInputsFirst() {
    try (Runnel runnel =
        Runnel.builder()
            .configure(
                Integer.class,
                D,
                r ->
                    r.join(
                        j -> {
                          var b = j.input(Integer.class, B);
                          var c = j.input(Integer.class, C);
                          j.onLatest(l -> l.get(b) + l.get(c));
                        }))
            .configure(Integer.class, C, r -> r.transform(Integer.class, A, v -> v))
            .configure(Integer.class, B, r -> r.transform(Integer.class, A, v -> v))
            .configure(Integer.class, A, r -> r.source(ints()))
            .build()) {
      List<String> order = runnel.inspect().topologicalOrder();
      assertThat(order).containsExactly("rec.a", "rec.c", "rec.b", "rec.d");
    }
  }
}
