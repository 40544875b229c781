package io.runnel.store;

import io.runnel.RecordKey;
import io.runnel.spi.Checks;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Which record keys a {@link HistoryReader} (and so a forwarding route built on it) reads: every
 * key, a fixed set of keys, the keys under a prefix, or a union of those. A prefix selects keys
 * that did not exist when the reader was built: a record added to a running pipeline ({@code
 * Runnel.add}) and persisted is read as soon as its first entry is durable.
 *
 * <pre>{@code
 * KeySelector.of(Key.INDOOR, Key.OUTDOOR)                 // these two
 * KeySelector.prefix("station.")                           // station.s01, station.s02, ...
 * KeySelector.prefix("station.").or(KeySelector.of(Key.AVERAGE))
 * }</pre>
 *
 * <p>A prefix is a valid record key followed by {@code .}: it selects whole segments, so {@code
 * prefix("station.")} matches {@code station.s01} and {@code station.s01.raw}, but neither {@code
 * station} nor {@code stationary.x}. Immutable; equal when they select by the same keys and
 * prefixes.
 *
 * <p>A reader decides once per key id whether it is selected (see {@link HistoryReader}), so {@link
 * #matches} is not on the per-entry path.
 */
public final class KeySelector {

  private static final KeySelector ALL = new KeySelector(true, Set.of(), List.of());

  private final boolean all;
  private final Set<String> ids; // exact key ids, in the order given
  private final List<String> prefixes; // each ends with '.'

  private KeySelector(boolean all, Set<String> ids, List<String> prefixes) {
    this.all = all;
    this.ids = ids;
    this.prefixes = prefixes;
  }

  /** Every key. */
  public static KeySelector all() {
    return ALL;
  }

  /**
   * Exactly these keys.
   *
   * @throws IllegalArgumentException if none is given (use {@link #all()} for every key)
   */
  public static KeySelector of(RecordKey... keys) {
    Checks.notNull("keys", keys);
    return of(Arrays.asList(keys));
  }

  /**
   * Exactly these keys.
   *
   * @throws IllegalArgumentException if the collection is empty (use {@link #all()} for every key)
   */
  public static KeySelector of(Collection<? extends RecordKey> keys) {
    Checks.notNull("keys", keys);
    if (keys.isEmpty()) {
      throw new IllegalArgumentException(
          "a key selector needs at least one key (KeySelector.all() selects every key)");
    }
    Set<String> ids = new LinkedHashSet<>();
    for (RecordKey k : keys) {
      ids.add(Checks.notNull("key", k).id());
    }
    return new KeySelector(false, java.util.Collections.unmodifiableSet(ids), List.of());
  }

  /**
   * Every key whose id starts with {@code prefix}, including keys first written later.
   *
   * @param prefix a valid record key followed by {@code .}, e.g. {@code "station."}
   * @throws IllegalArgumentException if it is not (the message says why)
   */
  public static KeySelector prefix(String prefix) {
    Checks.notNull("prefix", prefix);
    if (!prefix.endsWith(".")) {
      throw new IllegalArgumentException(
          "key prefix '"
              + prefix
              + "' must end with '.': a prefix selects whole segments ('station.' matches"
              + " 'station.s01', not 'stationary.x')");
    }
    String namespace = prefix.substring(0, prefix.length() - 1);
    RecordKey.problem(namespace)
        .ifPresent(
            p -> {
              throw new IllegalArgumentException(
                  "key prefix '" + prefix + "' is not a record key followed by '.': " + p);
            });
    return new KeySelector(false, Set.of(), List.of(prefix));
  }

  /** The keys of this selector and of {@code other}. */
  public KeySelector or(KeySelector other) {
    Checks.notNull("other", other);
    if (all || other.all) {
      return ALL;
    }
    Set<String> union = new LinkedHashSet<>(ids);
    union.addAll(other.ids);
    List<String> p = new ArrayList<>(prefixes);
    for (String q : other.prefixes) {
      if (!p.contains(q)) {
        p.add(q);
      }
    }
    return new KeySelector(false, java.util.Collections.unmodifiableSet(union), List.copyOf(p));
  }

  /** Whether the key with this id is selected. */
  public boolean matches(String keyId) {
    if (all || ids.contains(keyId)) {
      return true;
    }
    for (String p : prefixes) {
      if (keyId.startsWith(p)) {
        return true;
      }
    }
    return false;
  }

  /** True for {@link #all()}. */
  public boolean isAll() {
    return all;
  }

  /**
   * The exact key ids selected (without those under a prefix), in the order given; empty for {@link
   * #all()}.
   */
  public Set<String> keyIds() {
    return ids;
  }

  /** The prefixes selected (each ending with {@code .}), in the order given. */
  public List<String> prefixes() {
    return prefixes;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof KeySelector s
        && all == s.all
        && ids.equals(s.ids)
        && Set.copyOf(prefixes).equals(Set.copyOf(s.prefixes));
  }

  @Override
  public int hashCode() {
    return Objects.hash(all, ids, Set.copyOf(prefixes));
  }

  /** E.g. {@code sensor.a, sensor.b}, {@code station.*}, or {@code *} for every key. */
  @Override
  public String toString() {
    if (all) {
      return "*";
    }
    List<String> parts = new ArrayList<>(ids);
    for (String p : prefixes) {
      parts.add(p + "*");
    }
    return String.join(", ", parts);
  }
}
