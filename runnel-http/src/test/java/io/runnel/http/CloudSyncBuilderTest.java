package io.runnel.http;

import static io.runnel.http.Fixture.CODEC;
import static io.runnel.http.Fixture.HUMIDITY;
import static io.runnel.http.Fixture.TEMP;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.runnel.RecordKey;
import io.runnel.codec.Codec;
import io.runnel.store.HistoryStore;
import io.runnel.store.StoreConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import javax.net.ssl.SSLContext;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The builder: immutable (every option returns a copy), and the project's validation messages. */
class CloudSyncBuilderTest {
  @TempDir Path dir;
  private HistoryStore store;
  private final URI uri = URI.create("http://127.0.0.1:1/ingest");

  @BeforeEach
  void open() throws IOException {
    store = HistoryStore.open(StoreConfig.builder(dir).build());
  }

  @AfterEach
  void close() {
    store.close();
  }

  private CloudSync.Builder base() {
    return CloudSync.builder(store, uri).nodeId("gw-1");
  }

  /** One option, and what it changes in the settings of the product. */
  private record Option(String name, UnaryOperator<CloudSync.Builder> apply) {}

  private static List<Option> options() throws Exception {
    SSLContext tls = SSLContext.getDefault();
    ObjectMapper mapper = new ObjectMapper();
    Supplier<String> token = () -> "t";
    return List.of(
        new Option("name", b -> b.name("other")),
        new Option("nodeId", b -> b.nodeId("gw-2")),
        new Option("cursorName", b -> b.cursorName("other.cursor")),
        new Option("keys", b -> b.keys(TEMP, HUMIDITY)),
        new Option("codec", b -> b.codec(CODEC)),
        new Option("objectMapper", b -> b.objectMapper(mapper)),
        new Option("maxBatchEntries", b -> b.maxBatchEntries(7)),
        new Option("maxBatchBytes", b -> b.maxBatchBytes(4096)),
        new Option("connectTimeout", b -> b.connectTimeout(Duration.ofSeconds(1))),
        new Option("requestTimeout", b -> b.requestTimeout(Duration.ofSeconds(2))),
        new Option("backoff", b -> b.backoff(Duration.ofMillis(1), Duration.ofMillis(2))),
        new Option("maxRetryAfter", b -> b.maxRetryAfter(Duration.ofSeconds(3))),
        new Option("closeTimeout", b -> b.closeTimeout(Duration.ofSeconds(4))),
        new Option("header(String)", b -> b.header("Authorization", "Bearer x")),
        new Option("header(Supplier)", b -> b.header("X-Token", token)),
        new Option("credentialHeader(String)", b -> b.credentialHeader("X-Device-Pin", "1")),
        new Option("credentialHeader(Supplier)", b -> b.credentialHeader("X-Pin", token)),
        new Option("allowPlaintextCredentials", CloudSync.Builder::allowPlaintextCredentials),
        new Option("sslContext", b -> b.sslContext(tls)));
  }

  @Test
  void everyOptionReturnsAChangedCopyAndLeavesTheReceiverUnchanged() throws Exception {
    CloudSync.Builder template = base();
    SyncSettings before = template.build().settings();
    for (Option o : options()) {
      CloudSync.Builder copy = o.apply().apply(template);
      assertThat(copy).as(o.name()).isNotSameAs(template);
      assertThat(copy.build().settings()).as(o.name()).isNotEqualTo(before);
      assertThat(template.build().settings()).as(o.name() + " left the template").isEqualTo(before);
    }
  }

  @Test
  void aPartlyConfiguredBuilderIsATemplateForSeveralProducts() {
    CloudSync.Builder template = base().maxBatchEntries(100).keys(TEMP);
    CloudSync one = template.name("one").build();
    CloudSync two = template.name("two").keys(HUMIDITY).header("X-A", "a").build();
    CloudSync plain = template.build();

    assertThat(one.name()).isEqualTo("one");
    assertThat(two.name()).isEqualTo("two");
    assertThat(plain.name()).isEqualTo("cloud-sync"); // the documented default
    assertThat(plain.settings().cursorName()).isEqualTo("cloud-sync");
    assertThat(one.settings().keys().keyIds()).containsExactly(TEMP.id());
    assertThat(two.settings().keys().keyIds()).containsExactlyInAnyOrder(TEMP.id(), HUMIDITY.id());
    assertThat(plain.settings().keys().keyIds()).containsExactly(TEMP.id());
    assertThat(two.settings().headers()).containsOnlyKeys("X-A");
    assertThat(plain.settings().headers()).isEmpty();
    assertThat(List.of(one, two, plain))
        .allSatisfy(s -> assertThat(s.settings().maxBatchEntries()).isEqualTo(100));
  }

  @Test
  void defaults() {
    SyncSettings s = base().build().settings();
    assertThat(s.name()).isEqualTo("cloud-sync");
    assertThat(s.cursorName()).isEqualTo("cloud-sync");
    assertThat(s.keys().isAll()).isTrue();
    assertThat(s.codecs()).isEmpty();
    assertThat(s.maxBatchEntries()).isEqualTo(500);
    assertThat(s.maxBatchBytes()).isEqualTo(1 << 20);
    assertThat(s.connectTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(s.requestTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(s.minBackoff()).isEqualTo(Duration.ofMillis(200));
    assertThat(s.maxBackoff()).isEqualTo(Duration.ofSeconds(60));
    assertThat(s.maxRetryAfter()).isEqualTo(Duration.ofMinutes(10));
    assertThat(s.closeTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(s.headers()).isEmpty();
    assertThat(s.credentialHeaders()).isEmpty();
    assertThat(s.allowPlaintextCredentials()).isFalse();
    assertThat(s.sslContext()).isNull();
  }

  private record Mistake(
      String what, ThrowingCallable call, Class<? extends Throwable> type, String message) {}

  @Test
  void eachMistakeGetsTheDocumentedMessage() {
    CloudSync.Builder b = base();
    SyncSettings before = b.build().settings();
    List<Mistake> mistakes =
        List.of(
            npe("store", () -> CloudSync.builder(null, uri), "store must not be null"),
            npe("endpoint", () -> CloudSync.builder(store, null), "endpoint must not be null"),
            npe("name null", () -> b.name(null), "name must not be null"),
            iae("name blank", () -> b.name(" "), "name must not be blank"),
            npe("nodeId null", () -> b.nodeId(null), "nodeId must not be null"),
            iae("nodeId blank", () -> b.nodeId(""), "nodeId must not be blank"),
            npe("cursorName", () -> b.cursorName(null), "cursorName must not be null"),
            npe("keys", () -> b.keys((RecordKey[]) null), "keys must not be null"),
            npe("key", () -> b.keys(TEMP, null), "key must not be null"),
            npe("codec", () -> b.codec((Codec<?>) null), "codec must not be null"),
            npe("objectMapper", () -> b.objectMapper(null), "objectMapper must not be null"),
            iae(
                "maxBatchEntries 0",
                () -> b.maxBatchEntries(0),
                "maxBatchEntries must be positive, got 0"),
            iae(
                "maxBatchEntries too many",
                () -> b.maxBatchEntries(1_000_001),
                "maxBatchEntries must not exceed Query.MAX_LIMIT, got 1000001 > 1000000"),
            iae(
                "maxBatchBytes 0",
                () -> b.maxBatchBytes(0),
                "maxBatchBytes must be positive, got 0"),
            iae(
                "maxBatchBytes small",
                () -> b.maxBatchBytes(1023),
                "maxBatchBytes must be at least 1024, got 1023"),
            npe(
                "connectTimeout null",
                () -> b.connectTimeout(null),
                "connectTimeout must not be null"),
            iae(
                "connectTimeout 0",
                () -> b.connectTimeout(Duration.ZERO),
                "connectTimeout must be positive, got PT0S"),
            iae(
                "requestTimeout 0",
                () -> b.requestTimeout(Duration.ZERO),
                "requestTimeout must be positive, got PT0S"),
            iae(
                "requestTimeout negative",
                () -> b.requestTimeout(Duration.ofSeconds(-1)),
                "requestTimeout must be positive, got PT-1S"),
            iae(
                "closeTimeout 0",
                () -> b.closeTimeout(Duration.ZERO),
                "closeTimeout must be positive, got PT0S"),
            npe(
                "minBackoff null",
                () -> b.backoff(null, Duration.ofSeconds(1)),
                "minBackoff must not be null"),
            npe(
                "maxBackoff null",
                () -> b.backoff(Duration.ofSeconds(1), null),
                "maxBackoff must not be null"),
            iae(
                "minBackoff 0",
                () -> b.backoff(Duration.ZERO, Duration.ofSeconds(1)),
                "minBackoff must be positive, got PT0S"),
            iae(
                "maxBackoff 0",
                () -> b.backoff(Duration.ofSeconds(1), Duration.ZERO),
                "maxBackoff must be positive, got PT0S"),
            iae(
                "backoff range",
                () -> b.backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)),
                "minBackoff must not exceed maxBackoff, got PT2S > PT1S"),
            npe(
                "maxRetryAfter null",
                () -> b.maxRetryAfter(null),
                "maxRetryAfter must not be null"),
            iae(
                "maxRetryAfter negative",
                () -> b.maxRetryAfter(Duration.ofSeconds(-1)),
                "maxRetryAfter must not be negative, got PT-1S"),
            npe("header name null", () -> b.header(null, "v"), "header name must not be null"),
            iae("header name blank", () -> b.header(" ", "v"), "header name must not be blank"),
            npe(
                "header value null",
                () -> b.header("X-A", (String) null),
                "header value must not be null"),
            npe(
                "header supplier null",
                () -> b.header("X-A", (Supplier<String>) null),
                "header value must not be null"),
            npe(
                "credentialHeader name null",
                () -> b.credentialHeader(null, "v"),
                "header name must not be null"),
            npe(
                "credentialHeader value null",
                () -> b.credentialHeader("X-Pin", (String) null),
                "header value must not be null"),
            npe(
                "credentialHeader supplier null",
                () -> b.credentialHeader("X-Pin", (Supplier<String>) null),
                "header value must not be null"),
            iae(
                "credentialHeader reserved",
                () -> b.credentialHeader("Idempotency-Key", "v"),
                "header Idempotency-Key is set by the cloud sync itself"),
            npe("sslContext", () -> b.sslContext(null), "sslContext must not be null"));
    for (Mistake m : mistakes) {
      assertThatThrownBy(m.call())
          .as(m.what())
          .isExactlyInstanceOf(m.type())
          .hasMessage(m.message());
    }
    // a failed option leaves the builder as it was
    assertThat(b.build().settings()).isEqualTo(before);
  }

  @Test
  void aZeroMaxRetryAfterIsAllowed() {
    assertThat(base().maxRetryAfter(Duration.ZERO).build().settings().maxRetryAfter()).isZero();
  }

  @Test
  void settingsCollectionsAreImmutable() {
    SyncSettings s = base().keys(TEMP).codec(CODEC).header("X-A", "a").build().settings();
    assertThatThrownBy(() -> s.keys().keyIds().add("x"))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> s.codecs().clear()).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> s.headers().clear()).isInstanceOf(UnsupportedOperationException.class);
  }

  private static Mistake npe(String what, ThrowingCallable call, String message) {
    return new Mistake(what, call, NullPointerException.class, message);
  }

  private static Mistake iae(String what, ThrowingCallable call, String message) {
    return new Mistake(what, call, IllegalArgumentException.class, message);
  }
}
