package io.runnel.codec;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The codec of a {@link Versions} chain at one version (its <em>target</em>): it encodes values of
 * the target version with that version's codec, so {@link #id()} and {@link #schema()} are the
 * target's, and it decodes a value of any version of the chain, recognised by the fingerprint it
 * was written with ({@link #decode(String, long, int, byte[])}): an earlier version is migrated up
 * step by step, a later one migrated down where every step between has a down migration. A value of
 * a version the chain does not know, or one it cannot migrate down, is refused with a {@link
 * SchemaMismatchException} naming the value, both versions and what to deploy; a migration that
 * throws is a {@link MigrationException}. Never silently mis-decoded: a value is only decoded by
 * the codec whose fingerprint it carries.
 *
 * <p>Immutable and thread-safe if the migration functions are.
 *
 * @param <T> the target version's type
 */
public final class VersionedCodec<T> implements Codec<T> {

  /** One version of the chain as a reader sees it: number, fingerprint, schema text and type. */
  public record Version(int number, long id, String schema, String type) {}

  private final Versions<?> chain;
  private final int target;
  private final List<String> problems;
  private final Map<Long, Versions.Step> byId = new HashMap<>();
  private final Map<Integer, Versions.Step> byNumber = new HashMap<>();
  private final List<Version> versions = new ArrayList<>();
  private final Versions.Step targetStep;
  private final int min;
  private final int max;

  VersionedCodec(Versions<?> chain, int target) {
    this.chain = chain;
    this.target = target;
    this.problems = chain.problems();
    int lo = Integer.MAX_VALUE;
    int hi = Integer.MIN_VALUE;
    for (Versions.Step s : chain.steps()) {
      byNumber.putIfAbsent(s.number(), s);
      if (s.codec() != null) {
        byId.putIfAbsent(s.codec().id(), s);
        versions.add(
            new Version(s.number(), s.codec().id(), s.codec().schema(), s.type().getName()));
      }
      lo = Math.min(lo, s.number());
      hi = Math.max(hi, s.number());
    }
    this.min = lo;
    this.max = hi;
    this.targetStep = byNumber.get(target);
  }

  /** The chain this codec reads. */
  public Versions<?> chain() {
    return chain;
  }

  /** Every version the chain declares (with a codec), lowest first. */
  public List<Version> versions() {
    return List.copyOf(versions);
  }

  @Override
  public List<String> problems() {
    return problems;
  }

  @Override
  public int version() {
    return target;
  }

  @Override
  public int versionOf(long writtenId) {
    Versions.Step s = byId.get(writtenId);
    return s == null ? 0 : s.number();
  }

  @Override
  public boolean reads(long writtenId) {
    return byId.containsKey(writtenId);
  }

  @Override
  public long id() {
    return targetStep.codec() == null ? 0 : targetStep.codec().id();
  }

  @Override
  public String schema() {
    return targetStep.codec() == null ? "<no codec>" : targetStep.codec().schema();
  }

  @Override
  @SuppressWarnings("unchecked")
  public byte[] encode(T value) {
    return ((Codec<Object>) usable()).encode(value);
  }

  @Override
  @SuppressWarnings("unchecked")
  public long sizeHint(T value) {
    return problems.isEmpty() ? ((Codec<Object>) targetStep.codec()).sizeHint(value) : -1;
  }

  @Override
  @SuppressWarnings("unchecked")
  public T decode(byte[] bytes) {
    return (T) usable().decode(bytes);
  }

  private Codec<?> usable() {
    if (!problems.isEmpty()) {
      throw new CodecException(String.join("; ", problems));
    }
    return targetStep.codec();
  }

  @Override
  @SuppressWarnings("unchecked")
  public T decode(String what, long writtenId, int writtenVersion, byte[] bytes) {
    usable();
    Versions.Step from = byId.get(writtenId);
    if (from == null) {
      throw new SchemaMismatchException(unknown(what, writtenId, writtenVersion), writtenId, id());
    }
    Object v = from.codec().decode(bytes);
    int n = from.number();
    while (n < target) {
      Versions.Step s = byNumber.get(n);
      v = migrate(what, s.up(), v, n, n + 1);
      n++;
    }
    if (n > target) {
      for (int k = n - 1; k >= target; k--) {
        if (byNumber.get(k).down() == null) {
          throw new SchemaMismatchException(
              what
                  + " is version "
                  + from.number()
                  + " ("
                  + from.type().getName()
                  + ") but this reader reads version "
                  + target
                  + " ("
                  + targetStep.type().getName()
                  + ") and the chain has no down migration from "
                  + (k + 1)
                  + " to "
                  + k
                  + ": deploy a reader at version "
                  + from.number()
                  + ", or declare a down migration in from("
                  + k
                  + ", ...)",
              writtenId,
              id());
        }
      }
      while (n > target) {
        v = migrate(what, byNumber.get(n - 1).down(), v, n, n - 1);
        n--;
      }
    }
    return (T) v;
  }

  private Object migrate(String what, Function<Object, Object> f, Object v, int from, int to) {
    Class<?> expected = byNumber.get(to).type();
    Object out;
    try {
      out = f.apply(v);
    } catch (RuntimeException | LinkageError e) {
      throw new MigrationException(
          what + ": the migration from version " + from + " to " + to + " threw " + e, from, to, e);
    }
    if (!expected.isInstance(out)) {
      throw new MigrationException(
          what
              + ": the migration from version "
              + from
              + " to "
              + to
              + " returned "
              + (out == null ? "null" : out.getClass().getName())
              + ", not a "
              + expected.getName(),
          from,
          to,
          null);
    }
    return out;
  }

  private String unknown(String what, long writtenId, int writtenVersion) {
    String type = chain.type().getName();
    String known = "this reader knows versions " + min + ".." + max + " of " + type;
    String id = "[id 0x" + Long.toHexString(writtenId) + "]";
    if (writtenVersion > max) {
      return what
          + " is version "
          + writtenVersion
          + " "
          + id
          + ", newer than this reader: "
          + known
          + " and reads version "
          + target
          + "; deploy a reader whose chain declares version "
          + writtenVersion
          + " (with down migrations to read it as "
          + target
          + "), or stop sending version "
          + writtenVersion
          + " here";
    }
    if (writtenVersion > 0) {
      Versions.Step mine = byNumber.get(writtenVersion);
      return what
          + " is version "
          + writtenVersion
          + " "
          + id
          + " but this reader's version "
          + writtenVersion
          + (mine == null || mine.codec() == null
              ? " is not declared"
              : " has schema "
                  + mine.codec().schema()
                  + " [id 0x"
                  + Long.toHexString(mine.codec().id())
                  + "]")
          + " ("
          + known
          + "): writer and reader disagree on what version "
          + writtenVersion
          + " is; deploy builds that declare the same chain";
    }
    return what
        + " was written with an unknown schema "
        + id
        + " (no version carried): "
        + known
        + " and reads version "
        + target
        + "; deploy a reader whose chain declares the writer's version, or a writer of a version"
        + " in "
        + min
        + ".."
        + max;
  }

  @Override
  public String toString() {
    return "VersionedCodec[v" + target + " of " + chain + "]";
  }
}
