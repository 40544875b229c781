package io.runnel.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class VersionsTest {
  record R1(String sensor, int tenthsC) {}

  record R2(String sensor, double celsius) {}

  record R3(String sensor, double celsius, String unit) {}

  static R2 up1(R1 r) {
    return new R2(r.sensor(), r.tenthsC() / 10.0);
  }

  static R3 up2(R2 r) {
    return new R3(r.sensor(), r.celsius(), "C");
  }

  static R2 down3(R3 r) {
    return new R2(r.sensor(), r.celsius());
  }

  static Versions<R3> chain() {
    return Versions.of(R3.class, 3)
        .from(2, R2.class, VersionsTest::up2, VersionsTest::down3)
        .from(1, R1.class, VersionsTest::up1);
  }

  @Test
  void readsEveryOlderVersionMigratedUp() {
    Codec<R3> v3 = Codec.versioned(chain());
    assertThat(v3.problems()).isEmpty();
    assertThat(v3.id()).isEqualTo(RecordCodec.of(R3.class).id());
    assertThat(v3.version()).isEqualTo(3);
    byte[] b1 = RecordCodec.of(R1.class).encode(new R1("a", 215));
    assertThat(v3.decode("x", RecordCodec.of(R1.class).id(), 0, b1))
        .isEqualTo(new R3("a", 21.5, "C"));
    byte[] b3 = v3.encode(new R3("b", 1.0, "K"));
    assertThat(v3.decode("x", v3.id(), 3, b3)).isEqualTo(new R3("b", 1.0, "K"));
    assertThat(v3.versionOf(RecordCodec.of(R1.class).id())).isEqualTo(1);
    assertThat(v3.reads(RecordCodec.of(R2.class).id())).isTrue();
  }

  @Test
  void aReaderAtAnOlderVersionMigratesNewerDownWhereItCan() {
    Codec<R2> v2 = chain().reader(2, R2.class);
    assertThat(v2.id()).isEqualTo(RecordCodec.of(R2.class).id());
    byte[] b3 = RecordCodec.of(R3.class).encode(new R3("c", 2.5, "C"));
    assertThat(v2.decode("x", RecordCodec.of(R3.class).id(), 3, b3)).isEqualTo(new R2("c", 2.5));
    Codec<R1> v1 = chain().reader(1, R1.class);
    assertThatThrownBy(() -> v1.decode("entry 4 of key 'k'", RecordCodec.of(R3.class).id(), 3, b3))
        .isInstanceOf(SchemaMismatchException.class)
        .hasMessageContaining("entry 4 of key 'k' is version 3")
        .hasMessageContaining("reads version 1")
        .hasMessageContaining("no down migration from 2 to 1")
        .hasMessageContaining("deploy a reader at version 3");
  }

  @Test
  void anUnknownFutureVersionIsRefusedNamingWhatToDeploy() {
    Codec<R3> v3 = Codec.versioned(chain());
    long future = Fingerprint.of("record:R4(whatever)");
    assertThatThrownBy(() -> v3.decode("message for key 'k'", future, 4, new byte[] {1, 2}))
        .isInstanceOf(SchemaMismatchException.class)
        .hasMessageContaining("message for key 'k' is version 4")
        .hasMessageContaining("knows versions 1..3")
        .hasMessageContaining("deploy a reader whose chain declares version 4");
    assertThatThrownBy(() -> v3.decode("entry 1", future, 0, new byte[] {1}))
        .isInstanceOf(SchemaMismatchException.class)
        .hasMessageContaining("unknown schema [id 0x" + Long.toHexString(future));
    // a plain codec refuses a versioned value rather than mis-decoding it
    Codec<R1> plain = RecordCodec.of(R1.class);
    assertThatThrownBy(() -> plain.decode("e", v3.id(), 3, new byte[] {1}))
        .isInstanceOf(SchemaMismatchException.class);
  }

  @Test
  void aThrowingMigrationIsAMigrationExceptionNamingBothVersions() {
    Codec<R3> v3 =
        Codec.versioned(
            Versions.of(R3.class, 3)
                .from(2, R2.class, VersionsTest::up2)
                .from(
                    1,
                    R1.class,
                    (R1 r) -> {
                      if (r.tenthsC() < 0) {
                        throw new IllegalArgumentException("negative tenths");
                      }
                      return up1(r);
                    }));
    byte[] bad = RecordCodec.of(R1.class).encode(new R1("a", -1));
    assertThatThrownBy(() -> v3.decode("entry 9 of key 'k'", RecordCodec.of(R1.class).id(), 1, bad))
        .isInstanceOf(MigrationException.class)
        .hasMessageContaining("entry 9 of key 'k': the migration from version 1 to 2 threw")
        .hasMessageContaining("negative tenths");
    Codec<R3> wrongType =
        Codec.versioned(Versions.of(R3.class, 3).from(2, R2.class, r -> "not a record"));
    assertThatThrownBy(
            () ->
                wrongType.decode(
                    "e",
                    RecordCodec.of(R2.class).id(),
                    2,
                    RecordCodec.of(R2.class).encode(new R2("a", 1))))
        .isInstanceOf(MigrationException.class)
        .hasMessageContaining("returned java.lang.String, not a " + R3.class.getName());
  }

  @Test
  void everyChainProblemIsListedAtOnce() {
    Versions<R3> bad =
        Versions.of(R3.class, 5)
            .from(4, R2.class, VersionsTest::up2)
            .from(4, R2.class, VersionsTest::up2) // two migrations for 4 -> 5
            .from(1, R1.class, VersionsTest::up1) // gap: 2..3
            .from(6, R1.class, VersionsTest::up1); // cycle: above the current, R1 twice
    List<String> p = bad.problems();
    assertThat(p).anyMatch(s -> s.contains("two migrations for step 4 -> 5"));
    assertThat(p).anyMatch(s -> s.contains("gap: no version 2 between 1 and 5"));
    assertThat(p).anyMatch(s -> s.contains("cycle: version 6"));
    assertThat(p).anyMatch(s -> s.contains("cycle: " + R1.class.getName() + " is both version"));
    assertThat(p).anyMatch(s -> s.contains("fingerprint 0x") && s.contains("matches two versions"));
    assertThatThrownBy(() -> Codec.requireUsable(Codec.versioned(bad)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("gap")
        .hasMessageContaining("two migrations");
    assertThatThrownBy(() -> Codec.versioned(bad).encode(new R3("a", 1, "C")))
        .isInstanceOf(CodecException.class);
  }

  @Test
  void aMissingMigrationIsAProblem() {
    Versions<R3> v =
        Versions.of(R3.class, 3).from(2, R2.class, null).from(1, R1.class, VersionsTest::up1);
    assertThat(v.problems())
        .singleElement()
        .asString()
        .contains("version 2 (" + R2.class.getName() + ") has no migration up");
  }

  @Test
  void aFingerprintSharedByTwoVersionsIsAProblem() {
    Codec<byte[]> same = Codec.bytes(42);
    Versions<byte[]> v =
        Versions.of(Codec.bytes(42), 2, byte[].class).from(1, same, byte[].class, b -> b, null);
    assertThat(v.problems())
        .singleElement()
        .asString()
        .contains("fingerprint 0x2a matches two versions, 2 and 1");
  }

  public record J1(String name) {}

  public record J2(String name, int count) {}

  @Test
  void jsonChainsMigrateToo() {
    Codec<J2> c =
        Codec.versioned(
            Versions.json(J2.class, 2).from(1, J1.class, (J1 j) -> new J2(j.name(), 0)));
    assertThat(c.problems()).isEmpty();
    byte[] b = JsonCodec.of(J1.class).encode(new J1("x"));
    assertThat(c.decode("e", JsonCodec.of(J1.class).id(), 0, b)).isEqualTo(new J2("x", 0));
    assertThat(c.decode(c.encode(new J2("y", 3)))).isEqualTo(new J2("y", 3));
  }
}
