package io.runnel.codec;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The versions of a record type and the migrations between them, declared in plain Java: the
 * current version first, then each earlier one with the function that migrates it up to the next
 * (and, optionally, the one that migrates the next back down to it).
 *
 * <pre>{@code
 * Versions<ReadingV3> readings =
 *     Versions.of(ReadingV3.class, 3)
 *         .from(2, ReadingV2.class, ReadingV2::toV3, ReadingV2::fromV3) // up 2->3, down 3->2
 *         .from(1, ReadingV1.class, ReadingV1::toV2);                   // up 1->2
 * Codec<ReadingV3> codec = Codec.versioned(readings);       // writes version 3, reads 1..3
 * Codec<ReadingV2> asV2 = readings.reader(2, ReadingV2.class); // writes 2, reads 1..3 (3 down)
 * }</pre>
 *
 * <p>Each version has its own codec ({@link RecordCodec} by default, {@link JsonCodec} for {@link
 * #json}, or one given explicitly) and so its own fingerprint ({@link Codec#id()}); the version
 * number is the small id that travels next to it where a link has room (MQTT 5 user properties,
 * Kafka headers, HTTP batches) and that {@code schemas.txt} records for the store. See {@code
 * docs/decisions/022-versioned-types.md}.
 *
 * <p>Immutable: every {@code from} returns a new chain. Declaring never throws; the chain is
 * checked as a whole by {@link #problems()} (gaps, cycles, two migrations for one step, a
 * fingerprint shared by two versions, a type without a codec), which the places that attach a codec
 * to a record report with the graph's other problems: a {@code Persist} hook fails to attach,
 * listing them all; a link's {@code publish}/{@code subscribe}, called in a record's registration,
 * throws with them (so the build lists them); a codec given to a connector outside any registration
 * ({@code CloudSync.Builder.codec}, {@code MqttLink.publishHistory}) is reported by the connector's
 * {@code problems()}, which {@code build()} lists.
 *
 * @param <T> the type of the current (newest declared) version
 */
public final class Versions<T> {

  /** One declared version: its number, type, codec and the migrations to and from the next. */
  record Step(
      int number,
      Class<?> type,
      Codec<?> codec,
      String codecProblem,
      boolean derived,
      Function<Object, Object> up,
      Function<Object, Object> down) {}

  private final boolean json;
  private final Step head;
  private final List<Step> older;

  private Versions(boolean json, Step head, List<Step> older) {
    this.json = json;
    this.head = head;
    this.older = older;
  }

  /** A chain whose current version is the Java record {@code type}, encoded by RecordCodec. */
  public static <T extends Record> Versions<T> of(Class<T> type, int version) {
    return new Versions<>(false, step(false, version, type, null, null, null), List.of());
  }

  /** A chain whose current version is encoded by {@code codec} (any codec with its own id). */
  public static <T> Versions<T> of(Codec<T> codec, int version, Class<T> type) {
    return new Versions<>(false, step(false, version, type, codec, null, null), List.of());
  }

  /** A chain whose versions are encoded as JSON ({@link JsonCodec}, one type per version). */
  public static <T> Versions<T> json(Class<T> type, int version) {
    return new Versions<>(true, step(true, version, type, null, null, null), List.of());
  }

  /**
   * Declares an earlier version and its migration up to version {@code version + 1}.
   *
   * @param version the earlier version's number (1..65535)
   * @param type its type (a Java record for a binary chain)
   * @param up migrates a value of it to the type of version {@code version + 1}
   */
  public <P> Versions<T> from(int version, Class<P> type, Function<? super P, ?> up) {
    return add(step(json, version, type, null, up, null));
  }

  /**
   * Declares an earlier version with its migration up to version {@code version + 1} and the
   * migration down from it, so a reader at this version can read values of the next one.
   */
  public <P, N> Versions<T> from(
      int version,
      Class<P> type,
      Function<? super P, ?> up,
      Function<? super N, ? extends P> down) {
    return add(step(json, version, type, null, up, down));
  }

  /** Declares an earlier version encoded by {@code codec}, and its migration up (and down). */
  public <P, N> Versions<T> from(
      int version,
      Codec<P> codec,
      Class<P> type,
      Function<? super P, ?> up,
      Function<? super N, ? extends P> down) {
    return add(step(json, version, type, Objects.requireNonNull(codec, "codec"), up, down));
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Step step(
      boolean json,
      int number,
      Class<?> type,
      Codec<?> codec,
      Function<?, ?> up,
      Function<?, ?> down) {
    Objects.requireNonNull(type, "type");
    String problem = null;
    Codec<?> c = codec;
    if (c == null) {
      try {
        if (json) {
          c = JsonCodec.of(type);
        } else if (type.isRecord()) {
          c = RecordCodec.of((Class) type);
        } else {
          problem =
              "version "
                  + number
                  + " ("
                  + type.getName()
                  + ") is not a Java record: give its codec with from(version, codec, type, ...)";
        }
      } catch (RuntimeException | LinkageError e) {
        problem = "version " + number + " (" + type.getName() + ") has no codec: " + e.getMessage();
      }
    }
    return new Step(number, type, c, problem, codec == null, (Function) up, (Function) down);
  }

  private Versions<T> add(Step s) {
    List<Step> l = new ArrayList<>(older);
    l.add(s);
    return new Versions<>(json, head, List.copyOf(l));
  }

  /** The current version's number. */
  public int current() {
    return head.number;
  }

  /** The current version's type. */
  @SuppressWarnings("unchecked")
  public Class<T> type() {
    return (Class<T>) head.type;
  }

  /**
   * Every problem of the chain, one line each, empty when it is valid: versions outside 1..65535, a
   * version declared twice (two migrations for one step), an earlier version at or above the
   * current one, or a type declared at two versions (cycles), a version missing between the lowest
   * and the current (gaps), two versions with one fingerprint, and types without a codec.
   */
  public List<String> problems() {
    List<String> p = new ArrayList<>();
    String name = head.type.getName();
    List<Step> all = new ArrayList<>();
    all.add(head);
    all.addAll(older);
    for (Step s : all) {
      if (s.number < 1 || s.number > 65535) {
        p.add("version " + s.number + " of " + s.type.getName() + " is outside 1..65535");
      }
      if (s.codecProblem != null) {
        p.add(s.codecProblem);
      }
    }
    Map<Integer, List<Step>> byNumber = new TreeMap<>();
    for (Step s : older) {
      byNumber.computeIfAbsent(s.number, k -> new ArrayList<>()).add(s);
      if (s.up == null) {
        p.add("version " + s.number + " (" + s.type.getName() + ") has no migration up");
      }
      if (s.number >= head.number) {
        p.add(
            "cycle: version "
                + s.number
                + " ("
                + s.type.getName()
                + ") is declared as earlier than the current version "
                + head.number
                + " but migrates up to "
                + (s.number + 1)
                + ", which never leads to the current version");
      }
    }
    for (Map.Entry<Integer, List<Step>> e : byNumber.entrySet()) {
      if (e.getValue().size() > 1) {
        p.add(
            "two migrations for step "
                + e.getKey()
                + " -> "
                + (e.getKey() + 1)
                + " (version "
                + e.getKey()
                + " is declared "
                + e.getValue().size()
                + " times)");
      }
    }
    Map<Class<?>, Integer> typeAt = new HashMap<>();
    for (Step s : all) {
      if (!s.derived) {
        continue; // an explicit codec may encode one type in several layouts
      }
      Integer prev = typeAt.putIfAbsent(s.type, s.number);
      if (prev != null && prev != s.number) {
        p.add(
            "cycle: "
                + s.type.getName()
                + " is both version "
                + prev
                + " and version "
                + s.number
                + " (migrating it up would reach itself)");
      }
    }
    int min = head.number;
    for (Step s : older) {
      min = Math.min(min, s.number);
    }
    for (int k = min + 1; k < head.number; k++) {
      if (!byNumber.containsKey(k)) {
        p.add(
            "gap: no version "
                + k
                + " between "
                + min
                + " and "
                + head.number
                + " (version "
                + (k - 1)
                + (byNumber.containsKey(k - 1) ? "" : " or below")
                + " has nothing to migrate up to)");
        while (k + 1 < head.number && !byNumber.containsKey(k + 1)) {
          k++; // one line per gap, not per missing number
        }
      }
    }
    Map<Long, Step> byId = new HashMap<>();
    for (Step s : all) {
      if (s.codec == null) {
        continue;
      }
      Step other = byId.putIfAbsent(s.codec.id(), s);
      if (other != null && other.number != s.number) {
        p.add(
            "fingerprint 0x"
                + Long.toHexString(s.codec.id())
                + " matches two versions, "
                + other.number
                + " and "
                + s.number
                + " (schema "
                + s.codec.schema()
                + "): a reader could not tell them apart; give each version its own type");
      }
    }
    if (!p.isEmpty()) {
      p.replaceAll(x -> "versions of " + name + ": " + x);
    }
    return Collections.unmodifiableList(p);
  }

  /** A codec that writes the current version and reads every version of the chain. */
  public Codec<T> codec() {
    return new VersionedCodec<>(this, head.number);
  }

  /**
   * A codec that writes version {@code version} (whose type must be {@code type}) and reads every
   * version of the chain: earlier ones migrated up, later ones migrated down where the chain has
   * down migrations for every step between, else refused with an error saying what to deploy.
   *
   * @throws IllegalArgumentException if the chain has no version {@code version} of that type
   */
  public <V> Codec<V> reader(int version, Class<V> type) {
    for (Step s : steps()) {
      if (s.number == version && s.type == type) {
        return new VersionedCodec<>(this, version);
      }
    }
    throw new IllegalArgumentException(
        "versions of " + head.type.getName() + ": no version " + version + " of type " + type);
  }

  /** The steps, lowest version first (duplicates kept in declaration order). */
  List<Step> steps() {
    List<Step> all = new ArrayList<>(older);
    all.add(head);
    all.sort((a, b) -> Integer.compare(a.number, b.number));
    return all;
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder("Versions[");
    for (Step s : steps()) {
      if (b.length() > 9) {
        b.append(", ");
      }
      b.append(s.number).append('=').append(s.type.getSimpleName());
    }
    return b.append(']').toString();
  }
}
